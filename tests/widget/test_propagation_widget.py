"""Propagate through lesion on the 3D phantom with the flood method, then undo it."""

from __future__ import annotations

import nibabel as nib
import numpy as np
import pytest

from napari_everyclick.core.metrics import iou

from . import canvas
from .conftest import MASS, MASS_Z, PHANTOM, accept_the_mass, wait_idle


def test_propagate_through_the_lesion_with_flood(phantom_viewer, dock_with, qtbot):
    pytest.importorskip("napari_everyclick.core.classical.flood")
    widget = dock_with(method="flood")
    viewer, image = phantom_viewer, phantom_viewer.layers["CT phantom"]
    truth = PHANTOM.labels == MASS.label
    cy, cx = MASS.center[1], MASS.center[2]
    radius = 0.5 * (MASS.semi_axes[1] + MASS.semi_axes[2])  # drag to the lesion's edge
    canvas.drag(viewer, image, (MASS_Z, cy, cx), (MASS_Z, cy, cx + radius))
    wait_idle(qtbot, widget, timeout=30_000)
    widget.annotator.accept()
    labels = viewer.layers["CT phantom lesions"]
    assert iou(labels.data[MASS_Z] == 1, truth[MASS_Z]) >= 0.7

    widget.controls.buttons["propagate_through"].click()
    wait_idle(qtbot, widget, timeout=60_000)
    areas = truth.sum(axis=(1, 2))
    written = (labels.data == 1).sum(axis=(1, 2))
    inside = np.nonzero(areas >= 0.5 * areas.max())[0]  # not the ellipsoid's thin tips
    for z in inside:
        assert iou(labels.data[z] == 1, truth[z]) >= 0.7, f"slice {z}"
    assert not written[areas == 0].any()  # stopped outside the lesion
    assert "stopped" in widget.controls.status_label.text()
    (row,) = widget.table.rows
    assert row.slices == int((written > 0).sum())

    # correct one propagated slice: edit label 1 there, trim it, accept, re-propagate upwards
    z = int(inside.max())
    before = labels.data.copy()
    widget.controls.label_spin.setValue(1)
    viewer.dims.set_point(0, z * 3.0)
    preview = viewer.layers["everyclick: object"].data[0].astype(bool)
    np.testing.assert_array_equal(preview, labels.data[z] == 1)  # starts from the label
    canvas.drag(viewer, image, (z, cy, cx + 20), (z, cy, cx + 26), canvas.RIGHT)
    wait_idle(qtbot, widget)
    widget.annotator.accept()
    assert (labels.data[z] == 1).sum() < (before[z] == 1).sum()
    changed = np.nonzero((labels.data != before).any(axis=(1, 2)))[0].tolist()
    assert changed == [z]  # only the corrected slice
    widget.controls.buttons["propagate_up"].click()
    wait_idle(qtbot, widget, timeout=30_000)
    assert "stopped (up:" in widget.controls.status_label.text()
    widget.controls.label_spin.setValue(0)

    assert len(widget.annotator.accepts) in (3, 4)  # accept, run, correction (, re-run)
    while len(widget.annotator.accepts) > 1:  # each undo reverts one accept or one whole run
        widget.controls.buttons["undo_accept"].click()
    assert (labels.data == 1).sum(axis=(1, 2)).nonzero()[0].tolist() == [MASS_Z]


@pytest.mark.parametrize(
    ("stops", "warned"),
    [
        ([(1, "changed"), (-1, "shrank")], False),
        ([(1, "edge"), (-1, "changed")], True),
        ([(1, "limit"), (-1, "vanished")], False),
    ],
)
def test_a_run_that_reaches_the_volumes_edge_asks_for_a_look_at_the_end_slices(stops, warned):
    """On sarcomas as dense as the muscle around them runs go past the lesion to the edge
    (docs/evaluation.md); the status line says so instead of a bare 'edge'."""
    from napari_everyclick.core.propagation import PropagationStep
    from napari_everyclick.widget.propagation_run import BOTH_WAYS, PropagationRun

    run = PropagationRun(None, None, 0, BOTH_WAYS, 1, np.ones((4, 4), bool))
    for direction, stop in stops:
        assert run.write_step(PropagationStep(5, direction, None, stop), overwrite=False) is None
    text = run.summary()
    assert text.startswith(f"label 1 propagated to no slice; stopped (up: {stops[0][1]}")
    assert ("check the end slices" in text) is warned


