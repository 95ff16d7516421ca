"""Propagating an accepted object to neighbouring slices with any segmenter.

The object on slice z seeds slice z +/- 1 with one positive dynamic disk derived from its mask,
centred at the mask's innermost pixel (the maximum of its distance transform). With
`use_previous`, the mask is also given to the method as the previous prediction: learned models
take it as their prior, with the disk painted in, so the disk is the largest inscribed circle
(it adds nothing outside the neighbour's outline; a larger disk grew the prior at every slice:
`everyclick evaluate-propagation`, docs/evaluation.md). Classical methods treat `previous` as
the object being edited (a positive click adds to it), so for them it is left out and the disk
alone seeds the slice, with the size a user would drag: the robot clicker's "avg" radius, the
mean of the largest inscribed and the smallest enclosing circle's radii (the thesis's
evaluation disk). The method's answer is accepted unless a stop rule fires; then the next
slice is seeded from it, and so on.

Stop rules, comparing the new mask with the accepted one on the neighbouring slice (and, for
intensities, with the object the run started from, so a slow drift into other tissue is caught):
- vanished: fewer than `min_area_px` pixels;
- shrank: area below `min_ratio` x the neighbour's area (the lesion's end);
- leaked: area above `max_ratio` x the neighbour's area (the method flooded out of the lesion);
- jumped: less than `min_overlap` of the new mask overlaps the neighbour's mask;
- changed: the new mask's median HU differs from the start object's by more than
  `max_hu_change_spreads` robust standard deviations of the start object's HU (at least
  `min_hu_change` HU): the method has outlined some other tissue past the lesion's end;
- the edge of the volume, or `max_slices` slices done.

Everything is in slice pixels and slice indices along axis 0 of the stack `get_slice` reads;
nothing here imports Qt or torch, and the volume is read one 2D slice at a time (no copies).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from .clicker import enclosing_radius, largest_component, padded_distance
from .clicks import Click
from .image import validate_slice
from .segmenter import Prediction, Segmenter
from .windowing import Window

MIN_SEED_RADIUS_PX = 1.0
IQR_TO_SIGMA = 1.349


@dataclass(frozen=True)
class StopRules:
    """When propagation stops (see the module docstring). Areas in pixels, HU in HU."""

    min_area_px: int = 6
    min_ratio: float = 0.2
    max_ratio: float = 2.0
    min_overlap: float = 0.3
    max_hu_change_spreads: float = 3.0
    min_hu_change: float = 20.0
    max_slices: int | None = None


@dataclass(frozen=True)
class PropagationStep:
    """One slice of a propagation run.

    mask is the accepted bool (H, W) mask on slice z, or None when the run stopped at z for
    `stop` (one of "vanished", "shrank", "leaked", "jumped", "changed", "edge", "limit").
    """

    z: int
    direction: int
    mask: np.ndarray | None
    stop: str | None = None


def seed_click(mask: np.ndarray, inscribed: bool = False) -> Click | None:
    """The positive disk derived from a bool (H, W) mask, or None for an empty mask.

    Centre: the innermost pixel (first maximum of the distance transform, raster order).
    Radius (pixels, at least MIN_SEED_RADIUS_PX): with `inscribed`, half a pixel less than the
    distance to the nearest pixel outside, so the painted disk holds only the mask's pixels;
    else the mean of that distance and the radius of the circle enclosing the largest component.
    """
    mask = np.asarray(mask, dtype=bool)
    dist = padded_distance(mask)
    inner = float(dist.max())
    if inner <= 0.0:
        return None
    y, x = divmod(int(np.argmax(dist)), dist.shape[1])
    radius = inner - 0.5 if inscribed else 0.5 * (inner + enclosing_radius(largest_component(mask)))
    return Click(float(y), float(x), True, max(radius, MIN_SEED_RADIUS_PX), plain=False)


def robust_hu(hu: np.ndarray, mask: np.ndarray) -> tuple[float, float]:
    """Median and robust standard deviation (IQR / 1.349) of the HU under a bool mask."""
    values = np.asarray(hu)[mask]
    q1, median, q3 = np.percentile(values, [25.0, 50.0, 75.0])
    return float(median), float(q3 - q1) / IQR_TO_SIGMA


def stop_reason(
    new: np.ndarray,
    neighbour: np.ndarray,
    rules: StopRules,
    new_hu: np.ndarray | None = None,
    reference: tuple[float, float] | None = None,
) -> str | None:
    """Why `new` should not be accepted next to `neighbour` (bool masks), or None to accept.

    The intensity rule ("changed") needs the new slice's HU and the (median, robust std) in HU
    of the object the run started from (`robust_hu`); it is skipped without them.
    """
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
    if new_hu is not None and reference is not None:
        ref_median, ref_spread = reference
        median, _ = robust_hu(new_hu, new)
        allowed = max(rules.max_hu_change_spreads * ref_spread, rules.min_hu_change)
        if abs(median - ref_median) > allowed:
            return "changed"
    return None


def predict_from_neighbour(
    segmenter: Segmenter,
    slice_hu: np.ndarray,
    window: Window,
    neighbour: np.ndarray,
    use_previous: bool,
) -> np.ndarray:
    """The method's bool mask on a slice (HU, validated here) seeded by the neighbour's mask."""
    click = seed_click(neighbour, inscribed=use_previous)
    if click is None:
        return np.zeros(neighbour.shape, dtype=bool)
    image = segmenter.prepare(validate_slice(slice_hu), window)
    previous = Prediction.from_mask(neighbour) if use_previous else None
    return np.asarray(segmenter.predict(image, [click], previous).mask, dtype=bool)


def propagate(
    segmenter: Segmenter,
    get_slice: Callable[[int], np.ndarray],
    n_slices: int,
    start_z: int,
    start_mask: np.ndarray,
    window: Window,
    direction: int,
    use_previous: bool = True,
    rules: StopRules = StopRules(),
) -> Iterator[PropagationStep]:
    """Propagate from slice `start_z` one way (direction +1 or -1) until a rule stops it.

    Yields a PropagationStep per accepted slice, then one with mask None and the stop reason.
    get_slice(z) returns the (H, W) slice in HU (a view is fine); n_slices bounds z.
    use_previous: give the neighbour's mask to the method as its previous prediction (learned
    models: yes; classical methods, which add a click to `previous`: no).
    """
    if direction not in (-1, 1):
        raise ValueError(f"direction must be +1 or -1, got {direction}")
    neighbour = np.asarray(start_mask, dtype=bool)
    reference = robust_hu(get_slice(start_z), neighbour) if neighbour.any() else None
    z, done = start_z + direction, 0
    while True:
        if not 0 <= z < n_slices:
            yield PropagationStep(z, direction, None, "edge")
            return
        if rules.max_slices is not None and done >= rules.max_slices:
            yield PropagationStep(z, direction, None, "limit")
            return
        slice_hu = get_slice(z)
        mask = predict_from_neighbour(segmenter, slice_hu, window, neighbour, use_previous)
        reason = stop_reason(mask, neighbour, rules, slice_hu, reference)
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
    use_previous: bool = True,
    rules: StopRules = StopRules(),
) -> Iterator[PropagationStep]:
    """Propagate up (+1) until it stops, then down (-1) from the same start slice."""
    for direction in (1, -1):
        yield from propagate(
            segmenter,
            get_slice,
            n_slices,
            start_z,
            start_mask,
            window,
            direction,
            use_previous,
            rules,
        )
