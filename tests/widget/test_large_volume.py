"""A 600 x 512 x 512 int16 CT: clicks read the displayed slice as a view, never copy the volume."""

from __future__ import annotations

import tracemalloc

import numpy as np

from . import canvas
from .conftest import wait_idle
from .fakes import DiskLike

VOLUME_MB = 600 * 512 * 512 * 2 / 1e6


def test_clicks_on_a_large_volume_make_no_volume_copies(make_napari_viewer, dock_plugin, qtbot):
    viewer = make_napari_viewer()
    volume = np.zeros((600, 512, 512), np.int16)  # calloc: pages stay untouched
    volume[300, 200:260, 200:260] = 40
    image = viewer.add_image(volume, name="big", scale=(1.0, 0.7, 0.7), contrast_limits=(-160, 240))
    viewer.dims.set_point(0, 300.0)
    widget = dock_plugin(viewer, lambda name, **kw: DiskLike())
    tracemalloc.start()
    try:
        for dx in (8, 16):
            canvas.drag(viewer, image, (300, 230, 230), (300, 230, 230 + dx))
            wait_idle(qtbot, widget)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak / 1e6 < 0.1 * VOLUME_MB  # a few slices at most, not a 315 MB copy
    assert widget.annotator.editor.mask[230, 230]
    assert viewer.layers["everyclick: object"].data.shape == (1, 512, 512)
