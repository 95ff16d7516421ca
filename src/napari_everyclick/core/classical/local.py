"""Shared machinery of the click-driven classical segmenters (`flood`, `snake`).

Both work on a square crop around the newest click (a `LocalFrame`), so a click costs the same
on a 100 x 100 or a 512 x 512 slice, and both turn the region they find into a mask the same way:

- the region may only reach `reach` disk radii from the click centre (it cannot leak into the
  whole limb);
- on a refinement click it may only change a band along the current boundary whose width follows
  from how far the click lies from that boundary (`correction_limit`);
- a positive click adds its region, a negative click removes it (`commit`), and the clicked
  pixel always ends up on the click's side.

Coordinates are (y, x) = (row, column) in slice pixels; distances are in slice pixels.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import ndimage as ndi
from skimage.segmentation import flood

from ..clicks import Click
from ..disks import paint_disk
from ..geometry import Box, mask_box
from ..probability import THRESHOLD, smoothed_region

MAD_TO_SIGMA = 1.4826
"""1 / 0.6745: the median absolute deviation times this estimates a normal std. Its breakdown
point is 50 %, so a disk that is almost half background still gives the object's spread (the
interquartile range breaks down at 25 %)."""


@dataclass(frozen=True)
class LocalFrame:
    """A crop of the slice around one click.

    rows, cols: the crop's slices into the full (H, W) slice. dist: float32 (h, w), distance in
    pixels of each crop pixel from the click centre. seed: the clicked pixel in crop coordinates.
    """

    rows: slice
    cols: slice
    dist: np.ndarray
    seed: tuple[int, int]

    def crop(self, array: np.ndarray) -> np.ndarray:
        """The crop of a full-slice (H, W) array (a view)."""
        return array[self.rows, self.cols]

    def on_border(self, shape: tuple[int, int]) -> list[tuple[int, int]]:
        """Per axis, (1 if the crop's first side lies on the slice border, same for the last)."""
        return [
            (int(self.rows.start == 0), int(self.rows.stop == shape[0])),
            (int(self.cols.start == 0), int(self.cols.stop == shape[1])),
        ]


def local_frame(shape: tuple[int, int], click: Click, half_size: float) -> LocalFrame:
    """The crop of a (H, W) slice holding every pixel within `half_size` pixels of the click."""
    h, w = shape
    cy, cx = min(max(round(click.y), 0), h - 1), min(max(round(click.x), 0), w - 1)
    m = int(np.ceil(half_size)) + 1
    y0, y1 = max(cy - m, 0), min(cy + m + 1, h)
    x0, x1 = max(cx - m, 0), min(cx + m + 1, w)
    yy = np.arange(y0, y1, dtype=np.float32)[:, None] - np.float32(click.y)
    xx = np.arange(x0, x1, dtype=np.float32)[None, :] - np.float32(click.x)
    dist = np.sqrt(yy * yy + xx * xx)
    return LocalFrame(slice(y0, y1), slice(x0, x1), dist, (cy - y0, cx - x0))


def disk_pixels(frame: LocalFrame, radius: float) -> np.ndarray:
    """Crop pixels within `radius` px of the click, always with the clicked pixel (bool)."""
    inside = frame.dist <= radius
    inside[frame.seed] = True
    return inside


def robust_centre_spread(values: np.ndarray) -> tuple[float, float]:
    """Median and MAD-based standard deviation of intensities (same units as the values)."""
    median = float(np.median(values))
    return median, MAD_TO_SIGMA * float(np.median(np.abs(values - median)))


def boundary_distance(base: np.ndarray, frame: LocalFrame, positive: bool) -> np.ndarray | None:
    """Distance (px, crop shape) of each pixel to the current mask on the click's side, or None.

    For a positive click outside the mask: each pixel's distance to the mask; for a negative
    click inside it: each pixel's distance to the outside. None when the click corrects no
    boundary: the first click, a positive click inside the mask, a negative one outside it, or
    no boundary within the crop.
    """
    side = ~base if positive else base
    if base[frame.seed] == positive or side.all() or not side.any():
        return None
    return ndi.distance_transform_edt(side)


def correction_limit(to_boundary: np.ndarray | None, frame: LocalFrame, depth: float) -> np.ndarray:
    """Pixels of the crop a refinement click may change (bool, crop shape).

    A click placed at distance d from the current boundary is read as the centre of the error it
    corrects, so the error is about 2 d thick: the click may change pixels up to depth * d from
    the boundary (positive: outside the mask, negative: inside it). Without a boundary
    (`to_boundary` None) nothing is limited.
    """
    if to_boundary is None:
        return np.ones(frame.dist.shape, dtype=bool)
    return to_boundary <= depth * max(float(to_boundary[frame.seed]), 1.0)


def static_reach(
    to_boundary: np.ndarray | None, frame: LocalFrame, factor: float, cap: float
) -> float:
    """Reach in pixels of a static click: `cap` for a first click; for a refinement click, the
    error's scale known without a drag, `factor` x its distance to the boundary (at most cap)."""
    if to_boundary is None:
        return cap
    return min(factor * max(float(to_boundary[frame.seed]), 1.0), cap)


def commit(base: np.ndarray, frame: LocalFrame, region: np.ndarray, positive: bool) -> np.ndarray:
    """A copy of the full bool mask with the crop's region added (positive) or removed.

    The clicked pixel always follows the click: inside for a positive, outside for a negative.
    """
    out = base.copy()
    view = frame.crop(out)
    if positive:
        view |= region
    else:
        view &= ~region
    view[frame.seed] = positive
    return out


def keep_seed_component(band: np.ndarray, frame: LocalFrame, fill_holes: bool = True) -> np.ndarray:
    """The 4-connected component of `band` holding the seed (the seed is always kept), holes
    filled: scikit-image's flood fill on the accepted pixels."""
    band = band.copy()
    band[frame.seed] = True
    region = flood(band, frame.seed, connectivity=1)
    return ndi.binary_fill_holes(region) if fill_holes else region


def smooth_edge(
    base: np.ndarray, mask: np.ndarray, clicks: Sequence[Click], sigma_px: float
) -> np.ndarray:
    """`mask` (the bool mask after the newest click; `base` the one before it) with its ragged,
    noise-following edge smoothed at the same area (`smoothed_region` on the object's box, a
    Gaussian of `sigma_px` slice pixels), yet a positive click still only adds to `base` and a
    negative one only removes; every clicked pixel then goes back to its click's side, clicks
    in order."""
    box = mask_box(mask)
    if box is None or sigma_px <= 0:
        return mask
    margin = math.ceil(3.0 * sigma_px)
    box = Box(box.y0 - margin, box.x0 - margin, box.y1 + margin, box.x1 + margin)
    smoothed = smoothed_region(mask.view(np.uint8), box, sigma_px)
    if smoothed is None:
        return mask
    region, values = smoothed
    inside = region.slices
    # outside the box `mask` is empty, and so is `base` after a positive click (mask holds it)
    smooth = mask.copy()
    edge = values > THRESHOLD
    smooth[inside] = base[inside] | edge if clicks[-1].positive else base[inside] & edge
    for click in clicks:
        paint_disk(smooth, click.y, click.x, 0.0, click.positive)
    return smooth
