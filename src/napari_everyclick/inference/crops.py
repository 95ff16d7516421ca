"""Where the network looks: the target crop (every click) and FocalClick's focus crop.

Target crop: with no object yet, a square around the first disk (side = `first_disk_ratio` times
its diameter), so a 6-pixel nodule on a 512x512 slice is zoomed in, not squeezed away; a plain
click (the static radius says nothing of size) gets a fixed `plain_click_side`. Once an object
exists: the box of the previous mask, the newest disk and the positive disks, expanded
by `expansion` to a square of at least `min_side` pixels. Boxes are square so resizing to the
square network input keeps the aspect ratio; they are shifted inside the slice where they fit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import cv2
import numpy as np

from ..core.clicks import STATIC_RADIUS_PX, Click
from ..core.geometry import Box, disk_box, expand_to_square, mask_box, shift_inside, square_around


@dataclass(frozen=True)
class CropConfig:
    """Crop rules in slice pixels; `net_size` is the square network input in its own pixels."""

    net_size: int = 128
    expansion: float = 1.4
    first_disk_ratio: float = 2.5
    min_side: int = 40
    plain_click_side: int = 160
    static_radius: float = STATIC_RADIUS_PX

    def to_dict(self) -> dict:
        return asdict(self)


def first_click_box(click: Click, shape: tuple[int, int], config: CropConfig) -> Box:
    """A square around the first disk: side = ratio * diameter (>= min_side), or the plain
    click side for a plain click."""
    if click.plain:
        side = float(config.plain_click_side)
    else:
        side = max(config.first_disk_ratio * 2.0 * click.radius, float(config.min_side))
    return shift_inside(square_around(click.y, click.x, side), shape)


def target_box(previous: np.ndarray, clicks: Sequence[Click], config: CropConfig) -> Box:
    """The crop for the newest click given the bool mask before it (empty: first click)."""
    newest = clicks[-1]
    box = mask_box(previous)
    if box is None:
        return first_click_box(newest, previous.shape, config)
    box = box.union(disk_box(newest))
    for click in clicks:
        if click.positive:
            box = box.union(disk_box(click))
    return shift_inside(expand_to_square(box, config.expansion, config.min_side), previous.shape)


@dataclass(frozen=True)
class FocusConfig:
    """FocalClick focus crop (spec 2.4): expansion, minimum side (slice px), refiner size."""

    refine_size: int = 128
    expansion: float = 1.4
    min_side: int = 24
    local_ratio: float = 0.4  # side of the click-centred square vs the object box

    def to_dict(self) -> dict:
        return asdict(self)


def focus_box(
    previous: np.ndarray,
    coarse: np.ndarray,
    click: Click,
    config: FocusConfig,
    within: Box | None = None,
) -> Box:
    """The region the refiner redraws: the changed region (previous XOR coarse) holding the
    click, or a square around the click when that region is small against the object; the
    whole object on the first click. Clamped to `within` (the target crop: outside it the
    coarse network has no logits or features), as spec 2.4 clamps to the global ROI."""
    shape = coarse.shape
    object_box = mask_box(coarse) or disk_box(click)
    if not previous.any():
        region = object_box
    else:
        diff = np.logical_xor(previous, coarse).astype(np.uint8)
        cy, cx = click.pixel(shape)
        _, labels = cv2.connectedComponents(diff, connectivity=8)
        hp, wp = object_box.height, object_box.width
        local = square_around(click.y, click.x, config.local_ratio * max(hp, wp))
        if diff[cy, cx]:
            region = mask_box(labels == labels[cy, cx])
            if region.height < hp / 3 or region.width < wp / 3:
                region = local
        else:
            region = local
        region = region.union(disk_box(click))
    box = shift_inside(expand_to_square(region, config.expansion, config.min_side), shape)
    if within is not None:
        box = box.intersection(within) or within
    return box
