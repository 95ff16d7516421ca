"""The simulated user ("robot clicker") of the thesis, deterministic by default.

Placement (methods spec 1.6): the first click goes to the centre, the maximum of the distance
transform, of the target's largest connected component; each next click goes to the maximum of
the distance transform of the larger error (false negatives -> positive click, false positives
-> negative click; ties -> negative), the image border counting as boundary (1-px zero padding),
the first pixel in raster order winning, already clicked pixels excluded.

Radius (spec 5.1), in slice pixels:
- `static`: the fixed static radius (5 px);
- `tight`: the distance-transform value at the click (largest disk inside the error region);
- `enclosing`: the radius of the minimum enclosing circle of the error component clicked in;
- `avg`: the mean of tight and enclosing (the thesis's evaluation mode for dynamic models);
- `distributed`: uniform in [tight * (1 - spread), enclosing * (1 + spread)] (training only);
- `drag-then-plain`: `avg` for the first click, `static` after it (a user who drags once and
  corrects with plain clicks); `plain-then-drag`: the reverse.
"""

from __future__ import annotations

from typing import Literal

import cv2
import numpy as np

from .clicks import STATIC_RADIUS_PX, Click

RadiusStrategy = Literal[
    "static", "tight", "enclosing", "avg", "distributed", "drag-then-plain", "plain-then-drag"
]
MIXED_STRATEGIES: dict[str, tuple[str, str]] = {
    "drag-then-plain": ("avg", "static"),
    "plain-then-drag": ("static", "avg"),
}
"""Mixed strategies: (the first click's strategy, every later click's)."""
RADIUS_STRATEGIES: tuple[str, ...] = (
    "static",
    "tight",
    "enclosing",
    "avg",
    "distributed",
    *MIXED_STRATEGIES,
)
MIN_RADIUS_PX = 0.5


def padded_distance(mask: np.ndarray) -> np.ndarray:
    """Exact L2 distance (pixels) of each mask pixel to the nearest non-mask pixel or border."""
    padded = np.pad(mask.astype(np.uint8), 1)
    dist = cv2.distanceTransform(padded, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    return dist[1:-1, 1:-1]


def largest_component(mask: np.ndarray) -> np.ndarray:
    """The largest 8-connected component of a bool mask (by pixel count); empty stays empty."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    if n <= 2:
        return mask.astype(bool)
    biggest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    return labels == biggest


def component_at(mask: np.ndarray, y: int, x: int) -> np.ndarray:
    """The 4-connected component of `mask` holding pixel (y, x)."""
    _, labels = cv2.connectedComponents(mask.astype(np.uint8), connectivity=4)
    return labels == labels[y, x]


def enclosing_radius(component: np.ndarray) -> float:
    """Radius in pixels of the minimum circle enclosing the component's pixel centres."""
    ys, xs = np.nonzero(component)
    points = np.stack([xs, ys], axis=1).astype(np.float32)
    _, radius = cv2.minEnclosingCircle(points)
    return float(radius)


class RobotClicker:
    """Plays the user on one target mask; call `next_click(prediction)` after each prediction.

    target: bool (H, W) ground truth. radius: a RadiusStrategy. rng: needed for `distributed`
    radii and `random` placement (training); evaluation uses the deterministic defaults.
    placement: `center` (argmax of the distance transform) or `random` (uniform among pixels
    whose distance exceeds half the maximum, as RITM's training sampler does).
    """

    def __init__(
        self,
        target: np.ndarray,
        radius: RadiusStrategy = "avg",
        static_radius: float = STATIC_RADIUS_PX,
        rng: np.random.Generator | None = None,
        spread: float = 0.1,
        placement: Literal["center", "random"] = "center",
    ) -> None:
        if radius not in RADIUS_STRATEGIES:
            raise ValueError(f"radius strategy must be one of {RADIUS_STRATEGIES}, got {radius!r}")
        if placement not in ("center", "random"):
            raise ValueError(f"placement must be 'center' or 'random', got {placement!r}")
        if (radius == "distributed" or placement == "random") and rng is None:
            raise ValueError("distributed radii and random placement need an rng")
        self.target = np.asarray(target, dtype=bool)
        self.strategy = radius
        self.static_radius = float(static_radius)
        self.rng = rng
        self.spread = float(spread)
        self.placement = placement
        self.clicks: list[Click] = []
        self._not_clicked = np.ones(self.target.shape, dtype=bool)

    def next_click(self, prediction: np.ndarray | None = None) -> Click | None:
        """The next click given the current bool prediction, or None when nothing is wrong."""
        if not self.clicks:
            fn = largest_component(self.target)
            fp = np.zeros_like(fn)
        else:
            pred = (
                np.zeros_like(self.target)
                if prediction is None
                else np.asarray(prediction, dtype=bool)
            )
            fn = self.target & ~pred
            fp = pred & ~self.target
        dist_fn = padded_distance(fn) * self._not_clicked
        dist_fp = padded_distance(fp) * self._not_clicked
        max_fn, max_fp = float(dist_fn.max()), float(dist_fp.max())
        if max_fn == 0.0 and max_fp == 0.0:
            return None
        positive = max_fn > max_fp
        dist = dist_fn if positive else dist_fp
        y, x = self._place(dist)
        error = fn if positive else fp
        strategy = self._strategy()
        radius = self._radius(strategy, dist[y, x], error, y, x)
        click = Click(float(y), float(x), positive, radius, plain=strategy == "static")
        self._not_clicked[y, x] = False
        self.clicks.append(click)
        return click

    def _place(self, dist: np.ndarray) -> tuple[int, int]:
        if self.placement == "random":
            ys, xs = np.nonzero(dist > dist.max() / 2.0)
            i = int(self.rng.integers(len(ys)))
            return int(ys[i]), int(xs[i])
        flat = int(np.argmax(dist))  # first pixel in raster order among the maxima
        return divmod(flat, dist.shape[1])

    def _strategy(self) -> str:
        """The radius strategy of the next click (a mixed strategy's first or later kind)."""
        if self.strategy in MIXED_STRATEGIES:
            return MIXED_STRATEGIES[self.strategy][1 if self.clicks else 0]
        return self.strategy

    def _radius(self, strategy: str, tight: float, error: np.ndarray, y: int, x: int) -> float:
        if strategy == "static":
            return self.static_radius
        if strategy == "tight":
            return max(float(tight), MIN_RADIUS_PX)
        enclosing = enclosing_radius(component_at(error, y, x))
        if strategy == "enclosing":
            radius = enclosing
        elif strategy == "avg":
            radius = 0.5 * (tight + enclosing)
        else:
            low, high = tight * (1.0 - self.spread), enclosing * (1.0 + self.spread)
            radius = float(self.rng.uniform(min(low, high), max(low, high)))
        return max(float(radius), MIN_RADIUS_PX)
