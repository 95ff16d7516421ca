"""NIfTI reading and label writing: HU, spacing and orientation survive a round trip."""

from __future__ import annotations

from pathlib import Path

import nibabel as nib
import numpy as np
import pytest

from napari_everyclick.core.errors import InvalidImageError, ReadError
from napari_everyclick.io import nifti
from napari_everyclick.io.nifti import read_nifti, write_labels_nifti

SHAPE_XYZ = (7, 6, 5)
ZOOMS_XYZ = (0.7, 0.8, 2.5)


def oblique_flipped_affine() -> np.ndarray:
    """(x, y, z) index -> mm: x and z axes flipped, rotated 30 degrees about z, with an offset."""
    t = np.deg2rad(30.0)
    rotation = np.array([[np.cos(t), -np.sin(t), 0.0], [np.sin(t), np.cos(t), 0.0], [0, 0, 1]])
    affine = np.eye(4)
    affine[:3, :3] = rotation @ np.diag([-ZOOMS_XYZ[0], ZOOMS_XYZ[1], -ZOOMS_XYZ[2]])
    affine[:3, 3] = (120.0, -80.0, 35.5)
    return affine


def ct_xyz() -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.integers(-1024, 2000, size=SHAPE_XYZ).astype(np.int16)


def save(data_xyz: np.ndarray, path: Path, affine: np.ndarray | None = None) -> Path:
    nib.save(
        nib.Nifti1Image(data_xyz, oblique_flipped_affine() if affine is None else affine), path
    )
    return path


def set_scaling(path: Path, slope: float, inter: float) -> None:
    """Write scl_slope / scl_inter into an uncompressed .nii header (nibabel's save would reset
    them to fit the array)."""
    with open(path, "r+b") as f:
        header = nib.Nifti1Header.from_fileobj(f)
        header["scl_slope"], header["scl_inter"] = slope, inter
        f.seek(0)
        header.write_to(f)


def test_read_transposes_to_zyx_and_keeps_the_voxel_to_world_mapping(tmp_path):
    data = ct_xyz()
    volume = read_nifti(save(data, tmp_path / "ct.nii.gz"))
    assert volume.shape == SHAPE_XYZ[::-1]
    assert volume.hu.dtype == np.int16
    np.testing.assert_array_equal(volume.hu, data.transpose(2, 1, 0))
    assert volume.spacing_mm == pytest.approx(ZOOMS_XYZ[::-1])
    for x, y, z in [(0, 0, 0), (6, 5, 4), (3, 1, 2)]:
        np.testing.assert_allclose(
            volume.affine @ [z, y, x, 1], oblique_flipped_affine() @ [x, y, z, 1], atol=1e-5
        )


def test_labels_round_trip_with_an_oblique_flipped_affine(tmp_path):
    source = tmp_path / "ct.nii.gz"
    volume = read_nifti(save(ct_xyz(), source))
    labels = np.zeros(volume.shape, dtype=np.int32)
    labels[1:3, 2:4, 1:5] = 1
    labels[4, 0, 0] = 2
    written = write_labels_nifti(labels, tmp_path / "labels.nii.gz", like=volume)
    again = read_nifti(written)
    np.testing.assert_array_equal(again.hu, labels)
    assert again.hu.dtype == np.uint8
    assert again.spacing_mm == pytest.approx(volume.spacing_mm)
    np.testing.assert_allclose(again.affine, volume.affine, atol=1e-5)
    on_disk, original = nib.load(written), nib.load(source)
    assert nib.aff2axcodes(on_disk.affine) == nib.aff2axcodes(original.affine)
    np.testing.assert_allclose(on_disk.affine, original.affine, atol=1e-5)
    assert int(on_disk.header["sform_code"]) == int(on_disk.header["qform_code"]) == 1


def test_integral_scaling_stays_int16(tmp_path):
    path = save(ct_xyz(), tmp_path / "ct.nii")
    set_scaling(path, 1.0, -1024.0)
    volume = read_nifti(path)
    assert volume.hu.dtype == np.int16
    np.testing.assert_array_equal(volume.hu, nib.load(path).get_fdata().transpose(2, 1, 0))
    assert int(volume.hu[0, 0, 0]) == int(ct_xyz()[0, 0, 0]) - 1024


