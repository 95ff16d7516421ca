"""Regenerate the user guide's screenshots from the real viewer (run under xvfb):

    xvfb-run -a python docs/make_screenshots.py

Drives the Every Click dock on the CT phantom with the default method through napari's own mouse
callbacks (the same fake events the tests use) and saves `viewer.screenshot` PNGs to
docs/images/.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("NAPARI_APPLICATION_GUI_NOTIFICATION_LEVEL", "error")  # no toasts

import napari
import numpy as np
from qtpy.QtWidgets import QApplication

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.widget import canvas

from napari_everyclick.core.phantom import make_phantom
from napari_everyclick.widget.samples import phantom_layers
from napari_everyclick.widget.tool import camera_of

OUT = ROOT / "docs" / "images"
SIZE = (1500, 1000)


def settle(widget, seconds: float = 0.3) -> None:
    """Let workers finish and the canvas redraw."""
    deadline = time.time() + 60
    while (widget.annotator.busy or _pending(widget)) and time.time() < deadline:
        QApplication.processEvents()
        time.sleep(0.02)
    end = time.time() + seconds
    while time.time() < end:
        QApplication.processEvents()
        time.sleep(0.02)


def _pending(widget) -> bool:
    editor = widget.annotator.editor
    return editor is not None and editor.pending > 0


def shoot(viewer, name: str) -> None:
    path = OUT / name
    viewer.screenshot(str(path), canvas_only=False)
    print("wrote", path)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    phantom = make_phantom()
    mass = next(les for les in phantom.lesions if les.name == "soft-tissue mass")
    z = int(np.argmax((phantom.labels == mass.label).sum(axis=(1, 2))))
    cy, cx = mass.center[1], mass.center[2]

    viewer = napari.Viewer(title="EveryClick")
    viewer.window.resize(*SIZE)
    for data, meta, kind in phantom_layers():
        getattr(viewer, f"add_{kind}")(data, **meta)
    image = viewer.layers["CT phantom"]
    viewer.layers.selection.active = image
    viewer.dims.set_point(0, z * phantom.spacing_mm[0])
    _, widget = viewer.window.add_plugin_dock_widget("napari-everyclick", "Every Click")
    settle(widget)
    camera_of(viewer).center = (cy * 0.8, (cx - 10) * 0.8)
    camera_of(viewer).zoom = 6.0

    # 1. a drag in progress: the live dynamic disk
    end = (z, cy + 12, cx + 30)
    canvas.press(viewer, image, (z, cy, cx))
    canvas.move(viewer, image, end, 40.0)
    settle(widget)
    shoot(viewer, "drag-in-progress.png")
    canvas.release(viewer, image, end, 40.0)
    settle(widget)

    # 2. a finished lesion: a second, small disk adds the rim the first one missed
    canvas.drag(viewer, image, (z, cy + 27, cx - 4), (z, cy + 27, cx + 2))
    settle(widget)
    shoot(viewer, "finished-lesion.png")

    # 3. accepted, measured, RECIST axes drawn
    widget.annotator.accept()
    widget.controls.axes_check.setChecked(True)
    nodule = next(les for les in phantom.lesions if les.name == "lung mass")
    nz = int(np.argmax((phantom.labels == nodule.label).sum(axis=(1, 2))))
    viewer.dims.set_point(0, nz * phantom.spacing_mm[0])
    canvas.drag(
        viewer,
        image,
        (nz, nodule.center[1], nodule.center[2]),
        (nz, nodule.center[1] + 10, nodule.center[2] + 10),
    )
    settle(widget)
    widget.annotator.accept()
    viewer.dims.set_point(0, z * phantom.spacing_mm[0])
    settle(widget)
    shoot(viewer, "measurements.png")

    # 4. propagated through the mass: a 3D view of the labels
    viewer.layers.selection.active = viewer.layers["CT phantom lesions"]
    viewer.layers["CT phantom lesions"].selected_label = 1
    widget.annotator.propagate(0)
    settle(widget, 1.0)
    labels = viewer.layers["CT phantom lesions"]
    image.visible = False
    for name in ("everyclick: clicks", "everyclick: object", "everyclick: RECIST axes"):
        viewer.layers[name].visible = False
    labels.opacity = 1.0
    viewer.dims.ndisplay = 3
    camera_of(viewer).angles = (-25.0, 30.0, 120.0)
    camera_of(viewer).center = (z * 3.0, cy * 0.8, cx * 0.8)
    camera_of(viewer).zoom = 6.0
    settle(widget, 1.0)
    shoot(viewer, "propagated-volume.png")
    viewer.close()


if __name__ == "__main__":
    main()
