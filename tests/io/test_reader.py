"""read_ct: dispatch on the path, and ReadError for what it cannot read."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from dicom_series import CT_SMALL

from napari_everyclick.core.errors import ReadError
from napari_everyclick.io import read_ct
from napari_everyclick.io.formats import detect_format


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("ct.nii.gz", "nifti"),
        ("CT.NII", "nifti"),
        ("case.npz", "npz"),
        ("slice.dcm", "dicom"),
        ("photo.JPG", "picture"),
        ("notes.txt", None),
        ("noextension", None),
    ],
)
def test_format_is_detected_from_the_name(tmp_path, name, expected):
    assert detect_format(tmp_path / name) == expected


def test_folders_and_extensionless_dicom_files_are_dicom(series):
    folder, datasets = series
    shutil.copy(CT_SMALL, folder.parent / "IM0001")
    assert detect_format(folder) == "dicom"
    assert detect_format(folder.parent / "IM0001") == "dicom"
    assert read_ct(folder.parent / "IM0001").shape == (1, 128, 128)
    assert read_ct(folder).shape == (len(datasets), 128, 128)


def test_series_uid_reaches_the_dicom_reader(series):
    folder, _ = series
    with pytest.raises(ReadError, match="has no series 9.9"):
        read_ct(folder, series_uid="9.9")


def test_missing_path_names_the_file_and_the_formats(tmp_path):
    with pytest.raises(ReadError, match=r"ct\.nii\.gz does not exist; expected a NIfTI file"):
        read_ct(tmp_path / "ct.nii.gz")


def test_unknown_format_is_a_read_error(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(ReadError, match="notes.txt is of an unknown format; expected"):
        read_ct(tmp_path / "notes.txt")


@pytest.mark.parametrize("name", ["ct.nii.gz", "ct.nii", "case.npz", "slice.dcm", "photo.png"])
def test_corrupt_files_are_read_errors_naming_the_file(tmp_path, name):
    (tmp_path / name).write_bytes(np.arange(200, dtype=np.uint8).tobytes())
    with pytest.raises(ReadError, match=name.replace(".", r"\.")):
        read_ct(tmp_path / name)
