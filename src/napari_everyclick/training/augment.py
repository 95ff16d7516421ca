"""Training views: slice-level augmentation, window jitter, and the crop strategies.

Crop strategies (config `crop_strategy`), each returning a box in slice pixels that is resized
to the square network input:
- `click` (ours, default): the predictor's own first-click crop around the first disk, jittered
  in size and position, so training sees exactly the framing users get;
- `ritm`: RITM's scale 0.75..1.4 then a fixed-size random crop overlapping the object;
- `focalclick`: FocalClick's truncated-normal crop fractions (mean 1, sd 0.4, in [0.5, 1.4]);
- `optimal`: the thesis's Optimal Crop: fractions in [2a, 6a] of the side (a = mean val object
  box / side), object forced into the crop, applied with p = 0.8, else the whole slice.
"""

from __future__ import annotations

import albumentations as A
import cv2
import numpy as np
from scipy.stats import truncnorm

from ..core.clicks import Click
from ..core.geometry import Box, contrast_object, shift_inside, shrink_object, square_around
from ..core.windowing import WINDOW_PRESETS, Window
from ..inference.crops import CropConfig, first_click_box
from .config import AugmentConfig

AIR_HU = -1000.0
OTHER_WINDOWS = [w for name, w in WINDOW_PRESETS.items() if name != "soft tissue"]


def slice_augmenter(config: AugmentConfig) -> A.Compose:
    """Flips, 90-degree rotations and a mild affine, applied to HU and mask together."""
    transforms: list[A.BasicTransform] = []
    if config.flips:
        transforms += [A.HorizontalFlip(p=0.5), A.VerticalFlip(p=0.5), A.RandomRotate90(p=0.5)]
    if config.affine_prob > 0:
        transforms.append(
            A.Affine(
                scale=(0.8, 1.25),
                rotate=(-20, 20),
                interpolation=cv2.INTER_LINEAR,
                mask_interpolation=cv2.INTER_NEAREST,
                border_mode=cv2.BORDER_CONSTANT,
                fill=AIR_HU,
                fill_mask=0,
                p=config.affine_prob,
            )
        )
    return A.Compose(transforms)


def shrink_to_diameter(
    hu: np.ndarray, target: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Shrink the object to an equivalent diameter of U(5, 30) px (tiny nodules)."""
    return shrink_object(hu, target, rng.uniform(5.0, 30.0))


CONTRAST_HU = (20.0, 150.0)
"""Magnitude range of the lesion contrast of `AugmentConfig.contrast_prob`, HU."""


def contrast_lesion(hu: np.ndarray, target: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The slice with the lesion made U(CONTRAST_HU) HU brighter or darker (even odds)."""
    delta = rng.uniform(*CONTRAST_HU) * (1.0 if rng.random() < 0.5 else -1.0)
    return contrast_object(hu, target, delta)


def jitter_window(config: AugmentConfig, base: Window, rng: np.random.Generator) -> Window:
    """The case's window (or, with other_window_prob, another anatomy's), level +-10 % of the
    width and width x 0.7..1.5."""
    window = base
    if rng.random() < config.other_window_prob:
        window = OTHER_WINDOWS[int(rng.integers(len(OTHER_WINDOWS)))]
    width = window.width * rng.uniform(0.7, 1.5)
    level = window.level + rng.uniform(-0.1, 0.1) * window.width
    return Window(level, width)


def _overlapping_start(lo: int, hi: int, size: int, limit: int, rng: np.random.Generator) -> int:
    """A start so [start, start + size) overlaps the object extent [lo, hi) (may pad)."""
    first = min(lo - int(0.9 * size), limit - size)
    last = max(hi - int(0.1 * size), 0)
    if first > last:
        first, last = last, first
    return int(rng.integers(first, last + 1))


def _box_overlapping(
    object_box: Box, height: int, width: int, shape: tuple[int, int], rng: np.random.Generator
) -> Box:
    y0 = _overlapping_start(object_box.y0, object_box.y1, height, shape[0], rng)
    x0 = _overlapping_start(object_box.x0, object_box.x1, width, shape[1], rng)
    return Box(y0, x0, y0 + height, x0 + width)


def truncated_normal(low: float, high: float, rng: np.random.Generator, mean=1.0, sd=0.4) -> float:
    a, b = (low - mean) / sd, (high - mean) / sd
    return float(truncnorm.rvs(a, b, loc=mean, scale=sd, random_state=rng))


def choose_crop(
    strategy: str,
    first: Click,
    object_box: Box,
    shape: tuple[int, int],
    crop: CropConfig,
    augment: AugmentConfig,
    rng: np.random.Generator,
    optimal_bounds: tuple[float, float] = (0.1, 0.5),
) -> Box:
    """The training crop box in slice pixels for one strategy (see module doc)."""
    h, w = shape
    if strategy == "click":
        j = augment.crop_jitter
        side = first_click_box(first, shape, crop).height
        side *= float(np.exp(rng.uniform(-np.log1p(j), np.log1p(j))))
        cy = first.y + rng.uniform(-0.5, 0.5) * j * side
        cx = first.x + rng.uniform(-0.5, 0.5) * j * side
        return shift_inside(square_around(cy, cx, max(side, 8.0)), shape)
    if strategy == "ritm":
        side = max(int(round(crop.net_size / rng.uniform(0.75, 1.4))), 8)
        return _box_overlapping(object_box, side, side, shape, rng)
    if strategy == "focalclick":
        hr, wr = truncated_normal(0.5, 1.4, rng), truncated_normal(0.5, 1.4, rng)
        return _box_overlapping(object_box, max(int(hr * h), 8), max(int(wr * w), 8), shape, rng)
    if strategy == "optimal":
        if rng.random() >= 0.8:
            return Box(0, 0, h, w)
        low, high = optimal_bounds
        hr, wr = truncated_normal(low, high, rng), truncated_normal(low, high, rng)
        return _box_overlapping(object_box, max(int(hr * h), 8), max(int(wr * w), 8), shape, rng)
    raise ValueError(f"unknown crop strategy {strategy!r}")


def optimal_crop_bounds(boxes: list[Box], shapes: list[tuple[int, int]]) -> tuple[float, float]:
    """The thesis's Optimal Crop bounds from val object boxes: a = mean of (w/W + h/H)/2,
    bounds (4 round(0.5 a, 3), 4 round(1.5 a, 3)) as fractions of the slice side."""
    ratios = [(b.width / s[1] + b.height / s[0]) / 2.0 for b, s in zip(boxes, shapes)]
    a = float(np.mean(ratios))
    return 4 * round(0.5 * a, 3), 4 * round(1.5 * a, 3)
