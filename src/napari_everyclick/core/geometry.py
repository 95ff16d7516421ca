"""Crop boxes and the crop <-> slice pixel mapping used by predictors and training alike.

A Box is half-open in slice pixels: rows y0 <= y < y1, columns x0 <= x < x1; it may extend past
the slice (those pixels are padding). A CropTransform maps slice pixels to the pixels of the box
resized to (out_h, out_w), with the pixel-centre convention of cv2.resize (align_corners=False):
y' = (y - y0 + 0.5) * sy - 0.5, sy = out_h / box height.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from .clicks import Click


@dataclass(frozen=True)
class Box:
    """Half-open integer pixel box (y0, x0, y1, x1) in slice pixels."""

    y0: int
    x0: int
    y1: int
    x1: int

    @property
    def height(self) -> int:
        return self.y1 - self.y0

    @property
    def width(self) -> int:
        return self.x1 - self.x0

    @property
    def center(self) -> tuple[float, float]:
        return (self.y0 + self.y1) / 2.0, (self.x0 + self.x1) / 2.0

    @property
    def slices(self) -> tuple[slice, slice]:
        """(rows, columns) to index an array with; the box must lie inside it."""
        return slice(self.y0, self.y1), slice(self.x0, self.x1)

    def union(self, other: Box) -> Box:
        return Box(
            min(self.y0, other.y0),
            min(self.x0, other.x0),
            max(self.y1, other.y1),
            max(self.x1, other.x1),
        )

    def intersection(self, other: Box) -> Box | None:
        """The overlap of two boxes, or None when they do not overlap."""
        y0, x0 = max(self.y0, other.y0), max(self.x0, other.x0)
        y1, x1 = min(self.y1, other.y1), min(self.x1, other.x1)
        return Box(y0, x0, y1, x1) if y0 < y1 and x0 < x1 else None

    def iou(self, other: Box) -> float:
        iy = max(0, min(self.y1, other.y1) - max(self.y0, other.y0))
        ix = max(0, min(self.x1, other.x1) - max(self.x0, other.x0))
        inter = iy * ix
        union = self.height * self.width + other.height * other.width - inter
        return inter / union if union > 0 else 0.0


def mask_box(mask: np.ndarray) -> Box | None:
    """The tight box of a bool mask's True pixels, or None when empty."""
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(mask.any(axis=0))
    return Box(int(rows[0]), int(cols[0]), int(rows[-1]) + 1, int(cols[-1]) + 1)


def disk_box(click: Click) -> Box:
    """The box holding a click's disk."""
    r = click.radius
    return Box(
        math.floor(click.y - r),
        math.floor(click.x - r),
        math.ceil(click.y + r) + 1,
        math.ceil(click.x + r) + 1,
    )


def square_around(cy: float, cx: float, side: float) -> Box:
    """A square box of integer side >= 1 centred (to the pixel) on (cy, cx).

    (cy, cx) is in pixel-centre coordinates, so the box's centre y0 + (s - 1) / 2 lies within
    half a pixel of cy: y0 = round(cy - (s - 1) / 2).
    """
    s = max(1, int(round(side)))
    y0 = int(math.floor(cy + 1.0 - s / 2.0))
    x0 = int(math.floor(cx + 1.0 - s / 2.0))
    return Box(y0, x0, y0 + s, x0 + s)


def expand_to_square(box: Box, ratio: float, min_side: float, max_side: float | None = None) -> Box:
    """The square with side ratio * the box's longer side (at least min_side, at most
    max_side), centred on the box."""
    side = max(ratio * max(box.height, box.width), min_side)
    if max_side is not None:
        side = min(side, max_side)
    cy, cx = box.center
    return square_around(cy - 0.5, cx - 0.5, side)


