"""`read_ct`: one entry point for every CT source, dispatching on the path.

The format modules are imported on first use, so reading one format does not pay for the other
formats' libraries (pydicom, imageio).
"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path

from ..core.errors import ReadError
from .formats import EXPECTED, detect_format
from .volume import CTVolume

READERS = {  # format -> (module, function)
    "nifti": (".nifti", "read_nifti"),
    "npz": (".npz", "read_npz_case"),
    "dicom": (".dicom", "read_dicom"),
    "picture": (".pictures", "read_picture"),
}


def read_ct(path: str | Path, series_uid: str | None = None) -> CTVolume:
    """Read CT from a NIfTI file, an .npz case, a DICOM file or series folder, or a picture.

    Returns HU as (z, y, x) with spacing (z, y, x) in mm (see CTVolume). series_uid picks one
    series in a DICOM folder holding several. Raises ReadError naming the file and what is
    expected when the path is missing, of an unknown format, or unreadable.
    """
    path = Path(path)
    if not path.exists():
        raise ReadError(f"{path} does not exist; {EXPECTED}")
    fmt = detect_format(path)
    if fmt is None:
        raise ReadError(f"{path} is of an unknown format; {EXPECTED}")
    module, function = READERS[fmt]
    reader = getattr(import_module(module, __package__), function)
    if fmt == "dicom":
        return reader(path, series_uid=series_uid)
    return reader(path)
