"""The npe2 manifest, docking through it, the tool switch and keys, and the sample data."""

from __future__ import annotations

import sys

import numpy as np
from napari.utils.key_bindings import coerce_keybinding
from npe2 import PluginManifest

from napari_everyclick.widget.dock import EveryClickWidget
from napari_everyclick.widget.keys import SHORTCUTS
from napari_everyclick.widget.layers import CLICKS_LAYER, PREVIEW_LAYER
from napari_everyclick.widget.samples import dicom_slice_layers, phantom_layers
from napari_everyclick.widget.tool import camera_of

from . import canvas
from .conftest import MASS, MASS_Z, wait_idle
from .fakes import DiskLike


def test_manifest_is_valid_and_its_commands_import():
    manifest = PluginManifest.from_distribution("napari-everyclick")
    manifest.validate_imports()
    contributions = manifest.contributions
    assert [w.display_name for w in contributions.widgets] == ["Every Click"]
    (reader,) = contributions.readers
    assert {"*.nii", "*.nii.gz", "*.dcm", "*.npz"} <= set(reader.filename_patterns)
    assert reader.accepts_directories
    (writer,) = contributions.writers
    assert ".nii.gz" in writer.filename_extensions and writer.layer_types == ["labels"]
    assert {s.key for s in contributions.sample_data} == {"phantom", "dicom_slice"}


def press_key(provider, key: str):
    """Run a key binding's press part; returns the release part (a generator) or None."""
    func = provider.keymap[coerce_keybinding(key)]
    result = func(provider)
    if result is not None:
        next(result)
    return result


def test_docked_through_the_manifest_the_tool_is_on_at_once(phantom_viewer, qtbot, monkeypatch):
    torch_before = "torch" in sys.modules
    viewer = phantom_viewer
    data, meta, _ = phantom_layers()[1]
    viewer.add_labels(data, **meta)  # the truth, selected: not the image
    _, widget = viewer.window.add_plugin_dock_widget("napari-everyclick", "Every Click")
    assert isinstance(widget, EveryClickWidget)
    assert torch_before or "torch" not in sys.modules  # models load torch when first used
    image = viewer.layers["CT phantom"]
    assert widget.annotator.image is image
    assert widget.annotator.tool.active and widget.controls.tool_button.isChecked()
    assert not camera_of(viewer).mouse_pan  # a drag makes a disk, not a pan
    assert viewer.layers.selection.active is viewer.layers["CT phantom truth"]
    assert all(
        SHORTCUTS[action].key in button.text() for action, button in widget.controls.buttons.items()
    )

    # a drag works straight away, whichever layer is selected (the default method may be a
    # model: its first use imports torch and loads the weights, seconds on a busy CPU)
    canvas.drag(viewer, image, (MASS_Z, MASS.center[1], MASS.center[2]), (MASS_Z, 172, 190))
    wait_idle(qtbot, widget, timeout=60_000)
    assert viewer.layers[PREVIEW_LAYER].data.any()

    # Space held: pan as usual; released: clicking again
    release = press_key(viewer, "Space")
    assert camera_of(viewer).mouse_pan and not widget.annotator.tool.capturing
    next(release, None)
    assert not camera_of(viewer).mouse_pan and widget.annotator.tool.capturing

    # the keys: undo, then Shift+E turns the tool off (napari pans again) and on
    press_key(viewer, SHORTCUTS["undo"].key)
    wait_idle(qtbot, widget)
    assert not viewer.layers[PREVIEW_LAYER].data.any()
    press_key(viewer, SHORTCUTS["toggle"].key)
    assert not widget.annotator.tool.active and camera_of(viewer).mouse_pan
    canvas.click(viewer, image, (MASS_Z, 100.0, 100.0))
    assert widget.annotator.editor is None or not widget.annotator.editor.clicks
    press_key(viewer, SHORTCUTS["toggle"].key)
    assert widget.annotator.tool.active

    # choosing the brush on a labels layer gives the mouse back to napari
    scribbles = viewer.add_labels(np.zeros((4, 4), np.uint8), name="scribbles")
    assert widget.annotator.tool.active
    scribbles.mode = "paint"
    assert not widget.annotator.tool.active
    widget.controls.tool_button.click()
    assert widget.annotator.tool.active and str(scribbles.mode) == "pan_zoom"

    # layers are made once; re-targeting the image reuses them
    widget.controls.image_combo.setCurrentText("CT phantom")
    widget.annotator.set_image(None)
    widget.annotator.set_image(image)
    names = [layer.name for layer in viewer.layers]
    assert names.count(CLICKS_LAYER) == 1 and names.count(PREVIEW_LAYER) == 1

    # the window controls drive the contrast limits and follow the contrast slider
    widget.controls.preset_combo.setCurrentText("lung")
    assert tuple(image.contrast_limits) == (-900.0, 600.0)
    assert widget.settings.window == (-150.0, 1500.0)
    image.contrast_limits = (-160.0, 240.0)
    assert widget.settings.window == (40.0, 400.0)
    assert widget.controls.preset_combo.currentText() == "soft tissue"

    # a picture is not a CT: a warning, and the tool keeps no target
    viewer.add_image(np.zeros((8, 8, 3), np.uint8), name="photo", rgb=True)
    shown = []
    monkeypatch.setattr("napari_everyclick.widget.annotator.show_warning", shown.append)
    widget.controls.image_combo.setCurrentText("photo")
    assert widget.annotator.image is None
    assert "grey" in shown[0] and "RGB" in shown[0]

    # closing the dock hands keys and mouse back
    viewer.window.remove_dock_widget(widget)
    assert not widget.annotator.tool.active and camera_of(viewer).mouse_pan
    assert coerce_keybinding(SHORTCUTS["accept"].key) not in viewer.keymap
    assert coerce_keybinding(SHORTCUTS["accept"].key) not in viewer.layers[CLICKS_LAYER].keymap


