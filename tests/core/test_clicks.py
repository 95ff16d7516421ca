"""Click: validation of coordinates and radius, frame changes, the inside-the-slice check."""

from __future__ import annotations

import math

import numpy as np
import pytest

from napari_everyclick.core.clicks import STATIC_RADIUS_PX, Click
from napari_everyclick.core.errors import EveryClickError, InvalidClickError


def test_defaults_are_a_positive_static_click():
    c = Click(3, 4)
    assert (c.y, c.x, c.positive, c.radius) == (3.0, 4.0, True, 5.0)
    assert STATIC_RADIUS_PX == 5.0


def test_a_click_is_plain_at_the_static_radius_unless_it_says_what_it_is():
    assert Click(1, 1).plain is True
    assert Click(1, 1, radius=5.01).plain is False
    assert Click(1, 1, radius=3.0, plain=True).plain is True  # the user's static radius
    assert Click(1, 1, radius=STATIC_RADIUS_PX, plain=False).plain is False  # a 5-px drag
    assert Click(1, 1, radius=3.0, plain=True).scaled(2.0, 2.0).plain is True
    assert Click(1, 1, plain=np.bool_(False)).plain is False


def test_numpy_scalars_become_python_floats():
    c = Click(np.int64(7), np.float32(2.5), radius=np.int32(3))
    assert (c.y, c.x, c.radius) == (7.0, 2.5, 3.0)
    assert all(type(v) is float for v in (c.y, c.x, c.radius))


def test_click_is_frozen_and_hashable():
    c = Click(1.0, 2.0)
    with pytest.raises(AttributeError):
        c.y = 5.0  # type: ignore[misc]
    assert c == Click(1.0, 2.0) and hash(c) == hash(Click(1.0, 2.0))


@pytest.mark.parametrize("radius", [0, 0.0, -1.0, -1e-9])
def test_non_positive_radius_is_rejected(radius):
    with pytest.raises(InvalidClickError, match="radius must be > 0"):
        Click(10.0, 10.0, radius=radius)


@pytest.mark.parametrize("field", ["y", "x", "radius"])
@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, np.float32("nan")])
def test_non_finite_values_are_rejected(field, bad):
    kwargs = {"y": 1.0, "x": 1.0, "radius": 2.0, field: bad}
    with pytest.raises(InvalidClickError, match=f"click {field} must be finite"):
        Click(**kwargs)


@pytest.mark.parametrize("bad", [None, "abc", [1.0], object()])
def test_non_numbers_are_rejected(bad):
    with pytest.raises(InvalidClickError, match="click y must be a number"):
        Click(bad, 1.0)


def test_invalid_click_error_is_the_package_error_and_a_value_error():
    with pytest.raises(EveryClickError):
        Click(1.0, 1.0, radius=-2.0)
    with pytest.raises(ValueError):
        Click(1.0, 1.0, radius=-2.0)


def test_positive_is_stored_as_bool():
    assert Click(1, 1, positive=np.bool_(False)).positive is False
    assert Click(1, 1, positive=0).positive is False


def test_scaled_maps_coordinates_and_radius():
    c = Click(y=30.0, x=50.0, positive=False, radius=4.0)
    s = c.scaled(2.0, 0.5, oy=10.0, ox=20.0)
    assert s.y == pytest.approx((30.0 - 10.0) * 2.0)  # 40
    assert s.x == pytest.approx((50.0 - 20.0) * 0.5)  # 15
    assert s.radius == pytest.approx(4.0 * (2.0 + 0.5) / 2.0)  # 5
    assert s.positive is False
    assert c.y == 30.0  # the original is untouched


def test_scaled_round_trip():
    c = Click(12.5, 7.25, radius=3.0)
    back = c.scaled(4.0, 4.0, 2.0, 1.0).scaled(0.25, 0.25, -2.0 * 4.0, -1.0 * 4.0)
    assert (back.y, back.x, back.radius) == pytest.approx((12.5, 7.25, 3.0))


@pytest.mark.parametrize(
    "y, x",
    [(0.0, 0.0), (-0.5, -0.5), (19.49, 29.49), (19.0, 29.0), (10.3, 0.0)],
)
def test_check_inside_accepts_points_on_the_slice(y, x):
    Click(y, x).check_inside((20, 30))


@pytest.mark.parametrize(
    "y, x",
    [(-0.51, 5.0), (5.0, -0.51), (19.5, 5.0), (5.0, 29.5), (20.0, 5.0), (5.0, 30.0), (-100, 1e6)],
)
def test_check_inside_rejects_points_off_the_slice(y, x):
    with pytest.raises(InvalidClickError, match="outside the 20x30 slice"):
        Click(y, x).check_inside((20, 30))


def test_check_inside_rejects_a_radius_larger_than_the_diagonal():
    diagonal = math.hypot(30, 40)  # 50
    Click(5, 5, radius=diagonal).check_inside((30, 40))
    with pytest.raises(InvalidClickError, match="larger than the 30x40 slice"):
        Click(5, 5, radius=50.01).check_inside((30, 40))