def test_fractional_scaling_gives_float32(tmp_path):
    path = save(ct_xyz(), tmp_path / "ct.nii")
    set_scaling(path, 0.5, -10.25)
    volume = read_nifti(path)
    assert volume.hu.dtype == np.float32
    np.testing.assert_allclose(volume.hu, nib.load(path).get_fdata().transpose(2, 1, 0))


def test_display_range_in_the_header_is_the_window(tmp_path):
    img = nib.Nifti1Image(ct_xyz(), np.eye(4))
    img.header["cal_min"], img.header["cal_max"] = -160.0, 240.0
    nib.save(img, tmp_path / "ct.nii.gz")
    assert tuple(read_nifti(tmp_path / "ct.nii.gz").window) == (40.0, 400.0)
    img.header["cal_min"], img.header["cal_max"] = -1350.0, 150.0
    nib.save(img, tmp_path / "lung.nii.gz")
    assert tuple(read_nifti(tmp_path / "lung.nii.gz").window) == (-600.0, 1500.0)


def test_large_ids_are_written_as_uint16_and_an_affine_is_enough(tmp_path):
    labels = np.zeros((2, 3, 4), dtype=np.int64)
    labels[1, 2, 3] = 300
    affine = np.diag([3.0, 0.5, 0.5, 1.0])
    path = write_labels_nifti(labels, tmp_path / "ids", like=affine)
    assert path.name == "ids.nii.gz"
    again = read_nifti(path)
    assert again.hu.dtype == np.uint16
    np.testing.assert_array_equal(again.hu, labels)
    assert again.spacing_mm == pytest.approx((3.0, 0.5, 0.5))


def test_write_replaces_atomically(tmp_path, monkeypatch):
    target = tmp_path / "labels.nii.gz"
    affine = np.eye(4)
    write_labels_nifti(np.ones((2, 2, 2), np.uint8), target, like=affine)

    def broken_save(img, filename):
        Path(filename).write_bytes(b"half a file")
        raise OSError("disk full")

    monkeypatch.setattr(nifti.nib, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        write_labels_nifti(np.full((2, 2, 2), 2, np.uint8), target, like=affine)
    monkeypatch.undo()
    np.testing.assert_array_equal(read_nifti(target).hu, 1)  # the old file is intact
    assert [p.name for p in tmp_path.iterdir()] == ["labels.nii.gz"]  # no temporary left
    write_labels_nifti(np.full((2, 2, 2), 3, np.uint8), target, like=affine)
    np.testing.assert_array_equal(read_nifti(target).hu, 3)


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        (np.zeros((2, 3, 3), np.uint8), "do not fit the CT volume"),
        (np.full((2, 3, 4), -1, np.int16), "expected 0 \\(background\\)"),
        (np.zeros((2, 3, 4), np.float32), "expected integer lesion ids"),
    ],
)
def test_bad_labels_are_refused(tmp_path, labels, message):
    volume = read_nifti(save(np.zeros((4, 3, 2), np.int16), tmp_path / "ct.nii.gz"))
    with pytest.raises(InvalidImageError, match=message):
        write_labels_nifti(labels, tmp_path / "labels.nii.gz", like=volume)
    assert not (tmp_path / "labels.nii.gz").exists()


def test_truncated_file_is_a_read_error(tmp_path):
    path = save(ct_xyz(), tmp_path / "ct.nii.gz")
    path.write_bytes(path.read_bytes()[:300])
    with pytest.raises(ReadError, match="ct.nii.gz cannot be read as NIfTI"):
        read_nifti(path)


def test_4d_series_is_refused(tmp_path):
    path = save(np.zeros((4, 3, 2, 3), np.int16), tmp_path / "dyn.nii.gz", np.eye(4))
    with pytest.raises(ReadError, match="expected one 3D CT volume"):
        read_nifti(path)
