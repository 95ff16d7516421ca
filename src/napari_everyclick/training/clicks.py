"""Click simulation for training: how many clicks a sample gets, and the RITM multi-point
sampler (static) alongside the thesis's iterative dynamic-disk sampling (in the loop)."""

from __future__ import annotations

import cv2
import numpy as np

from ..core.clicker import padded_distance
from ..core.clicks import Click


def draw_click_count(max_clicks: int, decay: float, rng: np.random.Generator) -> int:
    """n in 1..max_clicks with P(n) proportional to decay^(n-1) (thesis: 0.7, up to 24)."""
    probs = decay ** np.arange(max_clicks)
    return int(rng.choice(np.arange(1, max_clicks + 1), p=probs / probs.sum()))


def multipoint_clicks(
    target: np.ndarray, radius: float, rng: np.random.Generator, max_points: int = 12
) -> list[Click]:
    """RITM's MultiPointSampler, simplified: 1 + k positives (P(k) ~ 0.8^k), the first among the
    central pixels (distance > max / 1.7), the others anywhere in the mask eroded by 3 px;
    k' ~ 0.8^k' negatives in a border ring of width ceil(0.1 sqrt(area)) or the background."""
    probs = 0.8 ** np.arange(max_points)
    probs /= probs.sum()
    dist = padded_distance(target)
    ys, xs = np.nonzero(dist > dist.max() / 1.7)
    i = int(rng.integers(len(ys)))
    clicks = [Click(float(ys[i]), float(xs[i]), True, radius)]
    eroded = cv2.erode(target.astype(np.uint8), np.ones((3, 3), np.uint8), iterations=3) > 0
    inside = eroded if eroded.sum() > 10 else target
    ys, xs = np.nonzero(inside)
    for _ in range(int(rng.choice(max_points, p=probs))):
        j = int(rng.integers(len(ys)))
        clicks.append(Click(float(ys[j]), float(xs[j]), True, radius))
    width = int(np.ceil(0.1 * np.sqrt(target.sum())))
    ring = cv2.dilate(target.astype(np.uint8), np.ones((3, 3), np.uint8), iterations=width) > 0
    ring &= ~target
    background = ~target
    for _ in range(int(rng.choice(max_points, p=probs))):
        region = ring if (ring.any() and rng.random() < 0.6) else background
        ys_n, xs_n = np.nonzero(region)
        if len(ys_n) == 0:
            break
        j = int(rng.integers(len(ys_n)))
        clicks.append(Click(float(ys_n[j]), float(xs_n[j]), False, radius))
    return clicks