def shift_inside(box: Box, shape: tuple[int, int]) -> Box:
    """Move the box (same size) to lie inside the slice where it fits; centre it where it
    doesn't (the overhang on both sides becomes padding)."""
    h, w = shape

    def place(lo: int, size: int, limit: int) -> int:
        if size >= limit:
            return -((size - limit) // 2)
        return min(max(lo, 0), limit - size)

    y0 = place(box.y0, box.height, h)
    x0 = place(box.x0, box.width, w)
    return Box(y0, x0, y0 + box.height, x0 + box.width)


@dataclass(frozen=True)
class CropTransform:
    """Slice pixels <-> pixels of `box` resized to (out_h, out_w)."""

    box: Box
    out_h: int
    out_w: int

    @property
    def scale(self) -> tuple[float, float]:
        return self.out_h / self.box.height, self.out_w / self.box.width

    def to_crop(self, y: float, x: float) -> tuple[float, float]:
        sy, sx = self.scale
        return (y - self.box.y0 + 0.5) * sy - 0.5, (x - self.box.x0 + 0.5) * sx - 0.5

    def from_crop(self, y: float, x: float) -> tuple[float, float]:
        sy, sx = self.scale
        return (y + 0.5) / sy - 0.5 + self.box.y0, (x + 0.5) / sx - 0.5 + self.box.x0

    def click_to_crop(self, click: Click) -> Click:
        """The click in crop pixels; its radius scales by the mean axis factor."""
        sy, sx = self.scale
        return click.scaled(sy, sx, self.box.y0 - 0.5 + 0.5 / sy, self.box.x0 - 0.5 + 0.5 / sx)

    def crop(self, image: np.ndarray, pad_value: float = 0.0) -> np.ndarray:
        """The box of a (H, W) or (C, H, W) float32 image resized to (out_h, out_w)."""
        return crop_resize(image, self.box, (self.out_h, self.out_w), pad_value)

    def paste(
        self,
        canvas: np.ndarray,
        values: np.ndarray,
        post: Callable[[np.ndarray], np.ndarray] | None = None,
    ) -> None:
        """Resize (out_h, out_w) `values` back to the box and write the part inside the canvas;
        `post` (e.g. a sigmoid for logits) is applied to that part after resizing."""
        h, w = canvas.shape[-2:]
        y0, x0 = max(self.box.y0, 0), max(self.box.x0, 0)
        y1, x1 = min(self.box.y1, h), min(self.box.x1, w)
        if y0 >= y1 or x0 >= x1:
            return
        back = cv2.resize(
            np.ascontiguousarray(values, dtype=np.float32),
            (self.box.width, self.box.height),
            interpolation=cv2.INTER_LINEAR,
        )
        part = back[y0 - self.box.y0 : y1 - self.box.y0, x0 - self.box.x0 : x1 - self.box.x0]
        canvas[y0:y1, x0:x1] = part if post is None else post(part)


def crop_padded(image: np.ndarray, box: Box, pad_value: float = 0.0) -> np.ndarray:
    """The box region of a (H, W) or (C, H, W) array, out-of-slice pixels set to pad_value."""
    h, w = image.shape[-2:]
    y0, x0 = max(box.y0, 0), max(box.x0, 0)
    y1, x1 = min(box.y1, h), min(box.x1, w)
    inside = image[..., y0:y1, x0:x1]
    if (y0, x0, y1, x1) == (box.y0, box.x0, box.y1, box.x1):
        return inside
    out = np.full((*image.shape[:-2], box.height, box.width), pad_value, dtype=image.dtype)
    if y0 < y1 and x0 < x1:
        out[..., y0 - box.y0 : y1 - box.y0, x0 - box.x0 : x1 - box.x0] = inside
    return out


def crop_resize(
    image: np.ndarray, box: Box, out_size: tuple[int, int], pad_value: float = 0.0
) -> np.ndarray:
    """Crop (with padding) and resize a (H, W) or (C, H, W) float32 image to out_size (h, w).

    Downscaling uses area averaging, upscaling bilinear; both keep cv2's pixel-centre convention.
    """
    region = crop_padded(np.asarray(image, dtype=np.float32), box, pad_value)
    out_h, out_w = out_size
    shrinking = out_h < box.height and out_w < box.width
    interpolation = cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
    if region.ndim == 2:
        return cv2.resize(region, (out_w, out_h), interpolation=interpolation)
    hwc = np.ascontiguousarray(region.transpose(1, 2, 0))
    resized = cv2.resize(hwc, (out_w, out_h), interpolation=interpolation)
    if resized.ndim == 2:
        resized = resized[..., None]
    return resized.transpose(2, 0, 1)


def shrink_object(
    hu: np.ndarray, target: np.ndarray, diameter_px: float
) -> tuple[np.ndarray, np.ndarray]:
    """Downscale a slice (HU) and its object mask so the object's equivalent diameter becomes
    `diameter_px`, then mirror-pad back to the original size so the small object keeps tissue
    around it (a lesion seen as a tiny nodule). Unchanged when the object is already that
    small or would vanish."""
    diameter = 2.0 * np.sqrt(target.sum() / np.pi)
    factor = diameter_px / max(diameter, 1e-6)
    if factor >= 1.0:
        return hu, target
    h, w = hu.shape
    size = (max(int(round(w * factor)), 4), max(int(round(h * factor)), 4))
    small_hu = cv2.resize(hu.astype(np.float32), size, interpolation=cv2.INTER_AREA)
    small_t = cv2.resize(target.astype(np.float32), size, interpolation=cv2.INTER_AREA) > 0.5
    if not small_t.any():
        return hu, target
    top, left = (h - size[1]) // 2, (w - size[0]) // 2
    pads = (top, h - size[1] - top, left, w - size[0] - left)
    out_hu = cv2.copyMakeBorder(small_hu, *pads, cv2.BORDER_REFLECT)
    out_t = cv2.copyMakeBorder(small_t.astype(np.uint8), *pads, cv2.BORDER_CONSTANT, value=0)
    return out_hu, out_t > 0


PARTIAL_VOLUME_SIGMA_PX = 0.7
"""Blur of a contrasted object's edge (Gaussian sigma, slice pixels), as a scanner's."""


def contrast_object(hu: np.ndarray, target: np.ndarray, delta_hu: float) -> np.ndarray:
    """The slice (HU) with the object `target` made `delta_hu` HU brighter (darker when
    negative), its edge blurred as partial volume does: the same lesion, outline and texture,
    but with an edge the CT shows (an edge-visibility test; our sarcomas differ from the muscle
    around them by a median 5 HU)."""
    step = cv2.GaussianBlur(
        target.astype(np.float32), (0, 0), PARTIAL_VOLUME_SIGMA_PX, borderType=cv2.BORDER_REFLECT
    )
    return np.asarray(hu, dtype=np.float32) + np.float32(delta_hu) * step
