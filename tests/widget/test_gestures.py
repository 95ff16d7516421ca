"""Gestures on the canvas: disks into the clicks layer, masks into the preview, accept, undo."""

from __future__ import annotations

import csv
import warnings

import numpy as np
import pytest

from napari_everyclick.widget.layers import CLICKS_LAYER, PREVIEW_LAYER
from napari_everyclick.widget.tool import camera_of

from . import canvas
from .conftest import MASS, MASS_Z, accept_the_mass, wait_idle
from .fakes import DiskLike, sequential_mask


def preview_mask(viewer, widget) -> np.ndarray:
    layer = viewer.layers[PREVIEW_LAYER]
    assert layer.data.shape[0] == 1
    assert layer.translate[0] == pytest.approx(MASS_Z * 3.0)
    return layer.data[0].astype(bool)


@pytest.fixture
def widget(dock_with):
    return dock_with(lambda name, **kw: DiskLike())


def test_drag_draws_a_live_disk_then_a_click_of_the_dragged_radius(phantom_viewer, widget, qtbot):
    viewer, image = phantom_viewer, phantom_viewer.layers["CT phantom"]
    cy, cx = MASS.center[1], MASS.center[2]
    canvas.press(viewer, image, (MASS_Z, cy, cx))
    canvas.move(viewer, image, (MASS_Z, cy, cx + 6), 20.0)
    clicks = viewer.layers[CLICKS_LAYER]
    assert clicks.size.tolist() == pytest.approx([12.0])  # live disk, diameter 2 x 6 px
    canvas.move(viewer, image, (MASS_Z, cy + 9, cx + 12), 40.0)
    assert clicks.size.tolist() == pytest.approx([30.0])
    canvas.release(viewer, image, (MASS_Z, cy + 9, cx + 12), 40.0)
    np.testing.assert_allclose(clicks.data, [[MASS_Z, cy, cx]], atol=1e-6)
    assert clicks.size.tolist() == pytest.approx([30.0])  # radius 15 = hypot(9, 12)
    assert clicks.border_color[0][1] > 0.9  # green: positive
    wait_idle(qtbot, widget)
    mask = preview_mask(viewer, widget)
    assert mask[round(cy), round(cx)]
    expected = sequential_mask(mask.shape, widget.annotator.editor.clicks)
    np.testing.assert_array_equal(mask, expected)

    # press and release without moving: the static radius
    widget.controls.radius_spin.setValue(7.5)
    canvas.click(viewer, image, (MASS_Z, cy + 20, cx))
    click = widget.annotator.editor.clicks[-1]
    assert click.radius == 7.5 and click.positive and click.plain
    assert not widget.annotator.editor.clicks[0].plain  # the drag
    wait_idle(qtbot, widget)
    # outside the image, or in a 3D view: no click
    canvas.click(viewer, image, (MASS_Z, -20.0, 10.0))
    viewer.dims.ndisplay = 3
    canvas.click(viewer, image, (MASS_Z, 100.0, 100.0))
    viewer.dims.ndisplay = 2
    assert len(widget.annotator.editor.clicks) == 2


def test_negative_disks_shrink_the_mask_and_undo_restores_each_mask_exactly(
    phantom_viewer, widget, qtbot
):
    viewer, image = phantom_viewer, phantom_viewer.layers["CT phantom"]
    cy, cx = MASS.center[1], MASS.center[2]
    canvas.drag(viewer, image, (MASS_Z, cy, cx), (MASS_Z, cy, cx + 25))
    wait_idle(qtbot, widget)
    masks = [preview_mask(viewer, widget).copy()]
    # right button, then Ctrl + left button (trackpads): both negative
    for dx, button, modifiers in ((15, canvas.RIGHT, ()), (-15, canvas.LEFT, ("Control",))):
        before = preview_mask(viewer, widget).sum()
        start, end = (MASS_Z, cy, cx + dx), (MASS_Z, cy, cx + dx + 4)
        canvas.drag(viewer, image, start, end, button, modifiers)
        wait_idle(qtbot, widget)
        after = preview_mask(viewer, widget)
        assert after.sum() < before
        assert not after[round(cy), round(cx + dx)]
        assert not widget.annotator.editor.clicks[-1].positive
        assert viewer.layers[CLICKS_LAYER].border_color[-1][0] > 0.9  # red: negative
        masks.append(after.copy())
    canvas.drag(viewer, image, (MASS_Z, cy - 15, cx - 20), (MASS_Z, cy - 15, cx - 14))
    wait_idle(qtbot, widget)
    for expected in reversed(masks):
        widget.controls.buttons["undo"].click()
        wait_idle(qtbot, widget)
        np.testing.assert_array_equal(preview_mask(viewer, widget), expected)
    assert viewer.layers[CLICKS_LAYER].data.shape[0] == 1
    widget.controls.buttons["reset"].click()
    assert preview_mask(viewer, widget).sum() == 0
    assert viewer.layers[CLICKS_LAYER].data.shape[0] == 0


