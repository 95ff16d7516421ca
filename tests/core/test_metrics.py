"""IoU, NoC, NoF and the Iterative IoU Error on hand-computed cases."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from napari_everyclick.core.metrics import (
    NOC_THRESHOLDS,
    clicks_to_reach,
    dice,
    iou,
    iterative_iou_error,
    mean_iou_curve,
    noc,
    nof,
)


def test_iou_hand_computed():
    a = np.zeros((10, 10), dtype=bool)
    b = np.zeros((10, 10), dtype=bool)
    a[0:4, 0:4] = True  # 16
    b[2:6, 0:4] = True  # 16, overlap rows 2..3 -> 8
    assert iou(a, b) == pytest.approx(8 / 24)
    assert iou(b, a) == pytest.approx(8 / 24)


def test_iou_special_cases():
    empty = np.zeros((5, 5), dtype=bool)
    full = np.ones((5, 5), dtype=bool)
    assert iou(empty, empty) == 1.0
    assert iou(full, full) == 1.0
    assert iou(empty, full) == 0.0
    assert iou(full, empty) == 0.0


def test_dice_hand_computed_in_3d_and_when_empty():
    a = np.zeros((2, 3, 4), dtype=bool)
    b = a.copy()
    assert dice(a, b) == 1.0
    a[0, 0, :2], b[0, 0, 1:3] = True, True  # 2 + 2 voxels, 1 shared
    assert dice(a, b) == pytest.approx(0.5)
    assert dice(a, np.zeros_like(a)) == 0.0


def test_iou_accepts_non_bool_masks():
    assert iou(np.array([0, 1, 2, 0]), np.array([0.0, 0.7, 0.0, 1.0])) == pytest.approx(1 / 3)


def test_clicks_to_reach_and_noc():
    ious = [0.3, 0.7, 0.86, 0.84, 0.95]
    assert clicks_to_reach(ious, 0.85) == 3
    assert clicks_to_reach(ious, 0.3) == 1
    assert clicks_to_reach(ious, 0.96) is None
    assert noc(ious, 0.85) == 3
    assert noc(ious, 0.90) == 5
    assert noc(ious, 0.96) == 5  # never: the number of clicks
    assert noc(ious, 0.96, max_clicks=20) == 20
    assert noc(ious, 0.86) == 3  # >= threshold counts


def test_noc_empty_curve():
    assert noc([], 0.9) == 0
    assert noc([], 0.9, max_clicks=20) == 20


def test_nof_counts_samples_that_never_reach():
    all_ious = [
        [0.5, 0.7, 0.9],  # reaches 0.85 at click 3 (the last one): success
        [0.95, 0.96, 0.97],  # at click 1
        [0.2, 0.4, 0.84],  # never
        [0.9, 0.1, 0.1],  # reaches at click 1, later worse: still a success
    ]
    assert nof(all_ious, 0.85) == 1
    assert nof(all_ious, 0.95) == 3
    assert nof(all_ious, 0.0) == 0
    assert nof([], 0.9) == 0


def test_noc_thresholds():
    assert NOC_THRESHOLDS == (0.80, 0.85, 0.90)


def test_iie_perfect_and_worst():
    assert iterative_iou_error([1.0] * 20) == 0.0
    assert iterative_iou_error([0.0] * 20) == 1.0
    assert iterative_iou_error([0.0]) == 1.0


def test_iie_hand_computed_three_clicks():
    # weights 1.0, 1.1, 1.2 (sum 3.3); errors 0.5, 0.2, 0.1
    expected = (0.5 * 1.0 + 0.2 * 1.1 + 0.1 * 1.2) / 3.3  # 0.84 / 3.3
    assert iterative_iou_error([0.5, 0.8, 0.9]) == pytest.approx(expected)
    assert expected == pytest.approx(0.254545, abs=1e-6)


def test_iie_twenty_clicks_denominator_is_39():
    curve = [1.0] * 20
    curve[-1] = 0.0  # only the last click wrong: weight 2.9
    assert iterative_iou_error(curve) == pytest.approx(2.9 / 39)
    curve = [1.0] * 20
    curve[0] = 0.0  # only the first click wrong: weight 1.0
    assert iterative_iou_error(curve) == pytest.approx(1.0 / 39)


def test_iie_constant_curve_is_one_minus_the_value():
    assert iterative_iou_error([0.75] * 20) == pytest.approx(0.25)


def test_iie_rejects_an_empty_curve():
    with pytest.raises(ValueError, match="empty"):
        iterative_iou_error([])


def test_mean_iou_curve():
    np.testing.assert_allclose(mean_iou_curve([[0.2, 0.6], [0.4, 1.0]]), [0.3, 0.8])
    with pytest.raises(ValueError, match="same number of clicks"):
        mean_iou_curve([[0.2, 0.6], [0.4]])  # ragged: was numpy's "inhomogeneous shape"


curves = st.lists(st.floats(0.0, 1.0), min_size=1, max_size=25)


@given(curves)
def test_iie_is_in_unit_interval(curve):
    e = iterative_iou_error(curve)
    assert 0.0 <= e <= 1.0 + 1e-12


@given(curves, st.data())
def test_iie_never_increases_when_an_iou_rises(curve, data):
    i = data.draw(st.integers(0, len(curve) - 1))
    higher = list(curve)
    higher[i] = data.draw(st.floats(curve[i], 1.0))
    assert iterative_iou_error(higher) <= iterative_iou_error(curve) + 1e-12


@given(st.lists(st.floats(0.0, 1.0), min_size=1, max_size=20), st.floats(0.0, 1.0))
def test_noc_is_the_first_click_at_or_above(curve, threshold):
    k = noc(curve, threshold, max_clicks=99)
    if k == 99:
        assert all(v < threshold for v in curve)
    else:
        assert curve[k - 1] >= threshold and all(v < threshold for v in curve[: k - 1])
