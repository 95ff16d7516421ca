"""The one in-memory CT record every reader returns."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..core.windowing import DEFAULT_WINDOW, Window


@dataclass
class CTVolume:
    """A CT volume in Hounsfield units.

    hu: (Z, Y, X) array in HU (int16 kept as read to avoid copies; float32 otherwise).
    spacing_mm: voxel size (z, y, x) in mm. affine: 4x4 voxel (z, y, x) index -> patient/world
    mm, kept for writing labels back in the source's orientation (NIfTI convention of the
    source file, reordered to our (z, y, x) axis order). labels: optional (Z, Y, X) uint
    lesion ids (0 = background). window: suggested display (level, width) in HU.
    """

    hu: np.ndarray
    spacing_mm: tuple[float, float, float]
    affine: np.ndarray = field(default_factory=lambda: np.eye(4))
    labels: np.ndarray | None = None
    window: Window = DEFAULT_WINDOW
    source: str = ""
    metadata: dict = field(default_factory=dict)

    @property
    def shape(self) -> tuple[int, int, int]:
        return tuple(self.hu.shape)  # type: ignore[return-value]
