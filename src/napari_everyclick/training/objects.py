"""Class-agnostic training objects from the same CTs: bone, fat, muscle and air regions and
intensity-homogeneous superpixels, so the model learns boundaries, not one kind of lesion.

Interactive models are class-agnostic (RITM learned from everyday objects); every region below
is a legitimate "object" a user might outline. Masks are kept as (slice index, box, crop).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from scipy import ndimage
from skimage.segmentation import slic

HU_RANGES: dict[str, tuple[float, float]] = {
    "air": (-2000.0, -400.0),
    "fat": (-190.0, -30.0),
    "muscle": (20.0, 90.0),
    "bone": (200.0, 4000.0),
}
MIN_AREA_PX = 40
MAX_FRACTION = 0.5  # of the slice area
SUPERPIXELS_PER_SLICE = 12


@dataclass(frozen=True)
class StoredObject:
    """A bool object mask stored as its box on slice `slice_index`: rows y0.., cols x0.."""

    slice_index: int
    y0: int
    x0: int
    mask: np.ndarray
    kind: str

    def full_mask(self, shape: tuple[int, int]) -> np.ndarray:
        out = np.zeros(shape, dtype=bool)
        h, w = self.mask.shape
        out[self.y0 : self.y0 + h, self.x0 : self.x0 + w] = self.mask
        return out


def keep_component(mask: np.ndarray, shape: tuple[int, int]) -> bool:
    area = int(mask.sum())
    return MIN_AREA_PX <= area <= MAX_FRACTION * shape[0] * shape[1]


def components(mask: np.ndarray) -> list[np.ndarray]:
    """8-connected components of a bool mask, after a 3x3 opening and hole filling."""
    opened = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    n, labels = cv2.connectedComponents(opened, connectivity=8)
    return [ndimage.binary_fill_holes(labels == i) for i in range(1, n)]


def store(slice_index: int, mask: np.ndarray, kind: str) -> StoredObject:
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    crop = mask[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1].copy()
    return StoredObject(slice_index, int(rows[0]), int(cols[0]), crop, kind)


def slice_objects(
    slice_index: int, hu: np.ndarray, lesions: np.ndarray, rng: np.random.Generator
) -> list[StoredObject]:
    """Candidate objects of one slice (lesion pixels excluded from the tissue classes)."""
    smooth = cv2.GaussianBlur(hu.astype(np.float32), (0, 0), 1.0)
    found: list[StoredObject] = []
    for kind, (low, high) in HU_RANGES.items():
        tissue = (smooth >= low) & (smooth < high) & ~lesions
        for comp in components(tissue):
            if keep_component(comp, hu.shape):
                found.append(store(slice_index, comp, kind))
    windowed = np.clip((smooth + 160.0) / 400.0, 0.0, 1.0)
    n_segments = int(rng.integers(20, 80))
    segments = slic(
        windowed, n_segments=n_segments, compactness=0.1, channel_axis=None, start_label=1
    )
    labels = rng.permutation(np.unique(segments))[:SUPERPIXELS_PER_SLICE]
    for label in labels:
        comp = ndimage.binary_fill_holes(segments == label)
        if keep_component(comp, hu.shape):
            found.append(store(slice_index, comp, "superpixel"))
    return found