def test_accept_writes_a_new_id_and_never_touches_other_ids(
    phantom_viewer, widget, qtbot, tmp_path
):
    viewer, image = phantom_viewer, phantom_viewer.layers["CT phantom"]
    labels = viewer.add_labels(np.zeros(image.data.shape, np.uint16), name="lesions")
    cy, cx = round(MASS.center[1]), round(MASS.center[2])
    labels.data[MASS_Z, cy - 3 : cy + 3, cx - 3 : cx + 3] = 1  # inside the new object
    labels.data[MASS_Z + 1, cy, cx] = 2  # another slice
    labels.data[MASS_Z, 5:8, 5:8] = 2
    widget.controls.labels_combo.setCurrentText("lesions")
    assert widget.annotator.target is labels
    original = labels.data.copy()
    canvas.drag(viewer, image, (MASS_Z, cy, cx), (MASS_Z, cy, cx + 18))
    wait_idle(qtbot, widget)
    mask = preview_mask(viewer, widget)
    widget.controls.buttons["accept"].click()
    assert labels.data.max() == 3
    for other in (1, 2):
        np.testing.assert_array_equal(labels.data == other, original == other)
    written = labels.data == 3
    assert written[MASS_Z].sum() == (mask & (original[MASS_Z] == 0)).sum()
    assert not written[np.arange(labels.data.shape[0]) != MASS_Z].any()
    assert viewer.layers[CLICKS_LAYER].data.shape[0] == 0  # the object is done
    assert preview_mask(viewer, widget).sum() == 0
    assert [row.label for row in widget.table.rows] == [1, 2, 3]
    assert widget.table.table.item(2, 0).text() == "3"
    with widget.table.export(tmp_path / "m.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert rows[2]["label"] == "3" and float(rows[2]["long_axis_mm"]) > 10
    widget.controls.axes_check.setChecked(True)
    axes = viewer.layers["everyclick: RECIST axes"]
    assert len(axes.data) == 6 and all(line[0, 0] == line[1, 0] for line in axes.data)
    widget.controls.axes_check.setChecked(False)
    assert "everyclick: RECIST axes" not in [layer.name for layer in viewer.layers]
    widget.controls.buttons["undo_accept"].click()
    np.testing.assert_array_equal(labels.data, original)


def test_each_slice_has_its_own_object_and_accepts_go_to_one_new_layer(
    phantom_viewer, widget, qtbot
):
    viewer, image = phantom_viewer, phantom_viewer.layers["CT phantom"]
    cy, cx = MASS.center[1], MASS.center[2]
    canvas.drag(viewer, image, (MASS_Z, cy, cx), (MASS_Z, cy, cx + 10))
    wait_idle(qtbot, widget)
    viewer.dims.set_point(0, (MASS_Z + 2) * 3.0)
    assert widget.annotator.editor is None
    assert viewer.layers[PREVIEW_LAYER].data.sum() == 0
    viewer.dims.set_point(0, MASS_Z * 3.0)
    assert len(widget.annotator.editor.clicks) == 1
    assert preview_mask(viewer, widget).sum() > 0

    widget.annotator.accept()
    viewer.dims.set_point(0, (MASS_Z - 1) * 3.0)
    canvas.drag(viewer, image, (MASS_Z - 1, cy, cx), (MASS_Z - 1, cy, cx + 10))
    wait_idle(qtbot, widget)
    widget.annotator.accept()
    made = [lay for lay in viewer.layers if lay.name == "CT phantom lesions"]
    assert len(made) == 1
    assert widget.controls.labels_combo.currentText() == "CT phantom lesions"
    labels = made[0]
    assert labels.data.shape == image.data.shape
    np.testing.assert_allclose(labels.scale, image.scale)
    assert sorted(np.unique(labels.data)) == [0, 1, 2]
    names = [lay.name for lay in viewer.layers]
    assert names.count(CLICKS_LAYER) == 1 and names.count(PREVIEW_LAYER) == 1


def test_a_plain_click_of_another_static_radius_is_answered_as_a_plain_click(
    phantom_viewer, dock_with, qtbot
):
    """Before: a click counted as plain only at 5 px, so with the static radius set to 3 px
    flood fill took a press-release for a 3-px drag and outlined no more than that disk."""
    from napari_everyclick.core.classical.flood import FloodSegmenter

    widget = dock_with(lambda name, **kw: FloodSegmenter())
    viewer, image = phantom_viewer, phantom_viewer.layers["CT phantom"]
    cy, cx = MASS.center[1], MASS.center[2]
    widget.controls.radius_spin.setValue(3.0)
    canvas.click(viewer, image, (MASS_Z, cy, cx))
    wait_idle(qtbot, widget)
    assert preview_mask(viewer, widget).sum() > 10 * np.pi * 3.0**2


def test_double_clicking_a_lesions_row_shows_it_on_the_slice_asked_for(
    phantom_viewer, widget, qtbot
):
    """The end slices of a propagated lesion are the ones to check: its row takes you there."""
    from napari_everyclick.widget.table import HEADERS

    viewer = phantom_viewer
    labels = accept_the_mass(viewer, widget, qtbot)
    labels.data[MASS_Z - 3, 20:30, 40:50] = 1  # painted by hand, away from the mass
    labels.data[MASS_Z + 2, 60:64, 10:14] = 1
    labels.selected_label = 5
    widget.table.refresh_button.click()
    (row,) = widget.table.rows
    assert (row.first_slice, row.last_slice) == (MASS_Z - 3, MASS_Z + 2)
    cells = [widget.table.table.item(0, c).text() for c in range(len(HEADERS))]
    assert cells[HEADERS.index("first slice")] == str(MASS_Z - 3)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        widget.table.table.cellDoubleClicked.emit(0, HEADERS.index("first slice"))
    assert not [w for w in caught if "viewer.camera is a deprecated" in str(w.message)]
    assert viewer.dims.point[0] == pytest.approx((MASS_Z - 3) * 3.0)
    assert widget.annotator.plane.z == MASS_Z - 3
    mm = np.asarray(labels.scale[1:])
    assert camera_of(viewer).center[-2:] == pytest.approx((24.5, 44.5) * mm)  # the label's centre
    assert labels.selected_label == 1
    assert f"label 1 on slice {MASS_Z - 3}" in widget.controls.status_label.text()
    widget.table.table.cellDoubleClicked.emit(0, HEADERS.index("last slice"))
    assert widget.annotator.plane.z == MASS_Z + 2
    assert camera_of(viewer).center[-2:] == pytest.approx((61.5, 11.5) * mm)
    widget.table.table.cellDoubleClicked.emit(0, HEADERS.index("volume mL"))
    assert widget.annotator.plane.z == row.recist_slice == MASS_Z
    labels.data[MASS_Z + 2] = 0  # the table is stale until re-measured
    widget.table.table.cellDoubleClicked.emit(0, HEADERS.index("last slice"))
    assert widget.annotator.plane.z == MASS_Z
    assert "no pixels on slice" in widget.controls.status_label.text()


def test_delete_lesion_removes_the_selected_rows_label_everywhere_and_undo_brings_it_back(
    phantom_viewer, widget, qtbot
):
    labels = accept_the_mass(phantom_viewer, widget, qtbot)
    labels.data[MASS_Z + 2, 60:64, 10:14] = 1
    labels.data[MASS_Z, 5:8, 5:8] = 2
    widget.table.refresh_button.click()
    before = labels.data.copy()
    widget.table.delete_button.click()  # no row selected: nothing happens
    np.testing.assert_array_equal(labels.data, before)

    widget.table.table.selectRow(0)
    widget.table.delete_button.click()
    assert not (labels.data == 1).any()
    np.testing.assert_array_equal(labels.data == 2, before == 2)
    assert [row.label for row in widget.table.rows] == [2]
    assert "deleted label 1 on 2 slice(s)" in widget.controls.status_label.text()
    widget.controls.buttons["undo_accept"].click()
    np.testing.assert_array_equal(labels.data, before)
    assert [row.label for row in widget.table.rows] == [1, 2]


def test_an_object_of_one_drag_is_accepted_with_a_word_on_its_long_axis(
    phantom_viewer, widget, qtbot
):
    """On val one drag's RECIST long axis was short on 99 % of slices (median 20 %)."""
    accept_the_mass(phantom_viewer, widget, qtbot)
    assert "long axis is likely short" in widget.controls.status_label.text()
    image = phantom_viewer.layers["CT phantom"]
    canvas.drag(phantom_viewer, image, (MASS_Z, 20, 20), (MASS_Z, 20, 26))
    canvas.click(phantom_viewer, image, (MASS_Z, 20, 30))
    wait_idle(qtbot, widget)
    widget.annotator.accept()
    text = widget.controls.status_label.text()
    assert text.startswith("accepted label 2") and "long axis" not in text
