"""smooth_within (inference/smoothing.py): the Gaussian on a click's changed region."""

from __future__ import annotations

import cv2
import numpy as np

from napari_everyclick.core.geometry import Box
from napari_everyclick.inference.smoothing import smooth_within


def noisy_disk(shape=(64, 80), seed=0) -> np.ndarray:
    """A disk of radius 15 px at probability 0.8 in a 0.2 field, with +-0.35 pixel noise."""
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    disk = (yy - 32) ** 2 + (xx - 40) ** 2 <= 15**2
    noise = np.random.default_rng(seed).uniform(-0.35, 0.35, shape)
    return np.clip(np.where(disk, 0.8, 0.2) + noise, 0, 1).astype(np.float32), disk


def test_pixels_outside_the_box_are_unchanged_bit_for_bit():
    p, _ = noisy_disk()
    box = Box(10, 12, 50, 60)
    out = smooth_within(p, box, 1.5)
    outside = np.ones(p.shape, dtype=bool)
    outside[10:50, 12:60] = False
    assert np.array_equal(out[outside], p[outside])
    assert not np.array_equal(out[~outside], p[~outside])
    assert out is not p and out.dtype == np.float32


def test_noise_leaves_the_contour_and_the_object_stays():
    """Thresholded at 0.5, the noisy map is a ragged disk with specks; smoothed, it is the disk
    up to a pixel at its edge and has no speck."""
    p, disk = noisy_disk()
    box = Box(0, 0, *p.shape)
    raw, smooth = p > 0.5, smooth_within(p, box, 1.5) > 0.5
    n_raw, _ = cv2.connectedComponents(raw.astype(np.uint8))
    n_smooth, _ = cv2.connectedComponents(smooth.astype(np.uint8))
    assert n_raw - 1 > 5 and n_smooth - 1 == 1
    assert np.logical_xor(smooth, disk).sum() < np.logical_xor(raw, disk).sum() / 3


def test_no_seam_at_the_box_edge():
    """Inside a box away from the slice border, the result is the whole-slice blur: the blur
    read its context across the box's edges."""
    p, _ = noisy_disk()
    whole = smooth_within(p, Box(0, 0, *p.shape), 1.5)
    part = smooth_within(p, Box(20, 25, 44, 55), 1.5)
    np.testing.assert_allclose(part[20:44, 25:55], whole[20:44, 25:55], atol=1e-6)


def test_sigma_zero_and_boxes_off_the_slice_change_nothing():
    p, _ = noisy_disk()
    assert np.array_equal(smooth_within(p, Box(0, 0, *p.shape), 0.0), p)
    assert np.array_equal(smooth_within(p, Box(-30, -30, -5, -5), 1.5), p)
    clipped = smooth_within(p, Box(-10, -10, 20, 20), 1.5)
    assert np.array_equal(clipped[20:], p[20:])
    assert not np.array_equal(clipped[:20, :20], p[:20, :20])
