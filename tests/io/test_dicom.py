"""DICOM series folders built from pydicom's real CT slice: order, spacing, HU, affine, errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pydicom
import pytest
from dicom_series import CT_SMALL, PIXEL_MM, STEP_MM, expected_hu, write_series

from napari_everyclick.core.errors import NotCTWarning, ReadError
from napari_everyclick.io.dicom import read_dicom


def test_series_is_sorted_by_position_with_hu_from_pydicom(series):
    folder, datasets = series
    volume = read_dicom(folder)
    assert volume.shape == (5, 128, 128)
    assert volume.hu.dtype == np.int16
    for k, ds in enumerate(datasets):
        np.testing.assert_array_equal(volume.hu[k], expected_hu(ds))
    assert volume.spacing_mm == pytest.approx((STEP_MM, PIXEL_MM, PIXEL_MM))
    assert volume.metadata["series_uid"] == datasets[0].SeriesInstanceUID


def test_non_integral_rescale_gives_float32(tmp_path):
    datasets = write_series(tmp_path, 3, RescaleSlope=0.5, RescaleIntercept=-1000.25)
    volume = read_dicom(tmp_path)
    assert volume.hu.dtype == np.float32
    for k, ds in enumerate(datasets):
        np.testing.assert_allclose(volume.hu[k], expected_hu(ds), rtol=0, atol=1e-3)
    assert float(volume.hu[0, 0, 0]) == pytest.approx(datasets[0].pixel_array[0, 0] * 0.5 - 1000.25)


def test_affine_maps_indices_to_patient_positions_in_ras(tmp_path):
    t = np.deg2rad(20.0)
    oblique = (1.0, 0.0, 0.0, 0.0, np.cos(t), np.sin(t))  # tilted about the x axis
    datasets = write_series(tmp_path, 4, orientation=oblique)
    volume = read_dicom(tmp_path)
    row, col = np.asarray(oblique[:3]), np.asarray(oblique[3:])
    for k, r, c in [(0, 0, 0), (3, 0, 0), (2, 10, 100), (1, 127, 5)]:
        lps = np.asarray(datasets[k].ImagePositionPatient) + r * PIXEL_MM * col + c * PIXEL_MM * row
        ras = lps * [-1.0, -1.0, 1.0]
        np.testing.assert_allclose(volume.affine @ [k, r, c, 1.0], [*ras, 1.0], atol=1e-6)
    assert volume.spacing_mm[0] == pytest.approx(STEP_MM)
    np.testing.assert_array_equal(volume.hu[3], expected_hu(datasets[3]))


def test_instance_number_orders_slices_without_positions(tmp_path):
    datasets = write_series(tmp_path, 3)
    for file in tmp_path.iterdir():
        ds = pydicom.dcmread(file)
        del ds.ImagePositionPatient
        ds.InstanceNumber = {1: 2, 2: 3, 3: 1}[int(ds.InstanceNumber)]  # file order != instance
        ds.save_as(file)
    volume = read_dicom(tmp_path)
    by_instance = [datasets[0], datasets[2], datasets[1]]  # instance numbers 1, 2, 3
    for k, ds in enumerate(by_instance):
        np.testing.assert_array_equal(volume.hu[k], expected_hu(ds))
    assert volume.spacing_mm[0] == pytest.approx(5.0)  # SliceThickness


def test_single_file_is_a_one_slice_volume():
    volume = read_dicom(CT_SMALL)
    ds = pydicom.dcmread(CT_SMALL)
    assert volume.shape == (1, 128, 128)
    np.testing.assert_array_equal(volume.hu[0], ds.pixel_array.astype(np.int32) - 1024)
    assert volume.spacing_mm == pytest.approx((5.0, PIXEL_MM, PIXEL_MM))
    assert tuple(volume.window) == (40.0, 400.0)  # CT_small has no window: soft tissue


def test_window_is_the_first_of_several(tmp_path):
    write_series(tmp_path, 2, WindowCenter=[-600, 40], WindowWidth=[1500, 400])
    assert tuple(read_dicom(tmp_path).window) == (-600.0, 1500.0)


def test_non_dicom_files_in_the_folder_are_skipped(series):
    folder, _ = series
    (folder / "README.txt").write_text("exported by the scanner")
    (folder / "notes").write_bytes(b"\x00" * 300)
    assert read_dicom(folder).shape == (5, 128, 128)


def test_mixed_series_are_listed_and_one_can_be_picked(tmp_path):
    first = write_series(tmp_path, 3, SeriesDescription="arterial")
    second = write_series(tmp_path, 2, SeriesDescription="venous", prefix="b")
    with pytest.raises(ReadError) as err:
        read_dicom(tmp_path)
    message = str(err.value)
    assert first[0].SeriesInstanceUID in message and second[0].SeriesInstanceUID in message
    assert "arterial, 3 files" in message and "venous, 2 files" in message
    assert "series_uid" in message
    picked = read_dicom(tmp_path, series_uid=second[0].SeriesInstanceUID)
    assert picked.shape == (2, 128, 128)
    np.testing.assert_array_equal(picked.hu[1], expected_hu(second[1]))
    with pytest.raises(ReadError, match="has no series 1.2.3"):
        read_dicom(tmp_path, series_uid="1.2.3")


def test_missing_slice_is_named(series):
    folder, datasets = series
    (folder / "im003.dcm").unlink()  # slice k = 2
    missing_at = float(datasets[2].ImagePositionPatient[2])  # axial: the normal is +z
    with pytest.raises(ReadError, match=f"misses 1 slice\\(s\\) at {missing_at:.2f} mm"):
        read_dicom(folder)


def test_two_slices_at_one_position_are_refused(series):
    folder, _ = series
    ds = pydicom.dcmread(folder / "im002.dcm")
    ds.SOPInstanceUID = pydicom.uid.generate_uid()
    ds.save_as(folder / "copy.dcm")
    with pytest.raises(ReadError, match="same position"):
        read_dicom(folder)


def test_slices_of_different_sizes_are_refused(series):
    folder, _ = series
    ds = pydicom.dcmread(folder / "im002.dcm")
    ds.PixelData = ds.pixel_array[:64].tobytes()
    ds.Rows = 64
    ds.save_as(folder / "im002.dcm")
    with pytest.raises(ReadError, match="differ in size.*128x128: 4 files.*64x128: 1 files"):
        read_dicom(folder)


def test_a_slice_of_another_orientation_is_refused(series):
    folder, _ = series
    ds = pydicom.dcmread(folder / "im002.dcm")
    ds.ImageOrientationPatient = [0.0, 1.0, 0.0, 0.0, 0.0, -1.0]  # a sagittal localizer
    ds.save_as(folder / "im002.dcm")
    with pytest.raises(ReadError, match="im002.dcm and .* differ in ImageOrientationPatient"):
        read_dicom(folder)


def test_malformed_header_value_is_a_read_error(tmp_path):
    write_series(tmp_path, 2, PixelSpacing=[0.5])
    with pytest.raises(ReadError, match="header value is malformed"):
        read_dicom(tmp_path)


def test_other_modalities_warn_but_read(tmp_path):
    write_series(tmp_path, 2, Modality="MR")
    with pytest.warns(NotCTWarning, match="is MR, not CT"):
        assert read_dicom(tmp_path).shape == (2, 128, 128)


def test_garbage_dcm_file_is_a_read_error(tmp_path):
    path = tmp_path / "slice.dcm"
    path.write_bytes(b"not a dicom file at all" * 20)
    with pytest.raises(ReadError, match="slice.dcm is not a DICOM file"):
        read_dicom(path)


def test_truncated_pixel_data_is_a_read_error(tmp_path):
    path = tmp_path / "cut.dcm"
    shutil.copy(CT_SMALL, path)
    with open(path, "r+b") as f:
        f.truncate(path.stat().st_size - 5000)
    with pytest.raises(ReadError, match="cut.dcm"):
        read_dicom(path)


def test_folder_without_dicom_is_a_read_error(tmp_path):
    (tmp_path / "a.txt").write_text("x")
    with pytest.raises(ReadError, match="holds no DICOM image"):
        read_dicom(tmp_path)


def test_missing_path_is_a_read_error(tmp_path: Path):
    with pytest.raises(ReadError, match="does not exist"):
        read_dicom(tmp_path / "nowhere")
