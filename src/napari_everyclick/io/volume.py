"""The one in-memory CT record every reader returns, and the stored-value -> HU conversion
the NIfTI and DICOM readers share."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ..core.windowing import DEFAULT_WINDOW, Window

INT16_RANGE = (np.iinfo(np.int16).min, np.iinfo(np.int16).max)


@dataclass
class CTVolume:
    """A CT volume in Hounsfield units.

    hu: (Z, Y, X) array in HU (int16 kept as read to avoid copies; float32 otherwise).
    spacing_mm: voxel size (z, y, x) in mm. affine: 4x4 voxel (z, y, x) index -> patient/world
    mm, kept for writing labels back in the source's orientation (NIfTI convention of the
    source file, reordered to our (z, y, x) axis order). labels: optional (Z, Y, X) uint
    lesion ids (0 = background). window: suggested display (level, width) in HU.

    Affine convention: world coordinates are NIfTI's RAS+ mm (x grows towards the patient's
    Right, y Anterior, z Superior) whatever the source format; the DICOM reader converts
    DICOM's LPS+ patient coordinates to RAS+ (negates x and y), so labels written with
    `write_labels_nifti` overlay the source in any NIfTI viewer.
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


def stack_hu(
    stored: Sequence[np.ndarray], slopes: Sequence[float], intercepts: Sequence[float]
) -> np.ndarray:
    """Stack 2D (Y, X) stored slices into (Z, Y, X) HU = stored * slope + intercept per slice.

    The result is int16 when every slope and intercept is integral and the HU range fits int16
    (the usual CT case: half the memory of float32, a quarter of float64), float32 otherwise.
    Slices are converted one at a time, so the only full-size array is the result.
    """
    integral = all(float(v).is_integer() for v in (*slopes, *intercepts))
    ends = [
        value * slope + intercept
        for s, slope, intercept in zip(stored, slopes, intercepts)
        for value in (float(s.min()), float(s.max()))
    ]
    fits = INT16_RANGE[0] <= min(ends) and max(ends) <= INT16_RANGE[1]
    dtype = np.int16 if integral and fits else np.float32
    out = np.empty((len(stored), *stored[0].shape), dtype=dtype)
    for k, (s, slope, intercept) in enumerate(zip(stored, slopes, intercepts)):
        out[k] = s * float(slope) + float(intercept)  # exact for integral values
    return out
