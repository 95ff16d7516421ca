"""`everyclick benchmark`: per-click latency of one method on a real CT slice of a given size.

The slice is a lesion slice of a val case (its largest lesion slice) placed at the centre of a
size x size canvas of air (-1000 HU); our CT cases are cropped around the tumour, so this gives
the 512 x 512 field a scanner produces with real tissue in it. Without ../shared/data the
procedural phantom is used. The robot clicker (dynamic `avg` disks) plays `clicks` clicks; the
report holds per-click latency (median, p95) and the per-stage breakdown the predictor times.
"""

from __future__ import annotations

import json
import platform
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..core.clicker import RobotClicker
from ..core.errors import EveryClickError
from ..core.session import Session
from ..core.windowing import Window
from .runner import git_state, is_classical
from .samples import case_files, case_samples

AIR_HU = -1000.0
DEFAULT_DATA = Path("../shared/data")


def benchmark_slice(
    size: int, data: Sequence[str] | None
) -> tuple[np.ndarray, np.ndarray, Window, str]:
    """(slice HU (size, size), lesion mask, window, description) for the benchmark."""
    paths = (
        list(data)
        if data
        else ([DEFAULT_DATA] if (DEFAULT_DATA / "manifest.json").is_file() else [])
    )
    if paths:
        files = case_files(paths, "val" if any(Path(p).is_dir() for p in paths) else None)
        if not files:
            raise EveryClickError(f"no case found in {' '.join(map(str, paths))}")
        sample = case_samples(files[0], largest_slice=True)[0]
        hu, target, window = sample.hu, sample.target, sample.window
        source = f"{sample.case} z={sample.z} ({hu.shape[0]}x{hu.shape[1]}) on air"
    else:
        from ..core.phantom import make_phantom

        phantom = make_phantom()
        z = int(np.argmax((phantom.labels > 0).sum(axis=(1, 2))))
        labels = phantom.labels[z]
        lesion = int(np.bincount(labels[labels > 0]).argmax())
        hu, target, window = phantom.hu[z].astype(np.float32), labels == lesion, phantom.window
        source = f"phantom z={z}"
    h, w = hu.shape
    if max(h, w) > size:
        raise EveryClickError(f"the slice ({h}x{w}) is larger than --size {size}")
    canvas = np.full((size, size), AIR_HU, dtype=np.float32)
    mask = np.zeros((size, size), dtype=bool)
    y0, x0 = (size - h) // 2, (size - w) // 2
    canvas[y0 : y0 + h, x0 : x0 + w] = hu
    mask[y0 : y0 + h, x0 : x0 + w] = target
    return canvas, mask, window, source


def run_benchmark(
    method: str,
    size: int = 512,
    clicks: int = 10,
    out: str = "benchmark.json",
    data: Sequence[str] | None = None,
    device: str = "cpu",
    backend: str = "auto",
    repeats: int = 3,
) -> int:
    """Play `repeats` sessions of `clicks` robot clicks (one warm-up session first) and write
    the latency report; print a summary."""
    hu, target, window, source = benchmark_slice(size, data)
    from ..methods import make_segmenter

    if is_classical(method):
        segmenter = make_segmenter(method)
    else:
        segmenter = make_segmenter(method, device=device, backend=backend)
    session = Session(segmenter)
    latencies: list[float] = []
    stages: dict[str, list[float]] = {}
    prepare_ms = []
    for repeat in range(repeats + 1):
        t0 = time.perf_counter()
        session.set_image(hu, window)
        prepare_ms.append((time.perf_counter() - t0) * 1e3)
        clicker = RobotClicker(target, radius="avg")
        mask = session.mask
        for _ in range(clicks):
            click = clicker.next_click(mask)
            if click is None:
                break
            mask = session.click(click)
            if repeat == 0:
                continue  # warm-up
            latencies.append(float(session.last_latency_ms))
            for stage, ms in session.prediction.timings_ms.items():
                stages.setdefault(stage, []).append(float(ms))
    if not latencies:
        raise EveryClickError("the benchmark recorded no click")
    lat = np.array(latencies)
    report = {
        "method": method,
        "backend": backend,
        "device": device,
        "size": size,
        "clicks": clicks,
        "repeats": repeats,
        "slice": source,
        "latency_ms": {
            "median": float(np.median(lat)),
            "p95": float(np.percentile(lat, 95)),
            "mean": float(lat.mean()),
            "n": int(lat.size),
        },
        "stages_ms_median": {k: float(np.median(v)) for k, v in stages.items()},
        "set_image_ms_median": float(np.median(prepare_ms[1:])),
        "machine": {"cpu_count": __import__("os").cpu_count(), "platform": platform.platform()},
        "threads": _torch_threads(),
        "commit": git_state()[0],
    }
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(json.dumps(report, indent=1))
    stages_text = ", ".join(f"{k} {v:.1f}" for k, v in report["stages_ms_median"].items())
    print(
        f"{method} [{backend}, {device}] {size}x{size}: per click median "
        f"{report['latency_ms']['median']:.1f} ms, p95 {report['latency_ms']['p95']:.1f} ms "
        f"({lat.size} clicks); stages (median ms): {stages_text}"
    )
    print(f"wrote {out}")
    return 0


def _torch_threads() -> int | None:
    import sys

    torch = sys.modules.get("torch")
    return torch.get_num_threads() if torch is not None else None
