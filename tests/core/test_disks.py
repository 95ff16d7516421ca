"""Disk encoding against a brute-force reference over the whole grid.

Reference: pixel (i, j) is inside a disk of radius r at (y, x) iff (i - y)^2 + (j - x)^2 <= r^2,
plus the pixel nearest the centre (so a tiny radius still marks the clicked pixel).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from napari_everyclick.core.clicks import Click
from napari_everyclick.core.disks import apply_clicks_to_mask, disk_maps, disk_union, paint_disk


def reference_disk(shape, y, x, r):
    ii, jj = np.indices(shape, dtype=np.float64)
    return (ii - y) ** 2 + (jj - x) ** 2 <= r * r


def boundary_band(shape, y, x, r, tol=1e-3):
    """Pixels whose distance to the centre is within `tol` px of r: float32 may go either way."""
    ii, jj = np.indices(shape, dtype=np.float64)
    return np.abs(np.hypot(ii - y, jj - x) - r) <= tol


def centre_pixel(shape, y, x):
    out = np.zeros(shape, dtype=bool)
    cy, cx = round(y), round(x)
    if 0 <= cy < shape[0] and 0 <= cx < shape[1]:
        out[cy, cx] = True
    return out


def painted(shape, y, x, r):
    canvas = np.zeros(shape, dtype=bool)
    paint_disk(canvas, y, x, r)
    return canvas


# --- hand-checked disks ------------------------------------------------------------------------


def test_radius_one_is_a_plus_sign():
    expected = np.zeros((5, 5), dtype=bool)
    expected[2, 1:4] = expected[1:4, 2] = True
    np.testing.assert_array_equal(painted((5, 5), 2, 2, 1.0), expected)


def test_radius_sqrt2_is_a_3x3_square():
    expected = np.zeros((5, 5), dtype=bool)
    expected[1:4, 1:4] = True
    np.testing.assert_array_equal(painted((5, 5), 2, 2, np.sqrt(2.0)), expected)


def test_radius_five_holds_81_pixels():
    # lattice points with i^2 + j^2 <= 25: 1 + 4*5 + 4*(4+4+4+3) = 81 (Gauss circle N(5) = 81)
    m = painted((21, 21), 10, 10, 5.0)
    assert m.sum() == 81
    assert m[10, 15] and m[13, 14] and not m[14, 14] and not m[10, 16]


def test_half_pixel_centre_radius_one():
    # centre (2.5, 2.5), r = 1: the 4 pixels at distance sqrt(0.5) only
    expected = np.zeros((6, 6), dtype=bool)
    expected[2:4, 2:4] = True
    np.testing.assert_array_equal(painted((6, 6), 2.5, 2.5, 1.0), expected)


@pytest.mark.parametrize("r", [1e-6, 0.1, 0.49])
@pytest.mark.parametrize("y, x", [(3.0, 4.0), (3.3, 3.8), (0.0, 0.0), (6.4, 6.4)])
def test_tiny_radius_still_marks_the_centre_pixel(r, y, x):
    m = painted((7, 7), y, x, r)
    assert m.sum() == 1
    assert m[round(y), round(x)]


def test_disk_maps_dynamic_radii():
    clicks = [Click(10, 10, True, 3.0), Click(30, 30, True, 6.0), Click(10, 30, False, 2.0)]
    maps = disk_maps(clicks, (40, 40))
    assert maps.shape == (2, 40, 40) and maps.dtype == np.float32
    assert set(np.unique(maps)) <= {0.0, 1.0}
    pos = reference_disk((40, 40), 10, 10, 3.0) | reference_disk((40, 40), 30, 30, 6.0)
    neg = reference_disk((40, 40), 10, 30, 2.0)
    np.testing.assert_array_equal(maps[0], pos)
    np.testing.assert_array_equal(maps[1], neg)


def test_disk_maps_fixed_radius_ignores_click_radii():
    clicks = [Click(10, 10, True, 1.0), Click(25, 25, False, 9.0)]
    maps = disk_maps(clicks, (40, 40), fixed_radius=5.0)
    np.testing.assert_array_equal(maps[0], reference_disk((40, 40), 10, 10, 5.0))
    np.testing.assert_array_equal(maps[1], reference_disk((40, 40), 25, 25, 5.0))
    assert maps[0].sum() == maps[1].sum() == 81


def test_disk_maps_keep_signs_in_separate_channels_even_when_overlapping():
    clicks = [Click(10, 10, True, 4.0), Click(10, 12, False, 4.0)]
    maps = disk_maps(clicks, (20, 20))
    np.testing.assert_array_equal(maps[0], reference_disk((20, 20), 10, 10, 4.0))
    np.testing.assert_array_equal(maps[1], reference_disk((20, 20), 10, 12, 4.0))
    assert (maps[0] * maps[1]).sum() > 0  # the overlap is in both channels


def test_disk_maps_without_clicks_are_zero():
    maps = disk_maps([], (8, 9))
    assert maps.shape == (2, 8, 9) and not maps.any()


def test_disk_maps_only_negative_clicks_leave_positive_channel_empty():
    maps = disk_maps([Click(4, 4, False, 2.0)], (9, 9))
    assert not maps[0].any() and maps[1].sum() == 13


@pytest.mark.parametrize(
    "y, x, r",
    [(0, 0, 5.0), (0, 19, 5.0), (19, 0, 7.5), (19, 19, 30.0), (-0.5, 10, 3.0), (10, 19.4, 4.0)],
)
def test_disks_at_the_border_are_clipped(y, x, r):
    m = painted((20, 20), y, x, r)
    expected = reference_disk((20, 20), y, x, r) | centre_pixel((20, 20), y, x)
    np.testing.assert_array_equal(m, expected)


def test_disk_at_the_corner_is_a_quarter():
    # r = 5 at (0, 0): row i = 0..5 holds j = 0..floor(sqrt(25 - i^2)): 6, 5, 5, 5, 4, 1 pixels
    assert painted((20, 20), 0, 0, 5.0).sum() == 6 + 5 + 5 + 5 + 4 + 1


def test_disk_wholly_outside_the_canvas_paints_nothing():
    for y, x in [(-50, 5), (5, -50), (80, 5), (5, 80)]:
        assert not painted((20, 20), y, x, 10.0).any()


def test_disk_reaching_in_from_outside_paints_only_its_overlap():
    m = painted((20, 20), -3, 10, 5.0)
    np.testing.assert_array_equal(m, reference_disk((20, 20), -3, 10, 5.0))
    # row 0: dy = 3, |dx| <= 4 -> 9; row 1: dy = 4, |dx| <= 3 -> 7; row 2: dy = 5, dx = 0 -> 1
    assert m.sum() == 9 + 7 + 1


def test_paint_disk_value_false_clears():
    canvas = np.ones((9, 9), dtype=bool)
    paint_disk(canvas, 4, 4, 1.0, value=False)
    assert (~canvas).sum() == 5 and not canvas[4, 4] and canvas[0, 0]


def test_disk_union_later_clicks_override_earlier():
    shape = (30, 30)
    pos = Click(15, 15, True, 8.0)
    neg = Click(15, 15, False, 3.0)
    pos_again = Click(15, 15, True, 1.0)
    big, hole, dot = (reference_disk(shape, 15, 15, r) for r in (8.0, 3.0, 1.0))
    np.testing.assert_array_equal(disk_union([pos], shape), big)
    np.testing.assert_array_equal(disk_union([pos, neg], shape), big & ~hole)
    np.testing.assert_array_equal(disk_union([neg, pos], shape), big)
    np.testing.assert_array_equal(disk_union([pos, neg, pos_again], shape), (big & ~hole) | dot)


def test_disk_union_of_two_positives_is_their_union():
    shape = (30, 40)
    clicks = [Click(10, 10, True, 5.0), Click(12, 25, True, 9.0)]
    expected = reference_disk(shape, 10, 10, 5.0) | reference_disk(shape, 12, 25, 9.0)
    np.testing.assert_array_equal(disk_union(clicks, shape), expected)


def test_apply_clicks_to_mask_copies_and_edits_in_order():
    base = np.zeros((20, 20), dtype=bool)
    base[5:15, 5:15] = True
    before = base.copy()
    out = apply_clicks_to_mask(base, [Click(10, 10, False, 2.0), Click(2, 2, True, 1.0)])
    np.testing.assert_array_equal(base, before)  # input untouched
    expected = before & ~reference_disk((20, 20), 10, 10, 2.0) | reference_disk((20, 20), 2, 2, 1)
    np.testing.assert_array_equal(out, expected)


def test_apply_clicks_fixed_radius():
    out = apply_clicks_to_mask(np.zeros((20, 20)), [Click(10, 10, True, 9.0)], fixed_radius=1.0)
    assert out.dtype == bool and out.sum() == 5


# --- property tests against the brute-force reference ------------------------------------------

shapes = st.tuples(st.integers(1, 40), st.integers(1, 40))


@st.composite
def disk_cases(draw):
    h, w = draw(shapes)
    y = draw(st.floats(-10, h + 10, allow_nan=False))
    x = draw(st.floats(-10, w + 10, allow_nan=False))
    r = draw(st.floats(0.01, 30, allow_nan=False))
    return (h, w), y, x, r


@given(disk_cases())
def test_paint_disk_matches_brute_force(case):
    shape, y, x, r = case
    expected = reference_disk(shape, y, x, r) | centre_pixel(shape, y, x)
    got = painted(shape, y, x, r)
    differ = got != expected
    assert not (differ & ~boundary_band(shape, y, x, r)).any()


@st.composite
def click_lists(draw):
    h, w = draw(shapes)
    clicks = draw(
        st.lists(
            st.builds(
                Click,
                y=st.floats(-0.5, h - 0.51),
                x=st.floats(-0.5, w - 0.51),
                positive=st.booleans(),
                radius=st.floats(0.5, 20),
            ),
            max_size=6,
        )
    )
    return (h, w), clicks


def reference_with_centre(shape, c, radius=None):
    r = c.radius if radius is None else radius
    return reference_disk(shape, c.y, c.x, r) | centre_pixel(shape, c.y, c.x)


def band(shape, clicks, radius=None):
    out = np.zeros(shape, dtype=bool)
    for c in clicks:
        out |= boundary_band(shape, c.y, c.x, c.radius if radius is None else radius)
    return out


@given(click_lists(), st.one_of(st.none(), st.floats(0.5, 10)))
def test_disk_maps_match_the_union_per_sign(case, fixed):
    shape, clicks = case
    maps = disk_maps(clicks, shape, fixed_radius=fixed)
    for channel, sign in ((0, True), (1, False)):
        same_sign = [c for c in clicks if c.positive is sign]
        expected = np.zeros(shape, dtype=bool)
        for c in same_sign:
            expected |= reference_with_centre(shape, c, fixed)
        differ = maps[channel].astype(bool) != expected
        assert not (differ & ~band(shape, same_sign, fixed)).any()


@given(click_lists())
def test_disk_union_replays_clicks_in_order(case):
    shape, clicks = case
    expected = np.zeros(shape, dtype=bool)
    for c in clicks:
        disk = reference_with_centre(shape, c)
        expected = expected | disk if c.positive else expected & ~disk
    differ = disk_union(clicks, shape) != expected
    assert not (differ & ~band(shape, clicks)).any()
