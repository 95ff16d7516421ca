"""Qt-free pieces: the displayed plane's indexing, and the accept policy on label volumes."""

from __future__ import annotations

import numpy as np
import pytest

from napari_everyclick.core.errors import EveryClickError
from napari_everyclick.widget.label_writes import (
    erase_edit,
    make_edit,
    merge_edits,
    next_free_label,
    plan_paste,
    plan_undo,
)
from napari_everyclick.widget.plane import Plane


def test_plane_axial_index_is_a_view():
    data = np.arange(4 * 5 * 6).reshape(4, 5, 6)
    plane = Plane.from_point(data.shape, (1, 2), (2.4, 1.0, 1.0))
    assert plane.z == 2 and plane.key == ((0, 2),)
    view = data[plane.index]
    assert view.base is data or np.shares_memory(view, data)
    np.testing.assert_array_equal(view, data[2])
    rows, cols = np.array([0, 4]), np.array([1, 5])
    np.testing.assert_array_equal(data[plane.nd_indices(rows, cols)], data[2][rows, cols])
    assert plane.to_data(3.0, 4.0) == (2.0, 3.0, 4.0)
    assert plane.at(0, 3).z == 3


def test_plane_coronal_and_2d():
    data = np.zeros((4, 5, 6))
    coronal = Plane.from_point(data.shape, (2, 0), (0, 3.6, 0))
    assert coronal.axes == (0, 2) and coronal.fixed == ((1, 4),) and coronal.z is None
    assert coronal.shape(data.shape) == (4, 6)
    flat = Plane.from_point((5, 6), (0, 1), (1.0, 1.0))
    assert flat.fixed == () and flat.index == (slice(None), slice(None))
    assert flat.slab_shape((5, 6)) == (5, 6)


def test_plane_clips_fixed_index_into_the_volume():
    assert Plane.from_point((4, 5, 6), (1, 2), (9.0, 0, 0)).z == 3


def test_next_free_label():
    assert next_free_label(np.zeros((3, 3), np.uint8)) == 1
    assert next_free_label(np.array([[0, 7]], np.uint16)) == 8
    with pytest.raises(EveryClickError, match="uint8"):
        next_free_label(np.array([[255]], np.uint8))


def _volume():
    labels = np.zeros((3, 8, 8), np.uint16)
    labels[1, 2:5, 2:5] = 4  # another lesion
    labels[0, 0:2, 0:2] = 9  # another slice
    return labels


def test_paste_writes_background_only_and_never_touches_other_labels():
    labels = _volume()
    before = labels.copy()
    plane = Plane.from_point(labels.shape, (1, 2), (1, 0, 0))
    mask = np.zeros((8, 8), bool)
    mask[3:7, 3:7] = True
    indices, values = plan_paste(labels, plane, mask, 5)
    edit = make_edit(labels, [(plane, indices, values)], 5)
    labels[edit.indices] = edit.after
    assert ((labels == 4) == (before == 4)).all()
    assert ((labels == 9) == (before == 9)).all()
    assert (labels[1][mask & (before[1] == 0)] == 5).all()
    assert edit.slices == (1,)


def test_paste_overwrite_and_replace():
    labels = _volume()
    plane = Plane.from_point(labels.shape, (1, 2), (1, 0, 0))
    labels[1, 6, 6] = 5  # an old pixel of label 5 on this slice
    mask = np.zeros((8, 8), bool)
    mask[3, 3] = True  # inside label 4
    indices, values = plan_paste(labels, plane, mask, 5, overwrite=True, replace=True)
    labels[indices] = values
    assert labels[1, 3, 3] == 5 and labels[1, 6, 6] == 0


def test_undo_restores_exactly_and_spares_later_edits():
    labels = _volume()
    original = labels.copy()
    planes = [Plane.from_point(labels.shape, (1, 2), (z, 0, 0)) for z in (0, 2)]
    edits = []
    for plane in planes:
        mask = np.ones((8, 8), bool)
        indices, values = plan_paste(labels, plane, mask, 6)
        edit = make_edit(labels, [(plane, indices, values)], 6)
        labels[edit.indices] = edit.after
        edits.append(edit)
    merged = merge_edits(edits, 6)
    labels[2, 7, 7] = 3  # painted by hand afterwards
    indices, values = plan_undo(labels, merged)
    labels[indices] = values
    expected = original.copy()
    expected[2, 7, 7] = 3
    np.testing.assert_array_equal(labels, expected)


def test_erasing_a_label_names_its_slices_and_undoes_exactly():
    labels = np.zeros((5, 8, 8), np.uint8)
    labels[1, 2:4, 2:4] = 4
    labels[3, 5, 5] = 4
    labels[3, 0, 0] = 2
    original = labels.copy()
    edit = erase_edit(labels, np.nonzero(labels == 4), 4)
    assert edit.slices == (1, 3) and edit.size == 5
    labels[edit.indices] = edit.after
    assert not (labels == 4).any() and labels[3, 0, 0] == 2
    indices, values = plan_undo(labels, edit)
    labels[indices] = values
    np.testing.assert_array_equal(labels, original)
    flat = np.zeros((8, 8), np.uint8)
    flat[1, 1] = 4
    assert erase_edit(flat, np.nonzero(flat == 4), 4).slices == ()
