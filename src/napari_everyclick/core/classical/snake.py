"""`snake`: a morphological geodesic active contour started from the clicked disk.

Why a *morphological* active contour (scikit-image's `morphological_geodesic_active_contour`,
Marquez-Neila et al. 2014) and not the thesis's parametric `active_contour`: the parametric snake
has no inflation term, so from any circle it can only hold still or shrink; with the thesis's
parameters (alpha 0.015, beta 10, gamma 0.001, sigma 3, 2500 iterations) started on our dynamic
disks it collapses (train IoU@1 0.18 against 0.72 for the disk itself, docs/classical.md). The
morphological version evolves a level set with a balloon force that can grow or shrink it, stops
at edges, needs no point count and returns a region directly, so it can start exactly from the
disk the user drew.

- Edge map: `inverse_gaussian_gradient` of the windowed [0, 1] slice (gaussian std `sigma`
  pixels, steepness `edge_alpha`), near 0 on edges and near 1 in flat regions; cached per slice.
- Dynamic disk (a drag): the contour starts as the disk and runs `iterations_per_radius` x radius
  iterations (at most about one pixel of movement each) with balloon `balloon`, bounded to
  `reach` radii from the centre (tuned 1.0: it inflates into the disk's flat parts and snaps to
  edges inside it, but cannot pass the disk the user drew).
- Static click (5 px): the thesis's start, a circle of `static_radius_px` (its searched 7 px),
  inflated with `static_balloon` for `static_iterations` within `static_reach_px` of a first
  click, within `static_refine_reach` x its distance to the boundary for a refinement click.

Positive clicks add the contour's region, negative clicks remove it; on refinement clicks the
change is limited to a band along the current boundary (see `local.correction_limit`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from skimage.segmentation import inverse_gaussian_gradient, morphological_geodesic_active_contour

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
    smooth_edge,
    static_reach,
)


class SnakeSegmenter:
    """Morphological geodesic active contour from each click's disk; units in the module doc.

    sigma: edge-map gaussian std (pixels). edge_alpha: edge-map steepness (per windowed unit of
    gradient). balloon: inflation (> 0) or deflation (< 0) per iteration for dynamic disks.
    iterations_per_radius: iterations per pixel of disk radius. smoothing: curvature smoothing
    steps per iteration. reach: bound in disk radii. depth: refinement band width in multiples of
    the click's distance to the boundary. static_*: the static-click fallback
    (static_refine_reach: a refinement click's reach in multiples of its boundary distance).
    smoothing_sigma_px: after each click the mask's edge is smoothed at the same area (slice
    pixels; 0: off; `local.smooth_edge`), as flood's is.
    """

    name = "snake"

    def __init__(
        self,
        *,
        sigma: float = 3.0,
        edge_alpha: float = 100.0,
        balloon: float = 1.0,
        iterations_per_radius: float = 0.15,
        smoothing: int = 1,
        reach: float = 1.0,
        depth: float = 1.5,
        static_radius_px: float = 7.0,
        static_balloon: float = 1.0,
        static_iterations: int = 30,
        static_reach_px: float = 40.0,
        static_refine_reach: float = 2.0,
        smoothing_sigma_px: float = 2.0,
    ) -> None:
        self.sigma = sigma
        self.edge_alpha = edge_alpha
        self.balloon = balloon
        self.iterations_per_radius = iterations_per_radius
        self.smoothing = smoothing
        self.reach = reach
        self.depth = depth
        self.static_radius_px = static_radius_px
        self.static_balloon = static_balloon
        self.static_iterations = static_iterations
        self.static_reach_px = static_reach_px
        self.static_refine_reach = static_refine_reach
        self.smoothing_sigma_px = smoothing_sigma_px

    def prepare(self, slice_hu: np.ndarray, window: Window) -> PreparedSlice:
        """Window the slice and cache its edge-stopping map (float32 in (0, 1])."""
        image = prepare_slice(slice_hu, window)
        edges = inverse_gaussian_gradient(image.windowed, alpha=self.edge_alpha, sigma=self.sigma)
        return PreparedSlice(
            image.hu, image.window, image.windowed, {"edges": edges.astype(np.float32)}
        )

    def predict(
        self, image: PreparedSlice, clicks: Sequence[Click], previous: Prediction | None
    ) -> Prediction:
        """Apply the newest click: add (positive) or remove (negative) the contour's region."""
        click = clicks[-1]
        base = previous.mask if previous is not None else np.zeros(image.shape, dtype=bool)
        dynamic = not click.plain
        bound = max(self.reach, 1.0) * click.radius if dynamic else self.static_reach_px
        frame = local_frame(image.shape, click, max(bound, self.static_radius_px))
        to_boundary = boundary_distance(frame.crop(base), frame, click.positive)
        start, reach, balloon, iterations = self._schedule(click, to_boundary, frame)
        allowed = (frame.dist <= reach) & correction_limit(to_boundary, frame, self.depth)
        init = disk_pixels(frame, start) & allowed
        edges = frame.crop(image.extra["edges"])
        contour = self._evolve(edges, init, iterations, balloon, frame.on_border(image.shape))
        region = keep_seed_component(contour & allowed, frame)
        mask = commit(base, frame, region, click.positive)
        return Prediction(mask=smooth_edge(base, mask, clicks, self.smoothing_sigma_px))

    def _schedule(
        self, click: Click, to_boundary: np.ndarray | None, frame: LocalFrame
    ) -> tuple[float, float, float, int]:
        """(start radius px, reach px, balloon, iterations) for a dynamic or a static click."""
        if not click.plain:
            iterations = max(round(self.iterations_per_radius * click.radius), 1)
            return click.radius, self.reach * click.radius, self.balloon, iterations
        reach = static_reach(to_boundary, frame, self.static_refine_reach, self.static_reach_px)
        return self.static_radius_px, reach, self.static_balloon, self.static_iterations

    def _evolve(
        self,
        edges: np.ndarray,
        init: np.ndarray,
        iterations: int,
        balloon: float,
        border: list[tuple[int, int]],
    ) -> np.ndarray:
        """Run the contour on a crop (bool result). Crop sides on the slice border (`border`:
        1 where a side touches it, per axis (before, after)) are edge-padded first, so that the
        contour's curvature smoothing does not eat an object cut by the slice border."""
        pad = [(before * (iterations + 1), after * (iterations + 1)) for before, after in border]
        contour = morphological_geodesic_active_contour(
            np.pad(edges, pad, mode="edge"),
            iterations,
            init_level_set=np.pad(init, pad, mode="edge"),
            smoothing=self.smoothing,
            threshold="auto",
            balloon=balloon,
        )
        (top, _), (left, _) = pad
        return contour[top : top + init.shape[0], left : left + init.shape[1]].astype(bool)
