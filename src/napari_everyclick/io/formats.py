"""Which CT format a path holds, decided from its name (and a folder or extension-less file
from a look inside), without importing any format library."""

from __future__ import annotations

import zipfile
from pathlib import Path

from .npz import NPZ_KEYS

NIFTI_SUFFIXES = (".nii.gz", ".nii")
NPZ_SUFFIXES = (".npz",)
DICOM_SUFFIXES = (".dcm", ".dicom", ".ima")
PICTURE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp")
FORMAT_SUFFIXES = {
    "nifti": NIFTI_SUFFIXES,
    "npz": NPZ_SUFFIXES,
    "dicom": DICOM_SUFFIXES,
    "picture": PICTURE_SUFFIXES,
}
EXPECTED = (
    "expected a NIfTI file (.nii, .nii.gz), an everyclick case (.npz), a DICOM file (.dcm) or "
    f"a folder of one DICOM series, or a picture ({', '.join(PICTURE_SUFFIXES)})"
)


def has_dicom_marker(path: Path) -> bool:
    """True when the file carries DICOM Part 10's 'DICM' marker after its 128-byte preamble."""
    try:
        with open(path, "rb") as f:
            return f.read(132)[128:] == b"DICM"
    except OSError:
        return False


def holds_dicom(folder: Path) -> bool:
    """True when some file directly inside `folder` is DICOM (by marker)."""
    return any(p.is_file() and has_dicom_marker(p) for p in folder.iterdir())


def holds_npz_case(path: Path) -> bool:
    """True when the .npz archive has our case keys (ct, mask, spacing); reads only its index."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (OSError, zipfile.BadZipFile):
        return False
    return all(f"{key}.npy" in names for key in NPZ_KEYS)


def detect_format(path: str | Path) -> str | None:
    """The format of `path` ("nifti", "npz", "dicom" or "picture"), or None when unknown.

    Decided by the name, except for a folder (a DICOM series) and an extension-less file
    (DICOM when it has the 'DICM' marker). Does not check that the file is intact.
    """
    path = Path(path)
    if path.is_dir():
        return "dicom"
    name = path.name.lower()
    for fmt, suffixes in FORMAT_SUFFIXES.items():
        if name.endswith(suffixes):
            return fmt
    if not path.suffix and has_dicom_marker(path):
        return "dicom"
    return None
