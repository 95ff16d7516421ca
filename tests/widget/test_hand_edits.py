"""Strokes painted by hand are told apart from the widget's own writes, reported once after a
pause with the slices they touched, and the widget saves them (reliability/test_nothing_lost_gui
has the round trip through the recovery copy)."""

from __future__ import annotations

import numpy as np

from napari_everyclick.widget.hand_edits import HandEdits

from .conftest import MASS_Z, accept_the_mass, wait_idle


def _watching(layer):
    reports = []
    edits = HandEdits(lambda lay, slices: reports.append((lay, slices)))
    edits.watch(layer)
    edits.watch(layer)  # twice: still one report per pause
    return edits, reports


def test_strokes_are_reported_once_after_a_pause_with_the_slices_they_touched(
    make_napari_viewer, qtbot
):
    viewer = make_napari_viewer()
    labels = viewer.add_labels(np.zeros((8, 40, 40), np.uint8))
    _edits, reports = _watching(labels)  # kept: napari holds its callback weakly
    labels.brush_size = 4
    labels.paint((2, 10, 10), 3)
    labels.paint((5, 20, 20), 3)
    labels.data_setitem((np.array([6]), np.array([1]), np.array([1])), 4)
    assert reports == []  # not before the pause
    qtbot.waitUntil(lambda: reports != [], timeout=5_000)
    assert reports == [(labels, (2, 5, 6))]


def test_the_widgets_own_writes_are_not_hand_edits(make_napari_viewer, qtbot):
    viewer = make_napari_viewer()
    labels = viewer.add_labels(np.zeros((8, 40, 40), np.uint8))
    edits, reports = _watching(labels)
    with edits.ours():
        labels.data_setitem((np.array([1]), np.array([1]), np.array([1])), 2)
    edits.flush()
    assert reports == []


def test_napari_undo_and_redo_are_reported_with_their_slices_and_a_refresh_is_not(
    make_napari_viewer,
):
    viewer = make_napari_viewer()
    labels = viewer.add_labels(np.zeros((8, 40, 40), np.uint8))
    edits, reports = _watching(labels)
    labels.paint((2, 10, 10), 3)
    labels.data_setitem((np.array([6]), np.array([1]), np.array([1])), 4)
    edits.flush()
    reports.clear()
    labels.refresh()
    viewer.dims.set_point(0, 5)  # slicing refreshes the layer too
    edits.flush()
    assert reports == []
    labels.undo()  # the data_setitem write
    edits.flush()
    assert reports == [(labels, (6,))] and labels.data[6, 1, 1] == 0
    labels.undo()  # the brush stroke
    labels.redo()
    edits.flush()
    assert reports == [(labels, (6,)), (labels, (2,))]


def test_a_2d_layer_is_reported_whole_and_closing_reports_what_waits(make_napari_viewer):
    viewer = make_napari_viewer()
    labels = viewer.add_labels(np.zeros((40, 40), np.uint8))
    edits, reports = _watching(labels)
    labels.paint((10, 10), 1)
    edits.close()  # before the pause: reported now, not lost
    assert reports == [(labels, None)]
    labels.paint((20, 20), 1)
    edits.flush()
    assert reports == [(labels, None)]  # no longer watched


def test_closing_after_qt_deleted_the_timer_still_reports_what_waits(make_napari_viewer):
    """Before: when the app quit with the widget docked and the viewer never closed, Qt deleted
    this timer before the dock's teardown closed the watcher: a RuntimeError in a Qt slot, and
    the process aborted at exit (`everyclick demo` quit from a script, a second viewer)."""
    from qtpy import sip

    viewer = make_napari_viewer()
    labels = viewer.add_labels(np.zeros((40, 40), np.uint8))
    edits, reports = _watching(labels)
    labels.paint((10, 10), 1)
    sip.delete(edits._timer)  # as at the interpreter's exit
    edits.close()
    assert reports == [(labels, None)]


def test_an_accept_is_saved_once_and_a_stroke_after_it_is_measured_and_saved(
    phantom_viewer, dock_with, qtbot
):
    widget = dock_with(method="disk")
    saved = []
    widget.annotator._save = saved.append
    labels = accept_the_mass(phantom_viewer, widget, qtbot)
    wait_idle(qtbot, widget)
    widget.annotator.hand_edits.flush()
    assert saved == [labels]  # the accept's own save, not a second one for its write
    labels.paint((MASS_Z, 5, 5), 9)
    widget.annotator.hand_edits.flush()
    assert saved == [labels, labels]
    assert [row.label for row in widget.annotator.measuring.rows] == [1, 9]


def test_a_docked_widget_notices_napari_undo_without_private_access_warnings(
    make_napari_viewer, recwarn
):
    """Before: the history was read through the proxy napari hands a plugin's widget, which
    warns (FutureWarning) that private attributes are closing to plugins."""
    viewer = make_napari_viewer()
    viewer.add_labels(np.zeros((4, 40, 40), np.uint8), name="lesions")
    _, widget = viewer.window.add_plugin_dock_widget("napari-everyclick", "Every Click")
    labels = widget.annotator.viewer.layers["lesions"]  # as the widget sees it: proxied
    edits, reports = _watching(labels)
    labels.paint((1, 10, 10), 2)
    edits.flush()
    labels.undo()
    edits.flush()
    assert [slices for _, slices in reports] == [(1,), (1,)]
    assert [w for w in recwarn if "Private attribute access" in str(w.message)] == []


def test_a_stroke_is_measured_by_a_widget_docked_the_plugin_way(phantom_viewer, qtbot):
    """Before: napari hands a plugin's widget proxies of its layers, and the stroke's report
    named the layer itself, so `layer is target` failed: neither measured nor saved (the layer
    was not found to be any image's, so no recovery copy was written)."""
    _, widget = phantom_viewer.window.add_plugin_dock_widget("napari-everyclick", "Every Click")
    widget.controls.method_combo.setCurrentText("disk")
    labels = accept_the_mass(phantom_viewer, widget, qtbot)
    wait_idle(qtbot, widget)
    labels.paint((MASS_Z, 5, 5), 9)  # napari's brush acts on the layer itself
    widget.annotator.hand_edits.flush()
    assert [row.label for row in widget.annotator.measuring.rows] == [1, 9]
    image = phantom_viewer.layers["CT phantom"]
    assert widget.annotator._image_of(labels) is image  # where the save goes
