"""Progressive Merge (inference/merge.py, spec 2.7) on constructed masks: a click changes only
the changed region it lies in."""

from __future__ import annotations

import numpy as np

from napari_everyclick.core.clicks import Click
from napari_everyclick.inference.merge import progressive_merge

SHAPE = (40, 50)


def rect(y0: int, x0: int, y1: int, x1: int) -> np.ndarray:
    m = np.zeros(SHAPE, dtype=bool)
    m[y0:y1, x0:x1] = True
    return m


def test_positive_click_outside_adds_only_its_component():
    previous = rect(10, 10, 20, 20)
    grown = rect(10, 20, 20, 26)  # touches the object: where the user clicked
    elsewhere = rect(30, 40, 35, 45)  # a spurious blob the network also added
    new = previous | grown | elsewhere
    merged = progressive_merge(previous, new, Click(15.0, 23.0, True))
    assert np.array_equal(merged, previous | grown)


def test_negative_click_inside_removes_only_its_component():
    previous = rect(5, 5, 30, 30)
    removed_here = rect(5, 5, 12, 30)  # the top band, where the user clicked
    removed_there = rect(25, 25, 30, 30)  # a corner the network also dropped
    new = previous & ~removed_here & ~removed_there
    merged = progressive_merge(previous, new, Click(8.0, 15.0, False))
    assert np.array_equal(merged, previous & ~removed_here)


def test_click_not_in_the_difference_keeps_the_previous_mask():
    previous = rect(10, 10, 20, 20)
    new = rect(10, 10, 20, 20) | rect(30, 30, 35, 35)
    click = Click(15.0, 15.0, True)  # inside both: not in previous XOR new
    merged = progressive_merge(previous, new, click)
    assert np.array_equal(merged, previous)
    assert merged is not previous  # a copy the caller may edit
    merged[0, 0] = True
    assert not previous[0, 0]


def test_other_changed_regions_are_ignored():
    """The network both grew the object at the click and shrank it elsewhere: only the growth
    at the click is taken; the shrinking (another component of the difference) is ignored."""
    previous = rect(10, 10, 30, 30)
    new = (previous | rect(10, 30, 30, 36)) & ~rect(10, 10, 14, 30)
    merged = progressive_merge(previous, new, Click(20.0, 33.0, True))
    assert np.array_equal(merged, previous | rect(10, 30, 30, 36))


def test_components_are_8_connected():
    previous = np.zeros(SHAPE, dtype=bool)
    new = previous.copy()
    new[10, 10] = new[11, 11] = new[12, 12] = True  # a diagonal line: one 8-component
    merged = progressive_merge(previous, new, Click(10.0, 10.0, True))
    assert np.array_equal(merged, new)


def test_sign_follows_the_previous_mask_not_the_click():
    """Spec 2.7: inside the previous mask the region is removed, outside it is added."""
    previous = rect(10, 10, 20, 20)
    new = previous & ~rect(10, 10, 20, 14)
    # a positive click inside the previous mask, where the network removed pixels: removed
    merged = progressive_merge(previous, new, Click(15.0, 12.0, True))
    assert np.array_equal(merged, new)


def test_sub_pixel_and_border_clicks_are_rounded_and_clamped():
    previous = np.zeros(SHAPE, dtype=bool)
    new = rect(0, 45, 5, 50)
    merged = progressive_merge(previous, new, Click(-0.4, 49.4, True))
    assert np.array_equal(merged, new)
    merged = progressive_merge(previous, new, Click(2.6, 44.4, True))  # rounds to (3, 44)
    assert not merged.any()


def test_accepts_probabilities_cast_to_bool():
    previous = rect(10, 10, 20, 20).astype(np.uint8)
    new = rect(10, 10, 20, 25).astype(np.float32)
    merged = progressive_merge(previous, new, Click(15.0, 22.0, True))
    assert merged.dtype == bool and np.array_equal(merged, rect(10, 10, 20, 25))
