"""Interactive segmentation metrics: IoU (and Dice, for volumes), NoC, NoF and the Iterative
IoU Error.

`ious` arguments are IoU values after clicks 1..N of one sample (1-based clicks).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

NOC_THRESHOLDS: tuple[float, ...] = (0.80, 0.85, 0.90)


def iou(prediction: np.ndarray, target: np.ndarray) -> float:
    """Intersection over union of two bool masks; 1.0 when both are empty."""
    p = np.asarray(prediction, dtype=bool)
    t = np.asarray(target, dtype=bool)
    union = np.count_nonzero(p | t)
    if union == 0:
        return 1.0
    return np.count_nonzero(p & t) / union


def dice(prediction: np.ndarray, target: np.ndarray) -> float:
    """Dice of two bool masks of any dimension; 1.0 when both are empty."""
    p = np.asarray(prediction, dtype=bool)
    t = np.asarray(target, dtype=bool)
    total = np.count_nonzero(p) + np.count_nonzero(t)
    if total == 0:
        return 1.0
    return 2.0 * np.count_nonzero(p & t) / total


def clicks_to_reach(ious: Sequence[float], threshold: float) -> int | None:
    """The first 1-based click whose IoU is >= threshold, or None if it is never reached."""
    for k, value in enumerate(ious, start=1):
        if value >= threshold:
            return k
    return None


def noc(ious: Sequence[float], threshold: float, max_clicks: int | None = None) -> int:
    """Number of clicks to reach `threshold`; `max_clicks` (default len(ious)) when never."""
    k = clicks_to_reach(ious, threshold)
    if k is None:
        return len(ious) if max_clicks is None else max_clicks
    return k


def nof(all_ious: Sequence[Sequence[float]], threshold: float) -> int:
    """Number of samples that never reach `threshold` within their clicks.

    Success exactly at the last click counts as success (unlike RITM, which counts NoC ==
    max_clicks as a failure).
    """
    return sum(1 for ious in all_ious if clicks_to_reach(ious, threshold) is None)


def iterative_iou_error(mean_ious: Sequence[float]) -> float:
    """The thesis's Iterative IoU Error of a mean-IoU-per-click curve, in [0, 1], lower better.

    E = sum_i (1 - mIoU_i)(1 + 0.1 i) / sum_i (1 + 0.1 i), i = 0..N-1: errors that persist to
    late clicks weigh more (weights 1.0 .. 2.9 over 20 clicks).
    """
    m = np.asarray(mean_ious, dtype=np.float64)
    if m.size == 0:
        raise ValueError("the IoU curve is empty")
    weights = 1.0 + 0.1 * np.arange(m.size)
    return float(np.sum((1.0 - m) * weights) / np.sum(weights))


def mean_iou_curve(all_ious: Sequence[Sequence[float]]) -> np.ndarray:
    """Mean IoU after each click over samples (all samples must have the same click count)."""
    try:
        arr = np.asarray(all_ious, dtype=np.float64)
    except ValueError:  # ragged: numpy refuses to build the array
        arr = np.empty(0)
    if arr.ndim != 2:
        raise ValueError("every sample needs the same number of clicks")
    return arr.mean(axis=0)
