"""The network's view of a slice, shared by predictors and training (numpy, torch-free).

Image channels (CHANNELS, each scaled to [-1, 1]): the user's window, so the model sees what the
radiologist sees, and a fixed wide window (HU -1000..1000) that keeps absolute density. Pixels
outside the slice are air (-1 in both). Coordinate features: [prior, positive disks, negative
disks]. The prior is the previous probability with the newest click's disk painted in (1 for a
positive, 0 for a negative click): what the user's gestures alone say the object is now.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..core.clicks import Click
from ..core.disks import disk_maps, paint_disk
from ..core.geometry import CropTransform
from ..core.windowing import Window, apply_window

CHANNELS = ("user window", "HU -1000..1000")
WIDE_WINDOW = Window(0.0, 2000.0)
PAD_VALUE = -1.0  # air in every channel


def image_channels(slice_hu: np.ndarray, window: Window) -> np.ndarray:
    """(2, H, W) float32 in [-1, 1]: [user window, wide window]."""
    out = np.empty((2, *slice_hu.shape), dtype=np.float32)
    out[0] = apply_window(slice_hu, window)
    out[1] = apply_window(slice_hu, WIDE_WINDOW)
    out *= 2.0
    out -= 1.0
    return out


def click_prior(previous: np.ndarray, click: Click) -> np.ndarray:
    """A float32 copy of the previous probability map with `click`'s disk set to 1 or 0."""
    prior = np.array(previous, dtype=np.float32, copy=True)
    paint_disk(prior, click.y, click.x, click.radius, value=1.0 if click.positive else 0.0)
    return prior


def coord_features(prior: np.ndarray, clicks: Sequence[Click]) -> np.ndarray:
    """(3, h, w) float32: [prior, positive disks, negative disks], clicks in prior's pixels."""
    out = np.empty((3, *prior.shape), dtype=np.float32)
    out[0] = prior
    out[1:] = disk_maps(clicks, prior.shape)
    return out


def crop_inputs(
    channels: np.ndarray, prior: np.ndarray, clicks: Sequence[Click], transform: CropTransform
) -> tuple[np.ndarray, np.ndarray]:
    """Network inputs for one crop: image (C, h, w) and coords (3, h, w) at the crop size."""
    image = transform.crop(channels, PAD_VALUE)
    crop_prior = np.clip(transform.crop(prior, 0.0), 0.0, 1.0)
    crop_clicks = [transform.click_to_crop(c) for c in clicks]
    return image, coord_features(crop_prior, crop_clicks)
