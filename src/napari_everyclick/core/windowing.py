"""CT windowing: Hounsfield units to display / network intensities in [0, 1].

A window is (level, width) in HU; it maps [level - width/2, level + width/2] linearly to [0, 1]
and clips outside. The presets are the usual radiology ones; the thesis's per-dataset clip
ranges (methods spec 5.4) are given as their (level, width) equivalents.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .errors import InvalidImageError


class Window(NamedTuple):
    """A CT display window in HU: centre `level` and full `width` (> 0)."""

    level: float
    width: float

    @property
    def low(self) -> float:
        return self.level - self.width / 2.0

    @property
    def high(self) -> float:
        return self.level + self.width / 2.0

    @classmethod
    def from_range(cls, low_hu: float, high_hu: float) -> Window:
        return cls((low_hu + high_hu) / 2.0, high_hu - low_hu)


WINDOW_PRESETS: dict[str, Window] = {
    "soft tissue": Window(40.0, 400.0),  # mediastinum / soft tissue; the sarcoma data's window
    "lung": Window.from_range(-900.0, 600.0),  # thesis LIDC: L -150 / W 1500
    "liver": Window.from_range(-45.0, 105.0),  # thesis LiTS: L 30 / W 150
    "kidney/pancreas": Window.from_range(-150.0, 250.0),  # thesis KiTS / MSD pancreas: L 50 / W 400
    "bone": Window(400.0, 1800.0),
}
DEFAULT_WINDOW = WINDOW_PRESETS["soft tissue"]


def as_window(window: Window | tuple[float, float] | str) -> Window:
    """A Window from a preset name or a (level, width) pair; raise on a non-positive width."""
    if isinstance(window, str):
        try:
            return WINDOW_PRESETS[window]
        except KeyError:
            raise InvalidImageError(
                f"unknown window preset {window!r}; choose one of {sorted(WINDOW_PRESETS)} "
                "or give (level, width) in HU"
            ) from None
    try:
        level, width = (float(v) for v in window)
    except (TypeError, ValueError):
        raise InvalidImageError(
            f"window must be (level, width) in HU or a preset name, got {window!r}"
        ) from None
    if not np.isfinite(level):
        raise InvalidImageError(f"window level must be a finite number in HU, got {level}")
    if not np.isfinite(width) or width <= 0:
        raise InvalidImageError(f"window width must be a finite number > 0 HU, got {width}")
    return Window(level, width)


def apply_window(hu: np.ndarray, window: Window | tuple[float, float]) -> np.ndarray:
    """Map HU to float32 in [0, 1] through the window (level, width); clip outside it."""
    level, width = window
    low = level - width / 2.0
    out = (np.asarray(hu, dtype=np.float32) - np.float32(low)) / np.float32(width)
    return np.clip(out, 0.0, 1.0, out=out)
