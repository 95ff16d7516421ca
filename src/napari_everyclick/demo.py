"""`everyclick demo`: the phantom in napari with the widget, or the robot clicker headless.

Headless (`--headless --out DIR`): no display, no napari, no Qt. For every lesion of the CT
phantom, on its largest slice, the simulated user (the thesis's robot clicker with dynamic "avg"
disks) clicks up to N times with the chosen method; after each click a PNG shows the slice
(lesion window), the truth outline, the mask and the clicks as circles of their radius, and
`ious.json` records the IoU after each click. Method: `--method`, else the best shipped model,
else flood.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from .core.clicker import RobotClicker
from .core.clicks import Click
from .core.metrics import iou
from .core.phantom import Lesion, Phantom, make_phantom
from .core.windowing import apply_window

CROP_MARGIN_PX = 30
"""Pixels of context around the lesion in each PNG."""


def run_demo(method: str | None, headless: bool, out: str | Path, clicks: int = 5) -> int:
    """The `everyclick demo` command; returns the exit status."""
    if headless:
        return run_headless(method, Path(out), clicks)
    return run_viewer(method)


def run_viewer(method: str | None) -> int:
    """Open napari with the phantom (image and hidden truth) and the Every Click dock."""
    import napari

    from .widget.samples import phantom_layers

    viewer = napari.Viewer(title="EveryClick demo: drag over a lesion")
    for data, meta, kind in phantom_layers():
        getattr(viewer, f"add_{kind}")(data, **meta)
    image = viewer.layers[0]
    phantom = make_phantom()
    lesion = max(phantom.lesions, key=lambda les: les.semi_axes[1])
    viewer.dims.set_point(0, _largest_slice(phantom, lesion) * phantom.spacing_mm[0])
    viewer.layers.selection.active = image
    _, widget = viewer.window.add_plugin_dock_widget("napari-everyclick", "Every Click")
    if method is not None:
        widget.controls.method_combo.setCurrentText(method)
    napari.run()
    return 0


def run_headless(method: str | None, out: Path, clicks: int = 5) -> int:
    """Play the robot clicker on every phantom lesion; write PNGs and ious.json to `out`."""
    from .methods import open_session
    from .widget.segmenters import default_method

    name = method or default_method()
    out.mkdir(parents=True, exist_ok=True)
    phantom = make_phantom()
    session = open_session(name)
    results = []
    for lesion in phantom.lesions:
        z = _largest_slice(phantom, lesion)
        truth = phantom.labels[z] == lesion.label
        session.set_image(phantom.hu[z], phantom.window)
        robot = RobotClicker(truth, radius="avg")
        mask: np.ndarray | None = None
        ious: list[float] = []
        for k in range(1, clicks + 1):
            click = robot.next_click(mask)
            if click is None:  # nothing left to correct
                break
            mask = session.click(click)
            ious.append(iou(mask, truth))
            png = out / f"lesion{lesion.label}_click{k:02d}.png"
            _render(png, phantom, lesion, z, mask, robot.clicks, ious[-1], name)
        results.append(_record(lesion, z, robot.clicks, ious, session.last_latency_ms))
        print(f"{lesion.name:>18}: IoU per click " + " ".join(f"{v:.3f}" for v in ious))
    summary = {
        "method": name,
        "clicks": clicks,
        "radius": "avg (dynamic disks)",
        "phantom": {"shape": list(phantom.hu.shape), "spacing_mm": list(phantom.spacing_mm)},
        "lesions": results,
        "mean_iou_per_click": _mean_curve([r["ious"] for r in results], clicks),
    }
    (out / "ious.json").write_text(json.dumps(summary, indent=2))
    print(f"wrote {len(list(out.glob('*.png')))} PNGs and {out / 'ious.json'} ({name})")
    return 0


def _largest_slice(phantom: Phantom, lesion: Lesion) -> int:
    return int(np.argmax((phantom.labels == lesion.label).sum(axis=(1, 2))))


def _record(
    lesion: Lesion, z: int, clicks: list[Click], ious: list[float], latency: float | None
) -> dict[str, Any]:
    return {
        "label": lesion.label,
        "name": lesion.name,
        "slice": z,
        "ious": [round(v, 4) for v in ious],
        "clicks": [asdict(c) for c in clicks],
        "last_click_ms": None if latency is None else round(latency, 1),
    }


def _mean_curve(curves: list[list[float]], clicks: int) -> list[float]:
    """Mean IoU after each click; a lesion finished early keeps its last IoU."""
    padded = [c + [c[-1]] * (clicks - len(c)) for c in curves if c]
    return [round(float(v), 4) for v in np.mean(padded, axis=0)] if padded else []


def _render(
    path: Path,
    phantom: Phantom,
    lesion: Lesion,
    z: int,
    mask: np.ndarray,
    clicks: list[Click],
    score: float,
    method: str,
) -> None:
    """One PNG: the lesion's neighbourhood, truth outline (cyan), mask (yellow), clicks."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Circle

    truth = phantom.labels[z] == lesion.label
    ys, xs = np.nonzero(truth | mask)
    h, w = truth.shape
    y0, y1 = max(ys.min() - CROP_MARGIN_PX, 0), min(ys.max() + CROP_MARGIN_PX + 1, h)
    x0, x1 = max(xs.min() - CROP_MARGIN_PX, 0), min(xs.max() + CROP_MARGIN_PX + 1, w)
    crop = (slice(y0, y1), slice(x0, x1))
    extent = (x0 - 0.5, x1 - 0.5, y1 - 0.5, y0 - 0.5)
    fig, ax = plt.subplots(figsize=(4, 4 * (y1 - y0) / (x1 - x0)), dpi=100)
    ax.imshow(apply_window(phantom.hu[z][crop], phantom.window), cmap="gray", extent=extent)
    overlay = np.zeros((*mask[crop].shape, 4))
    overlay[mask[crop]] = (1.0, 0.8, 0.0, 0.35)
    ax.imshow(overlay, extent=extent)
    yy, xx = np.mgrid[y0:y1, x0:x1]
    ax.contour(xx, yy, mask[crop], levels=[0.5], colors=["#ffc000"], linewidths=1.2)
    ax.contour(xx, yy, truth[crop], levels=[0.5], colors=["cyan"], linewidths=1.0)
    for c in clicks:
        color = "#33ff66" if c.positive else "#ff4040"
        ax.add_patch(Circle((c.x, c.y), c.radius, fill=False, color=color, linewidth=1.5))
        ax.plot(c.x, c.y, "+", color=color, markersize=6)
    ax.set_title(
        f"{lesion.name}, slice {z}: click {len(clicks)}, IoU {score:.3f}\n{method}", fontsize=9
    )
    ax.set_axis_off()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