def slow_widget_with_the_mass_accepted(viewer, dock_with, qtbot):
    """A dock whose method takes 0.3 s a slice, with the phantom mass accepted as label 1."""
    from .fakes import DiskLike

    widget = dock_with(lambda name, **kw: DiskLike(delay_s=0.3))
    accept_the_mass(viewer, widget, qtbot)
    return widget


def test_the_through_button_stops_a_running_propagation_and_keeps_what_it_wrote(
    phantom_viewer, dock_with, qtbot
):
    """Before: a propagation could not be stopped (on a CT not cropped to the lesion it can run
    far past it); now the same button, relabelled while it runs, stops it after the current
    slice, and the slices written so far are one accept."""
    widget = slow_widget_with_the_mass_accepted(phantom_viewer, dock_with, qtbot)
    labels = phantom_viewer.layers["CT phantom lesions"]
    button = widget.controls.buttons["propagate_through"]
    assert button.text() == "Propagate through lesion [Shift+T]"

    button.click()
    assert button.text() == "Stop propagation [Shift+T]"
    qtbot.waitUntil(lambda: (labels.data == 1).any(axis=(1, 2)).sum() >= 2, timeout=10_000)
    widget.table.table.selectRow(0)
    widget.table.delete_button.click()  # the run writes label 1: refused
    assert "stop it before deleting" in widget.controls.status_label.text()
    assert (labels.data == 1).any()
    button.click()
    wait_idle(qtbot, widget)
    written = np.nonzero((labels.data == 1).any(axis=(1, 2)))[0]
    assert 2 <= len(written) <= 3  # the start slice, then one or two propagated ones
    assert "by you" in widget.controls.status_label.text()
    assert button.text() == "Propagate through lesion [Shift+T]"
    assert len(widget.annotator.accepts) == 2  # the accept, then the stopped run
    widget.controls.buttons["undo_accept"].click()
    assert (labels.data == 1).any(axis=(1, 2)).nonzero()[0].tolist() == [MASS_Z]


def test_closing_the_widget_during_a_propagation_keeps_and_saves_what_it_wrote(
    phantom_viewer, dock_with, qtbot
):
    """Closing asks the run to quit and calls nothing back on the closed widget. Before: the
    slices it had written were left unsaved (lost if napari then quit), and a slice it yielded
    after the close was still written."""
    from napari_everyclick.io.layers import array_digest, array_recovery_labels_path

    widget = slow_widget_with_the_mass_accepted(phantom_viewer, dock_with, qtbot)
    labels = phantom_viewer.layers["CT phantom lesions"]
    widget.controls.buttons["propagate_through"].click()
    runner = widget.annotator.runner
    qtbot.waitUntil(lambda: (labels.data == 1).any(axis=(1, 2)).sum() >= 2, timeout=10_000)
    widget.close()
    at_close = labels.data.copy()
    assert len(widget.annotator.accepts) == 2  # the accept, then the run so far
    copy = array_recovery_labels_path(array_digest(phantom_viewer.layers["CT phantom"].data))
    np.testing.assert_array_equal(np.asanyarray(nib.load(copy).dataobj).T, at_close)
    qtbot.waitUntil(lambda: not runner.busy, timeout=10_000)
    qtbot.wait(700)  # 2 slices' time: a slice the run yields now is not written
    np.testing.assert_array_equal(labels.data, at_close)
    assert "by you" not in widget.controls.status_label.text()
