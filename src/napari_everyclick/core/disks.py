"""Click encoding: positive and negative disk maps, one code path for training and inference.

Each click draws a filled disk of its own radius (dynamic) or of one fixed radius (static) into
the channel of its sign; disks of one sign are OR-ed. The work is vectorised per click over the
disk's bounding box, never a Python loop over pixels.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from .clicks import Click


def paint_disk(canvas: np.ndarray, y: float, x: float, radius: float, value: bool = True) -> None:
    """Set pixels of a 2D canvas whose centre lies within `radius` px of (y, x) to `value`.

    A pixel (r, c) is inside when (r - y)^2 + (c - x)^2 <= radius^2. A disk of any radius always
    holds the pixel nearest its centre, so tiny radii still mark the clicked pixel.
    """
    h, w = canvas.shape
    r = max(float(radius), 0.0)
    y0, y1 = max(int(np.floor(y - r)), 0), min(int(np.ceil(y + r)) + 1, h)
    x0, x1 = max(int(np.floor(x - r)), 0), min(int(np.ceil(x + r)) + 1, w)
    if y0 < y1 and x0 < x1:
        yy = np.arange(y0, y1, dtype=np.float32)[:, None] - np.float32(y)
        xx = np.arange(x0, x1, dtype=np.float32)[None, :] - np.float32(x)
        inside = yy * yy + xx * xx <= np.float32(r * r)
        region = canvas[y0:y1, x0:x1]
        region[inside] = value
    cy, cx = int(round(y)), int(round(x))
    if 0 <= cy < h and 0 <= cx < w:
        canvas[cy, cx] = value


def disk_maps(
    clicks: Iterable[Click],
    shape: tuple[int, int],
    fixed_radius: float | None = None,
) -> np.ndarray:
    """Encode clicks as a (2, H, W) float32 array: [positive disks, negative disks].

    fixed_radius: None uses each click's own radius (dynamic); a number draws every disk with
    that radius in pixels of `shape` (static). Click coordinates are pixels of `shape`.
    """
    maps = np.zeros((2, *shape), dtype=bool)
    for click in clicks:
        radius = click.radius if fixed_radius is None else fixed_radius
        paint_disk(maps[0 if click.positive else 1], click.y, click.x, radius)
    return maps.astype(np.float32)


def disk_union(clicks: Sequence[Click], shape: tuple[int, int]) -> np.ndarray:
    """The `disk` method's answer: union of positive disks minus the negative disks (bool H, W).

    Clicks are applied in order, so a later disk overrides an earlier one where they overlap.
    """
    return apply_clicks_to_mask(np.zeros(shape, dtype=bool), clicks)


def apply_clicks_to_mask(
    mask: np.ndarray, clicks: Sequence[Click], fixed_radius: float | None = None
) -> np.ndarray:
    """A copy of a bool mask with each click's disk set (positive) or cleared (negative), in order.

    This is the prior a learned model corrects: what the user's gestures alone say the object is.
    """
    out = mask.astype(bool, copy=True)
    for click in clicks:
        radius = click.radius if fixed_radius is None else fixed_radius
        paint_disk(out, click.y, click.x, radius, value=click.positive)
    return out
