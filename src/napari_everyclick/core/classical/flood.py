"""`flood`: scikit-image flood fill on the median-filtered windowed slice, tolerance from the disk.

One click, one region, applied incrementally on top of the previous mask (positive adds,
negative removes). The region is the seed's flood-fill component of the pixels whose filtered
windowed intensity lies within a tolerance of the median inside the click's disk:

- dynamic disk (a drag): the tolerance is `tolerance_spreads` robust standard deviations
  (1.4826 x the median absolute deviation) of the filtered values inside the disk, at least
  `min_tolerance`. It is full inside the disk and tapers linearly to zero at `reach` radii (tuned: 1.0, i.e. the fill stays
  inside the disk and only drops the pixels that do not look like its centre); a drag that
  refines a mask reaches `refine_reach` radii (tuned: 1.25: the robot's and a user's
  correcting disk rarely covers the whole error);
- static click (5 px): the thesis's recipe, one global tolerance in HU (tuned 40 HU; the
  thesis's searched 1.425 x 255 = 363 HU is `THESIS_TOLERANCE_HU`) within `static_reach_px` of
  the click for a first click, within `static_refine_reach` x its distance to the current
  boundary for a refinement click (without a drag that distance is the error's only scale).

A binary opening (radius `opening` x the inner radius) cuts thin bridges to neighbouring tissue,
a central `core` of the disk is always kept, then the seed's component is taken and its holes
filled. On refinement clicks the change is limited to a band along the current boundary (see
`local.correction_limit`). Finally the mask's edge, which follows the CT's noise, is smoothed at
the same area (`local.smooth_edge`) and every clicked pixel put back on its click's side.
docs/classical.md has the tuning and the results.

Units: intensities are windowed [0, 1] (HU tolerances are divided by the window width); sizes
and radii are slice pixels unless given in disk radii.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
from scipy import ndimage as ndi

from ..clicks import Click
from ..segmenter import Prediction, PreparedSlice
from ..session import prepare_slice
from ..windowing import Window
from .local import (
    LocalFrame,
    boundary_distance,
    commit,
    correction_limit,
    disk_pixels,
    keep_seed_component,
    local_frame,
    robust_centre_spread,
    smooth_edge,
    static_reach,
)

THESIS_TOLERANCE_HU = 1.425 * 255.0
"""The thesis's searched flood tolerance: 1.425 in its HU / 255 units, about 363 HU."""

MEDIAN_SIZE_PX = 5
"""Side of the median filter applied before flooding: it removes CT noise without moving step
edges (a gaussian erodes crisp objects by about its sigma); OpenCV allows 3 or 5 on floats."""


def tapered_tolerance(dist: np.ndarray, tolerance: float, inner: float, outer: float) -> np.ndarray:
    """Per-pixel tolerance: `tolerance` within `inner` px of the click, falling linearly to 0 at
    `outer` px (float32, shape of dist; negative beyond `outer`, so nothing there passes)."""
    if outer <= inner:
        return np.where(dist <= inner, np.float32(tolerance), np.float32(-1.0))
    return np.float32(tolerance) * np.minimum((outer - dist) / np.float32(outer - inner), 1.0)


