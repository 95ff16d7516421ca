"""Smoothing of a click's answer before it is thresholded.

The networks' probability hovers near 0.5 along low-contrast lesion edges and follows the CT's
pixel noise there, so the 0.5 contour comes out ragged, with one-pixel islands and notches that
later clicks rarely fix. A small Gaussian on the probability (slice pixels) removes that noise
and leaves structures larger than a few pixels alone.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from ..core.geometry import Box


def smooth_within(probability: np.ndarray, box: Box, sigma_px: float) -> np.ndarray:
    """A copy of the (H, W) probability with a Gaussian of `sigma_px` (slice pixels) applied
    inside `box` (clipped to the slice); pixels outside it are unchanged, bit for bit. The blur
    reads 3 sigma of context around the box, so the box's edges leave no seam."""
    out = np.array(probability, dtype=np.float32, copy=True)
    if sigma_px <= 0:
        return out
    h, w = out.shape
    y0, x0, y1, x1 = max(box.y0, 0), max(box.x0, 0), min(box.y1, h), min(box.x1, w)
    if y0 >= y1 or x0 >= x1:
        return out
    margin = math.ceil(3.0 * sigma_px)
    cy0, cx0 = max(y0 - margin, 0), max(x0 - margin, 0)
    cy1, cx1 = min(y1 + margin, h), min(x1 + margin, w)
    kernel = (2 * margin + 1, 2 * margin + 1)
    blurred = cv2.GaussianBlur(
        out[cy0:cy1, cx0:cx1], kernel, sigma_px, borderType=cv2.BORDER_REFLECT
    )
    out[y0:y1, x0:x1] = blurred[y0 - cy0 : y1 - cy0, x0 - cx0 : x1 - cx0]
    return out
