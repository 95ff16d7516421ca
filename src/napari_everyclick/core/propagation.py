"""Propagating an accepted object to neighbouring slices with any segmenter.

The object on slice z seeds slice z +/- 1: its mask is given to the method as the previous
prediction and a positive disk is derived from it (centred at the mask's innermost pixel, the
maximum of its distance transform, with half that distance as radius, so the disk stays inside
the lesion as it shrinks). The method's answer is accepted unless a stop rule fires; then the
next slice is seeded from it, and so on.

Stop rules, comparing the new mask with the accepted one on the neighbouring slice:
- vanished: fewer than `min_area_px` pixels;
- shrank: area below `min_ratio` x the neighbour's area (the lesion's end);
- leaked: area above `max_ratio` x the neighbour's area (the method flooded out of the lesion);
- jumped: less than `min_overlap` of the new mask overlaps the neighbour's mask;
- the edge of the volume, or `max_slices` slices done.

Everything is in slice pixels and slice indices along axis 0; nothing here imports Qt or torch,
and the volume is read one 2D slice at a time through `get_slice(z)` (no volume copies).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from .clicker import padded_distance
from .clicks import Click
from .image import validate_slice
from .segmenter import Prediction, Segmenter
from .windowing import Window

MIN_SEED_RADIUS_PX = 1.0


@dataclass(frozen=True)
class StopRules:
    """When propagation stops (see the module docstring). Areas in pixels, ratios unitless."""

    min_area_px: int = 6
    min_ratio: float = 0.2
    max_ratio: float = 2.0
    min_overlap: float = 0.3
    max_slices: int | None = None


@dataclass(frozen=True)
class PropagationStep:
    """One slice of a propagation run.

    mask is the accepted bool (H, W) mask on slice z, or None when the run stopped at z for
    `stop` (one of "vanished", "shrank", "leaked", "jumped", "edge", "limit").
    """

    z: int
    direction: int
    mask: np.ndarray | None
    stop: str | None = None


def seed_click(mask: np.ndarray) -> Click | None:
    """The positive disk derived from a bool (H, W) mask, or None for an empty mask.

    Centre: the mask's innermost pixel (first maximum of the distance transform, raster order);
    radius: half its distance to the boundary, at least MIN_SEED_RADIUS_PX (pixels).
    """
    dist = padded_distance(np.asarray(mask, dtype=bool))
    inner = float(dist.max())
    if inner <= 0.0:
        return None
    y, x = divmod(int(np.argmax(dist)), dist.shape[1])
    return Click(float(y), float(x), True, max(0.5 * inner, MIN_SEED_RADIUS_PX))


def stop_reason(new: np.ndarray, neighbour: np.ndarray, rules: StopRules) -> str | None:
    """Why `new` should not be accepted next to `neighbour` (bool masks), or None to accept."""
    area = int(np.count_nonzero(new))
    ref = int(np.count_nonzero(neighbour))
    if area < rules.min_area_px:
        return "vanished"
    if area < rules.min_ratio * ref:
        return "shrank"
    if area > rules.max_ratio * ref:
        return "leaked"
    if np.count_nonzero(new & neighbour) < rules.min_overlap * area:
        return "jumped"
    return None


def predict_from_neighbour(
    segmenter: Segmenter, slice_hu: np.ndarray, window: Window, neighbour: np.ndarray
) -> np.ndarray:
    """The method's mask on a slice (HU, validated here) seeded by the neighbour's bool mask."""
    click = seed_click(neighbour)
    if click is None:
        return np.zeros(neighbour.shape, dtype=bool)
    image = segmenter.prepare(validate_slice(slice_hu), window)
    previous = Prediction.from_mask(neighbour)
    return np.asarray(segmenter.predict(image, [click], previous).mask, dtype=bool)


def propagate(
    segmenter: Segmenter,
    get_slice: Callable[[int], np.ndarray],
    n_slices: int,
    start_z: int,
    start_mask: np.ndarray,
    window: Window,
    direction: int,
    rules: StopRules = StopRules(),
) -> Iterator[PropagationStep]:
    """Propagate from slice `start_z` one way (direction +1 or -1) until a rule stops it.

    Yields a PropagationStep per accepted slice, then one with mask None and the stop reason.
    get_slice(z) returns the (H, W) slice in HU (a view is fine); n_slices bounds z.
    """
    if direction not in (-1, 1):
        raise ValueError(f"direction must be +1 or -1, got {direction}")
    neighbour = np.asarray(start_mask, dtype=bool)
    z, done = start_z + direction, 0
    while True:
        if not 0 <= z < n_slices:
            yield PropagationStep(z, direction, None, "edge")
            return
        if rules.max_slices is not None and done >= rules.max_slices:
            yield PropagationStep(z, direction, None, "limit")
            return
        mask = predict_from_neighbour(segmenter, get_slice(z), window, neighbour)
        reason = stop_reason(mask, neighbour, rules)
        if reason is not None:
            yield PropagationStep(z, direction, None, reason)
            return
        yield PropagationStep(z, direction, mask)
        neighbour, z, done = mask, z + direction, done + 1


def propagate_through(
    segmenter: Segmenter,
    get_slice: Callable[[int], np.ndarray],
    n_slices: int,
    start_z: int,
    start_mask: np.ndarray,
    window: Window,
    rules: StopRules = StopRules(),
) -> Iterator[PropagationStep]:
    """Propagate up (+1) until it stops, then down (-1) from the same start slice."""
    for direction in (1, -1):
        yield from propagate(
            segmenter, get_slice, n_slices, start_z, start_mask, window, direction, rules
        )