class FloodSegmenter:
    """Flood fill from each click; see the module docstring for the method and its units.

    tolerance_spreads: dynamic tolerance in
    robust stds of the disk. min_tolerance: its floor, windowed units. reach: how far (in disk
    radii) a dynamic fill may extend; refine_reach: the same for a drag on a slice that has a
    mask already. opening: opening radius as a fraction of the disk radius.
    depth: refinement band width in multiples of the click's distance to the boundary. core:
    fraction of the disk radius always kept, whatever the intensities.
    static_tolerance_hu, static_reach_px: the static-click fallback; static_refine_reach: a
    static refinement click's reach in multiples of its distance to the current boundary.
    smoothing_sigma_px: after each click the mask's edge is smoothed at the same area (slice
    pixels; 0: off), as the learned predictors' answers are.
    """

    name = "flood"

    def __init__(
        self,
        *,
        tolerance_spreads: float = 4.0,
        min_tolerance: float = 0.01,
        reach: float = 1.0,
        refine_reach: float = 1.25,
        opening: float = 0.2,
        depth: float = 1.5,
        core: float = 0.5,
        static_tolerance_hu: float = 40.0,
        static_reach_px: float = 40.0,
        static_refine_reach: float = 2.0,
        smoothing_sigma_px: float = 2.0,
    ) -> None:
        self.tolerance_spreads = tolerance_spreads
        self.min_tolerance = min_tolerance
        self.reach = reach
        self.refine_reach = refine_reach
        self.opening = opening
        self.depth = depth
        self.core = core
        self.static_tolerance_hu = static_tolerance_hu
        self.static_reach_px = static_reach_px
        self.static_refine_reach = static_refine_reach
        self.smoothing_sigma_px = smoothing_sigma_px

    def prepare(self, slice_hu: np.ndarray, window: Window) -> PreparedSlice:
        """Window the slice and cache its median-filtered version (windowed [0, 1])."""
        image = prepare_slice(slice_hu, window)
        smoothed = cv2.medianBlur(np.ascontiguousarray(image.windowed), MEDIAN_SIZE_PX)
        return PreparedSlice(image.hu, image.window, image.windowed, {"smoothed": smoothed})

    def predict(
        self, image: PreparedSlice, clicks: Sequence[Click], previous: Prediction | None
    ) -> Prediction:
        """Apply the newest click: add (positive) or remove (negative) its flooded region."""
        click = clicks[-1]
        base = previous.mask if previous is not None else np.zeros(image.shape, dtype=bool)
        dynamic = not click.plain
        reach = self.refine_reach if base.any() else self.reach
        bound = max(reach, 1.0) * click.radius if dynamic else self.static_reach_px
        frame = local_frame(image.shape, click, bound)
        to_boundary = boundary_distance(frame.crop(base), frame, click.positive)
        inner, outer = self._extent(click, to_boundary, frame, reach)
        smoothed = frame.crop(image.extra["smoothed"])
        reference, spread = robust_centre_spread(smoothed[disk_pixels(frame, click.radius)])
        tolerance = self._tolerance(spread, image.window, dynamic)
        band = np.abs(smoothed - reference) <= tapered_tolerance(
            frame.dist, tolerance, inner, outer
        )
        band = self._open(band, inner) | disk_pixels(frame, self.core * click.radius)
        band &= correction_limit(to_boundary, frame, self.depth)
        region = keep_seed_component(band, frame)
        mask = commit(base, frame, region, click.positive)
        return Prediction(mask=smooth_edge(base, mask, clicks, self.smoothing_sigma_px))

    def _extent(
        self, click: Click, to_boundary: np.ndarray | None, frame: LocalFrame, reach: float
    ) -> tuple[float, float]:
        """(inner, outer) radius in pixels: full tolerance within inner, none beyond outer
        (`reach`: a drag's, in disk radii)."""
        if not click.plain:
            return click.radius, reach * click.radius
        static = static_reach(to_boundary, frame, self.static_refine_reach, self.static_reach_px)
        return static, static

    def _tolerance(self, spread: float, window: Window, dynamic: bool) -> float:
        """The flood tolerance in windowed units: from the disk's spread, or the global one."""
        if dynamic:
            return max(self.tolerance_spreads * spread, self.min_tolerance)
        return self.static_tolerance_hu / window.width

    def _open(self, band: np.ndarray, scale_px: float) -> np.ndarray:
        """Binary opening with a disk of radius opening * scale_px (>= 1 px), or no-op if 0.

        The slice border does not erode (an object cut by the border keeps its edge pixels);
        the result is a subset of `band`.
        """
        radius = round(self.opening * scale_px)
        if self.opening <= 0 or radius < 1:
            return band
        yy, xx = np.ogrid[-radius : radius + 1, -radius : radius + 1]
        disk = yy * yy + xx * xx <= radius * radius
        eroded = ndi.binary_erosion(band, structure=disk, border_value=1)
        return ndi.binary_dilation(eroded, structure=disk, border_value=0)
