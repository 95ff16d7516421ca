"""Viewer fixtures: the phantom in napari with the Every Click dock, real or with a fake method."""

from __future__ import annotations

import numpy as np
import pytest

from napari_everyclick.core.phantom import make_phantom
from napari_everyclick.widget.samples import phantom_layers

PHANTOM = make_phantom()
MASS = next(les for les in PHANTOM.lesions if les.name == "soft-tissue mass")
MASS_Z = int(np.argmax((PHANTOM.labels == MASS.label).sum(axis=(1, 2))))


@pytest.fixture
def phantom_viewer(make_napari_viewer):
    """A viewer showing the phantom image on the mass's largest slice (the truth layer is left
    out: each first layer of a kind costs a shader compile)."""
    viewer = make_napari_viewer()
    data, meta, _ = phantom_layers()[0]
    viewer.add_image(data, **meta)
    viewer.dims.set_point(0, MASS_Z * PHANTOM.spacing_mm[0])
    return viewer


@pytest.fixture
def dock_plugin(monkeypatch):
    """Factory: dock the Every Click widget on a viewer the way users do (Plugins > Every Click,
    from the manifest, so the widget sees napari's proxies of the viewer and its layers), with a
    given segmenter factory (default: the real methods)."""
    from napari_everyclick.widget import dock
    from napari_everyclick.widget.segmenters import SegmenterPool

    def make(viewer, factory=None):
        if factory is not None:
            monkeypatch.setattr(dock, "SegmenterPool", lambda: SegmenterPool(factory))
        _, widget = viewer.window.add_plugin_dock_widget("napari-everyclick", "Every Click")
        return widget

    return make


@pytest.fixture
def dock_with(phantom_viewer, dock_plugin):
    """Factory: dock the widget on the phantom viewer the plugin way, with a given segmenter
    factory and method."""

    def make(factory=None, method=None):
        widget = dock_plugin(phantom_viewer, factory)
        if method is not None:
            widget.controls.method_combo.setCurrentText(method)
        return widget

    return make


def wait_idle(qtbot, widget, timeout=10_000) -> None:
    """Wait until no prediction or propagation runs and no click waits."""

    def idle() -> bool:
        a = widget.annotator
        editor = a.editor
        waiting = editor is not None and editor.pending > 0
        return not a.busy and not waiting

    qtbot.waitUntil(idle, timeout=timeout)


def accept_the_mass(viewer, widget, qtbot):
    """Drag a 10-px disk on the phantom mass, accept it as a new label; the labels layer."""
    from . import canvas

    cy, cx = MASS.center[1], MASS.center[2]
    canvas.drag(viewer, viewer.layers["CT phantom"], (MASS_Z, cy, cx), (MASS_Z, cy, cx + 10))
    wait_idle(qtbot, widget)
    widget.annotator.accept()
    return viewer.layers["CT phantom lesions"]
