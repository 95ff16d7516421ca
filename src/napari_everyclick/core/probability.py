"""A click's answer as a probability map (H, W) in [0, 1], read at THRESHOLD: the logistic map,
re-reading a map at another threshold, making a map agree with a mask, and smoothing a region
before it is thresholded.

Smoothing: the networks' probability hovers near 0.5 along low-contrast lesion edges and
follows the CT's pixel noise there, so the 0.5 contour comes out ragged, with one-pixel islands
and notches that later clicks rarely fix. A small Gaussian removes that noise. On its own it
also moves the contour of a soft, convex answer inwards (by about sigma^2 p'' / 2|p'|: most
where the edge is weakest), which costs small lesions; so the smoothed map is read at the level
that keeps the mask's area in the region, and only the noise goes. The predictor takes only the
smoothed map's mask (`agree_with`): the values it hands to the next click as its prior stay the
network's, which is what the networks were trained to read.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from .geometry import Box

THRESHOLD = 0.5
_LEVEL_LIMIT = 1e-3  # a re-reading level stays inside (0, 1) by this much


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -60.0, 60.0)))


def rethreshold(probability: np.ndarray, threshold: float) -> np.ndarray:
    """The piecewise-linear, monotone map of [0, 1] onto itself that sends `threshold` to
    THRESHOLD (0.5): thresholding the result at 0.5 is thresholding the input at `threshold`."""
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"a probability threshold must lie in (0, 1), got {threshold}")
    low = probability * (THRESHOLD / threshold)
    high = THRESHOLD + (probability - threshold) * ((1.0 - THRESHOLD) / (1.0 - threshold))
    return np.where(probability < threshold, low, high).astype(np.float32)


def agree_with(probability: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The probability moved just across THRESHOLD wherever its side disagrees with the bool
    `mask` (elsewhere unchanged), so that thresholding it gives `mask` and the next click's
    prior agrees with what the user sees."""
    above, below = THRESHOLD + _LEVEL_LIMIT, THRESHOLD - _LEVEL_LIMIT
    return np.where(mask, np.maximum(probability, above), np.minimum(probability, below)).astype(
        np.float32
    )


def smoothed_region(
    probability: np.ndarray, box: Box, sigma_px: float
) -> tuple[Box, np.ndarray] | None:
    """The (H, W) probability's part inside `box`, clipped to the slice, Gaussian-smoothed
    (`sigma_px`, slice pixels) and re-read (`rethreshold`) at the level that keeps the number of
    pixels above THRESHOLD in the box: (the clipped box, its float32 values). It reads only the
    box and its 3-sigma context, so its edges leave no seam and a click touches no more than
    its region; None when the box misses the slice or `sigma_px` is 0."""
    h, w = probability.shape
    inside_slice = box.intersection(Box(0, 0, h, w))
    if inside_slice is None or sigma_px <= 0:
        return None
    y0, x0, y1, x1 = inside_slice.y0, inside_slice.x0, inside_slice.y1, inside_slice.x1
    margin = math.ceil(3.0 * sigma_px)
    cy0, cx0 = max(y0 - margin, 0), max(x0 - margin, 0)
    cy1, cx1 = min(y1 + margin, h), min(x1 + margin, w)
    kernel = (2 * margin + 1, 2 * margin + 1)
    context = np.asarray(probability[cy0:cy1, cx0:cx1], dtype=np.float32)
    blurred = cv2.GaussianBlur(context, kernel, sigma_px, borderType=cv2.BORDER_REFLECT)[
        y0 - cy0 : y1 - cy0, x0 - cx0 : x1 - cx0
    ]
    inside = context[y0 - cy0 : y1 - cy0, x0 - cx0 : x1 - cx0]
    area = int((inside > THRESHOLD).sum())
    if 0 < area < inside.size:
        # the area-th and (area+1)-th largest blurred values, without sorting them all
        k = inside.size - area
        ranked = np.partition(blurred, (k - 1, k), axis=None)
        level = 0.5 * float(ranked[k] + ranked[k - 1])
        level = min(max(level, _LEVEL_LIMIT), 1.0 - _LEVEL_LIMIT)
        blurred = rethreshold(blurred, level)
    return inside_slice, blurred.astype(np.float32, copy=False)