def test_sample_data():
    image, truth = phantom_layers()
    assert image[2] == "image" and truth[2] == "labels"
    assert image[0].dtype == np.int16 and image[1]["scale"] == (3.0, 0.8, 0.8)
    assert truth[0].shape == image[0].shape and truth[0].max() >= 3
    ((hu, meta, kind),) = dicom_slice_layers()
    assert kind == "image" and hu.shape[-2:] == (128, 128)
    assert len(meta["scale"]) == hu.ndim and hu.min() < -500


def test_progressive_merge_reaches_focalclick_only_and_starts_off(dock_with, qtbot):
    """Before: the box started ticked and its state went to every learned model, RITM too."""
    from napari_everyclick.widget.segmenters import learned_methods

    names = sorted(learned_methods())
    ritm = next(n for n in names if n.startswith("ritm"))
    focal = next(n for n in names if n.startswith("focalclick"))
    widget = dock_with(lambda name, **kw: DiskLike(), method=ritm)
    assert widget.settings.method.name == ritm
    assert widget.settings.method.progressive_merge is None
    widget.controls.method_combo.setCurrentText(focal)
    assert widget.settings.method.progressive_merge is False
    widget.controls.merge_check.setChecked(True)
    assert widget.settings.method.progressive_merge is True


def test_the_status_line_says_who_answered_a_handed_over_click(dock_with, phantom_viewer, qtbot):
    from napari_everyclick.core.handover import Handover, HandoverRule

    class Net(DiskLike):
        name = "net-fake"

    class Refiner(DiskLike):
        name = "refiner-fake"

    handover = Handover(Net(), Refiner(), HandoverRule(drag_clicks=1))
    widget = dock_with(lambda name, **kw: handover)
    viewer, image = phantom_viewer, phantom_viewer.layers["CT phantom"]
    cy, cx = MASS.center[1], MASS.center[2]
    canvas.drag(viewer, image, (MASS_Z, cy, cx), (MASS_Z, cy, cx + 12))
    wait_idle(qtbot, widget)
    assert "answered by net-fake" in widget.controls.status_label.text()
    canvas.drag(viewer, image, (MASS_Z, cy + 20, cx), (MASS_Z, cy + 20, cx + 6))
    wait_idle(qtbot, widget)
    assert "answered by refiner-fake" in widget.controls.status_label.text()
    assert handover.network.calls == 1 and handover.refiner.calls == 1


def test_a_models_first_use_says_it_is_loading(dock_with, phantom_viewer, qtbot):
    import threading

    from napari_everyclick.widget.segmenters import learned_methods

    gate = threading.Event()
    model = DiskLike(gate=gate)
    widget = dock_with(lambda name, **kw: model, method=min(learned_methods()))
    viewer, image = phantom_viewer, phantom_viewer.layers["CT phantom"]
    cy, cx = MASS.center[1], MASS.center[2]
    try:
        canvas.drag(viewer, image, (MASS_Z, cy, cx), (MASS_Z, cy, cx + 12))
        qtbot.waitUntil(lambda: model.calls == 1)
        assert "loading" in widget.controls.status_label.text()
        # the status line sits below the scrolling controls, always in view (before: at their
        # bottom, scrolled out of sight whenever the measurement table took the space)
        assert not widget.controls.isAncestorOf(widget.controls.status_label)
        assert widget.isAncestorOf(widget.controls.status_label)
    finally:
        gate.set()
    wait_idle(qtbot, widget)
    canvas.drag(viewer, image, (MASS_Z, cy + 20, cx), (MASS_Z, cy + 20, cx + 6))
    wait_idle(qtbot, widget)
    assert "loading" not in widget.controls.status_label.text()


def test_docked_the_plugin_way_the_window_follows_napari_s_contrast_slider(phantom_viewer):
    """napari hands a plugin's widget proxies of its layers (the other tests here give it the
    layers themselves): the slider still reaches the window."""
    _, widget = phantom_viewer.window.add_plugin_dock_widget("napari-everyclick", "Every Click")
    phantom_viewer.layers["CT phantom"].contrast_limits = (-160.0, 240.0)
    assert widget.settings.window == (40.0, 400.0)


QUIT_WITH_THE_WIDGET_DOCKED = """
import napari
from qtpy.QtCore import QTimer
from napari_everyclick.core.phantom import make_phantom
viewer = napari.Viewer()
viewer.add_image(make_phantom(shape=(6, 64, 64)).hu, name="ct")
viewer.window.add_plugin_dock_widget("napari-everyclick", "Every Click")
QTimer.singleShot(200, napari.qt.get_qapp().quit)
napari.run()
print("quit")
"""


def test_the_app_quitting_with_the_widget_docked_exits_cleanly():
    """Before: quitting the app with the viewer still open (a script's napari.run() ended by
    app.quit) aborted the process at exit: Qt had deleted the hand-edit timer before the dock's
    teardown stopped it, a RuntimeError in a Qt slot (tests/widget/test_hand_edits.py)."""
    import os
    import subprocess
    import sys

    # a user's environment: a test plugin sets SPARSE_AUTO_DENSIFY, and with it the objects
    # happened to be torn down in an order that hid the crash
    env = {k: v for k, v in os.environ.items() if k != "SPARSE_AUTO_DENSIFY"}
    run = subprocess.run(
        [sys.executable, "-c", QUIT_WITH_THE_WIDGET_DOCKED],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "quit" in run.stdout and "Traceback" not in run.stderr
