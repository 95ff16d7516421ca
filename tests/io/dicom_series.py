"""DICOM series written to a folder from pydicom's real CT slice (CT_small.dcm, 128 x 128, stored
int16, RescaleIntercept -1024, PixelSpacing 0.661468 mm)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pydicom
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset
from pydicom.uid import generate_uid

CT_SMALL = Path(get_testdata_file("CT_small.dcm"))
STEP_MM = 2.5
PIXEL_MM = 0.661468
AXIAL = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)


def write_series(
    folder: Path,
    count: int = 5,
    *,
    orientation: Sequence[float] = AXIAL,
    series_uid: str | None = None,
    prefix: str = "im",
    **attributes: object,
) -> list[Dataset]:
    """Write `count` slices of one series, in anatomical order k = 0..count-1.

    Slice k lies k * STEP_MM along the slice normal from CT_small's position, stores CT_small's
    pixels + 7k (so slices differ). File names and InstanceNumber both run in the reverse order
    (count - k), so only sorting by position gives the anatomical order. Extra keyword arguments
    are set on every slice. Returns the datasets.
    """
    folder.mkdir(parents=True, exist_ok=True)
    series_uid = series_uid or generate_uid()
    row, col = np.asarray(orientation[:3]), np.asarray(orientation[3:])
    normal = np.cross(row, col)
    written = []
    for k in range(count):
        ds = pydicom.dcmread(CT_SMALL)
        origin = np.asarray(ds.ImagePositionPatient, dtype=np.float64)
        ds.ImageOrientationPatient = [float(v) for v in orientation]
        ds.ImagePositionPatient = [float(v) for v in origin + k * STEP_MM * normal]
        ds.InstanceNumber = count - k
        ds.SeriesInstanceUID = series_uid
        ds.SOPInstanceUID = generate_uid()
        ds.PixelData = (ds.pixel_array + 7 * k).astype(np.int16).tobytes()
        for key, value in attributes.items():
            setattr(ds, key, value)
        ds.save_as(folder / f"{prefix}{count - k:03d}.dcm")
        written.append(ds)
    return written


def expected_hu(ds: Dataset) -> np.ndarray:
    """pydicom's own stored values times RescaleSlope plus RescaleIntercept, in float64."""
    return ds.pixel_array * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
