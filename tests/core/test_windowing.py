"""CT windows: preset values, the linear HU -> [0, 1] map, clipping and invalid windows."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from napari_everyclick.core.errors import InvalidImageError
from napari_everyclick.core.windowing import (
    DEFAULT_WINDOW,
    WINDOW_PRESETS,
    Window,
    apply_window,
    as_window,
)


@pytest.mark.parametrize(
    "name, level, width, low, high",
    [
        ("soft tissue", 40.0, 400.0, -160.0, 240.0),
        ("lung", -150.0, 1500.0, -900.0, 600.0),
        ("liver", 30.0, 150.0, -45.0, 105.0),
        ("kidney/pancreas", 50.0, 400.0, -150.0, 250.0),
        ("bone", 400.0, 1800.0, -500.0, 1300.0),
    ],
)
def test_presets(name, level, width, low, high):
    w = WINDOW_PRESETS[name]
    assert (w.level, w.width) == (level, width)
    assert (w.low, w.high) == (low, high)
    assert as_window(name) == w


def test_default_is_soft_tissue():
    assert DEFAULT_WINDOW == Window(40.0, 400.0)


def test_from_range():
    assert Window.from_range(-1000.0, 400.0) == Window(-300.0, 1400.0)


@pytest.mark.parametrize("name", sorted(WINDOW_PRESETS))
def test_apply_window_maps_the_ends_to_0_and_1(name):
    w = WINDOW_PRESETS[name]
    out = apply_window(np.array([w.low, w.level, w.high]), w)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, [0.0, 0.5, 1.0])


def test_apply_window_is_linear_and_clips():
    hu = np.array([[-3000, -160, -60], [40, 140, 240], [241, 3000, 32767]], dtype=np.int16)
    out = apply_window(hu, (40, 400))
    expected = np.array([[0, 0, 0.25], [0.5, 0.75, 1.0], [1.0, 1.0, 1.0]], dtype=np.float32)
    np.testing.assert_allclose(out, expected, atol=1e-6)
    assert out.shape == hu.shape


def test_apply_window_does_not_modify_its_input():
    hu = np.array([-2000.0, 0.0, 2000.0], dtype=np.float32)
    apply_window(hu, (0, 100))
    np.testing.assert_array_equal(hu, [-2000.0, 0.0, 2000.0])


@given(
    st.lists(st.floats(-5000, 5000), min_size=1, max_size=20),
    st.floats(-1000, 1000),
    st.floats(1, 4000),
)
def test_apply_window_stays_in_unit_range_and_is_monotone(values, level, width):
    hu = np.sort(np.array(values, dtype=np.float32))
    out = apply_window(hu, (level, width))
    assert out.min() >= 0.0 and out.max() <= 1.0
    assert np.all(np.diff(out) >= 0)


def test_as_window_accepts_pairs_and_windows():
    assert as_window((40, 400)) == Window(40.0, 400.0)
    assert as_window([-150, 1500]) == Window(-150.0, 1500.0)
    assert as_window(Window(1.0, 2.0)) == Window(1.0, 2.0)
    assert as_window(np.array([10, 20])) == Window(10.0, 20.0)


@pytest.mark.parametrize("width", [0, -1, -400.0, float("nan"), float("inf")])
def test_as_window_rejects_bad_width(width):
    with pytest.raises(InvalidImageError, match="width must be a finite number > 0"):
        as_window((40, width))


@pytest.mark.parametrize("level", [float("nan"), float("inf")])
def test_as_window_rejects_non_finite_level_naming_the_level(level):
    with pytest.raises(InvalidImageError, match=f"window level must be a finite number.*{level}"):
        as_window((level, 400))


def test_unknown_preset_lists_the_presets():
    with pytest.raises(InvalidImageError, match="unknown window preset 'brain'") as info:
        as_window("brain")
    for name in WINDOW_PRESETS:
        assert name in str(info.value)


@pytest.mark.parametrize("bad", [(1, 2, 3), (1,), 5, None, ("a", "b")])
def test_as_window_rejects_malformed(bad):
    with pytest.raises(InvalidImageError, match="level, width"):
        as_window(bad)
