"""The GUI never blocks: predictions run in a worker, clicks queue and coalesce, newest wins;
a crash inside a worker is reported and leaves every accepted label intact."""

from __future__ import annotations

import threading
import time

import nibabel as nib
import numpy as np
import pytest

from napari_everyclick.widget.layers import PREVIEW_LAYER
from napari_everyclick.widget.tool import camera_of

from . import canvas
from .conftest import MASS, MASS_Z, wait_idle
from .fakes import DiskLike, sequential_mask


@pytest.fixture
def gate():
    """An event the slow fake model waits on; always opened at the end so no worker hangs."""
    event = threading.Event()
    yield event
    event.set()


def test_clicks_during_a_prediction_do_not_block_and_the_newest_state_wins(
    phantom_viewer, dock_with, qtbot, gate
):
    slow = DiskLike(gate=gate)
    widget = dock_with(lambda name, **kw: slow)
    viewer, image = phantom_viewer, phantom_viewer.layers["CT phantom"]
    cy, cx = MASS.center[1], MASS.center[2]
    canvas.drag(viewer, image, (MASS_Z, cy, cx), (MASS_Z, cy, cx + 12))
    qtbot.waitUntil(lambda: slow.calls == 1)  # the model is now stuck on the first click
    assert widget.annotator.busy and not widget.controls.busy_bar.isHidden()
    start = time.perf_counter()
    canvas.drag(viewer, image, (MASS_Z, cy + 20, cx), (MASS_Z, cy + 20, cx + 6))
    canvas.drag(viewer, image, (MASS_Z, cy, cx + 5), (MASS_Z, cy, cx + 9), canvas.RIGHT)
    widget.annotator.undo_click()
    canvas.drag(viewer, image, (MASS_Z, cy - 10, cx), (MASS_Z, cy - 10, cx + 3), canvas.RIGHT)
    assert time.perf_counter() - start < 2.0  # the GUI thread never waited for the model
    assert slow.calls == 1
    gate.set()
    wait_idle(qtbot, widget)
    clicks = widget.annotator.editor.clicks
    assert len(clicks) == 3
    mask = viewer.layers[PREVIEW_LAYER].data[0].astype(bool)
    np.testing.assert_array_equal(mask, sequential_mask(mask.shape, clicks))
    assert slow.calls == 3  # the queued clicks ran together in one job, in order
    assert threading.main_thread().name not in slow.threads
    assert widget.controls.busy_bar.isHidden()
    assert "last click" in widget.controls.status_label.text()


def test_worker_crash_method_slice_and_image_switches_and_closing_keep_labels(
    phantom_viewer, dock_with, qtbot
):
    crashing = DiskLike(fail_on=2)
    widget = dock_with(lambda name, **kw: crashing)
    viewer, image = phantom_viewer, phantom_viewer.layers["CT phantom"]
    cy, cx = MASS.center[1], MASS.center[2]
    canvas.drag(viewer, image, (MASS_Z, cy, cx), (MASS_Z, cy, cx + 12))
    wait_idle(qtbot, widget)
    widget.annotator.accept()
    labels = viewer.layers["CT phantom lesions"]
    accepted = labels.data.copy()
    assert accepted.max() == 1

    canvas.drag(viewer, image, (MASS_Z, cy + 20, cx), (MASS_Z, cy + 20, cx + 6))  # crashes
    wait_idle(qtbot, widget)
    assert widget.annotator.editor.clicks == []  # the failed click is dropped
    np.testing.assert_array_equal(labels.data, accepted)
    canvas.drag(viewer, image, (MASS_Z, cy - 20, cx), (MASS_Z, cy - 20, cx + 6))  # works again
    wait_idle(qtbot, widget)
    assert viewer.layers[PREVIEW_LAYER].data.any()

    widget.controls.method_combo.setCurrentIndex(0)
    widget.controls.method_combo.setCurrentIndex(widget.controls.method_combo.count() - 1)
    viewer.dims.set_point(0, (MASS_Z + 1) * 3.0)
    viewer.add_image(np.full((2, 8, 8), -500, np.int16), name="other")
    widget.controls.image_combo.setCurrentText("other")
    widget.controls.image_combo.setCurrentText("CT phantom")
    wait_idle(qtbot, widget)
    np.testing.assert_array_equal(labels.data, accepted)

    widget.close()
    assert not widget.annotator.tool.active
    assert camera_of(viewer).mouse_pan
    assert widget.annotator.gesture not in viewer.mouse_drag_callbacks
    np.testing.assert_array_equal(labels.data, accepted)


def test_an_accept_pressed_while_its_prediction_runs_is_made_and_saved_by_a_close_at_once(
    phantom_viewer, dock_with, qtbot
):
    """Accept waits for the prediction under way. Before: closing the widget (or quitting the
    app) before it came back dropped that accept, or made it on the closed widget after the
    close had finished the saves, so the recovery copy missed it."""
    from napari_everyclick.io.layers import array_digest, array_recovery_labels_path

    widget = dock_with(lambda name, **kw: DiskLike(delay_s=0.4))
    image = phantom_viewer.layers["CT phantom"]
    cy, cx = MASS.center[1], MASS.center[2]
    canvas.drag(phantom_viewer, image, (MASS_Z, cy, cx), (MASS_Z, cy, cx + 10))
    qtbot.waitUntil(lambda: widget.annotator.busy, timeout=5_000)
    widget.annotator.accept()
    assert "accepting when the prediction is ready" in widget.controls.status_label.text()
    widget.close()
    labels = phantom_viewer.layers["CT phantom lesions"]
    accepted = labels.data.copy()
    assert (accepted[MASS_Z] == 1).sum() > 250  # the 10-px disk
    copy = array_recovery_labels_path(array_digest(image.data))
    np.testing.assert_array_equal(np.asanyarray(nib.load(copy).dataobj).T, accepted)
    qtbot.wait(600)  # the worker's own signals come now: nothing is made twice
    assert len(widget.annotator.accepts) == 1
    np.testing.assert_array_equal(labels.data, accepted)
