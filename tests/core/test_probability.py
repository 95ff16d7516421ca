"""core/probability.py: re-reading a probability map at another threshold, and the
area-preserving smoothing of a click's changed region."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from napari_everyclick.core.geometry import Box
from napari_everyclick.core.probability import agree_with, rethreshold, smoothed_region


def test_rethreshold_sends_the_threshold_to_one_half_monotonically():
    p = np.linspace(0.0, 1.0, 101, dtype=np.float32)
    for t in (0.2, 0.35, 0.5, 0.7):
        q = rethreshold(p, t)
        assert q[0] == 0.0 and q[-1] == pytest.approx(1.0)
        assert np.all(np.diff(q) > 0)
        assert np.array_equal(q > 0.5, p > t)
    with pytest.raises(ValueError, match="threshold"):
        rethreshold(p, 0.0)


def test_agree_with_moves_only_the_disagreeing_pixels_across_one_half():
    p = np.array([[0.2, 0.7], [0.49, 0.9]], dtype=np.float32)
    mask = np.array([[True, True], [False, False]])
    q = agree_with(p, mask)
    assert np.array_equal(q > 0.5, mask)
    assert q[0, 1] == p[0, 1] and q[1, 0] == p[1, 0]
    assert 0.5 < q[0, 0] < 0.51 and 0.49 < q[1, 1] < 0.5


def smooth_within(probability: np.ndarray, box: Box, sigma_px: float) -> np.ndarray:
    """A copy of `probability` with `smoothed_region` written back into its box, as the
    predictor writes it."""
    out = probability.copy()
    region = smoothed_region(probability, box, sigma_px)
    if region is not None:
        out[region[0].slices] = region[1]
    return out


def disk(shape=(64, 80), radius=15.0) -> np.ndarray:
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    return (yy - 32) ** 2 + (xx - 40) ** 2 <= radius**2


def noisy_disk(shape=(64, 80), seed=0) -> tuple[np.ndarray, np.ndarray]:
    """An answer for a disk of radius 15 px that falls from 1 to 0 across its edge (over about
    6 px) with +-0.3 pixel noise: ragged where it is near 0.5."""
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    soft = 1.0 / (1.0 + np.exp((np.hypot(yy - 32, xx - 40) - 15.0) / 1.5))
    noise = np.random.default_rng(seed).uniform(-0.3, 0.3, shape)
    return np.clip(soft + noise, 0, 1).astype(np.float32), disk(shape)


def soft_bump(shape=(64, 80), radius=8.0) -> np.ndarray:
    """A noiseless, radially falling answer that crosses 0.5 at `radius` with a weak slope
    there: a plateau near 0.6 that drops off (the shape of an under-confident network)."""
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    r = np.hypot(yy - 32, xx - 40)
    return (0.6 / (1.0 + np.exp((r - radius - 2.0) / 1.0)) + 0.1 * (r < radius + 2)).astype(
        np.float32
    )


def test_the_region_is_the_box_clipped_to_the_slice_and_the_input_is_untouched():
    p, _ = noisy_disk()
    before = p.copy()
    box, values = smoothed_region(p, Box(10, 12, 50, 60), 2.0)
    assert box == Box(10, 12, 50, 60)
    assert values.shape == (40, 48) and values.dtype == np.float32
    assert not np.array_equal(values, p[10:50, 12:60])
    assert np.array_equal(p, before)
    assert smoothed_region(p, Box(-10, -10, 20, 20), 2.0)[0] == Box(0, 0, 20, 20)


def test_noise_leaves_the_contour_and_the_object_stays():
    """Thresholded at 0.5, the noisy map is a ragged disk with specks; smoothed, it is the disk
    up to a pixel at its edge, has no speck, and keeps its area."""
    p, truth = noisy_disk()
    raw, smooth = p > 0.5, smooth_within(p, Box(0, 0, *p.shape), 2.0) > 0.5
    n_raw, _ = cv2.connectedComponents(raw.astype(np.uint8))
    n_smooth, _ = cv2.connectedComponents(smooth.astype(np.uint8))
    assert n_raw - 1 >= 5 and n_smooth - 1 == 1
    assert np.logical_xor(smooth, truth).sum() < np.logical_xor(raw, truth).sum() / 3
    assert smooth.sum() == raw.sum()


def test_a_soft_convex_answer_keeps_its_size():
    """A plain Gaussian moves the 0.5 contour of a soft, convex answer inwards; the smoothing
    re-reads the map so the mask keeps its area and stays where it was. Before (a plain
    Gaussian of sigma 2): the 8-px answer lost a fifth of its pixels."""
    p = soft_bump()
    before = p > 0.5
    plain = cv2.GaussianBlur(p, (13, 13), 2.0) > 0.5
    assert plain.sum() < 0.85 * before.sum()  # what the re-reading is for
    after = smooth_within(p, Box(0, 0, *p.shape), 2.0) > 0.5
    assert after.sum() == before.sum()
    assert np.logical_xor(after, before).sum() <= 0.02 * before.sum()


def test_no_seam_at_the_box_edge():
    """Inside a box away from the slice border the blur is the whole-slice blur up to the
    re-reading level, a monotone map: the blur read its context across the box's edges."""
    p, _ = noisy_disk()
    whole = cv2.GaussianBlur(p, (13, 13), 2.0, borderType=cv2.BORDER_REFLECT)[20:44, 25:55]
    part = smooth_within(p, Box(20, 25, 44, 55), 2.0)[20:44, 25:55]
    order = np.argsort(whole, axis=None)
    assert np.all(np.diff(part.ravel()[order]) >= -1e-6)


def test_sigma_zero_boxes_off_the_slice_and_uniform_regions_change_nothing_of_the_mask():
    p, _ = noisy_disk()
    assert smoothed_region(p, Box(0, 0, *p.shape), 0.0) is None
    assert smoothed_region(p, Box(-30, -30, -5, -5), 2.0) is None
    for constant in (0.1, 0.9):  # all background or all object: no level to keep
        flat = np.full((30, 30), constant, dtype=np.float32)
        out = smooth_within(flat, Box(5, 5, 25, 25), 2.0)
        assert np.array_equal(out > 0.5, flat > 0.5)
