"""The npe2 reader and writer hooks: LayerData tuples and a labels round trip, without napari."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from pathlib import Path

import nibabel as nib
import numpy as np
import pytest
from dicom_series import PIXEL_MM, STEP_MM

from napari_everyclick.io.layers import (
    array_digest,
    array_recovery_labels_path,
    get_reader,
    labels_layer_name,
    read_layers,
    recovered_array_labels,
    recovery_labels_path,
    saved_labels_path,
    write_labels,
)
from napari_everyclick.io.nifti import read_nifti


def test_npz_case_gives_an_image_and_a_labels_layer(val_case):
    reader = get_reader(str(val_case))
    assert reader is read_layers
    (hu, image_meta, image_kind), (labels, labels_meta, labels_kind) = reader(str(val_case))
    with np.load(val_case) as raw:
        np.testing.assert_array_equal(hu, raw["ct"])
        np.testing.assert_array_equal(labels, raw["mask"])
        spacing = tuple(float(s) for s in raw["spacing"])
        level, width = (float(v) for v in raw["window"])
    assert (image_kind, labels_kind) == ("image", "labels")
    assert hu.dtype == np.int16  # as read, no float copy
    assert image_meta["name"] == val_case.stem
    assert labels_meta["name"] == f"{val_case.stem} lesions (from file)"
    assert (
        image_meta["scale"] == pytest.approx(spacing)
        and labels_meta["scale"] == image_meta["scale"]
    )
    assert image_meta["contrast_limits"] == pytest.approx((level - width / 2, level + width / 2))
    assert image_meta["colormap"] == "gray"
    metadata = image_meta["metadata"]
    assert metadata["window"] == pytest.approx((level, width))
    assert metadata["spacing_mm"] == pytest.approx(spacing)
    assert metadata["source_path"] == str(val_case)
    np.testing.assert_allclose(metadata["affine"], np.diag([*spacing, 1.0]), rtol=1e-6)
    np.testing.assert_allclose(labels_meta["metadata"]["affine"], metadata["affine"])


def test_dicom_folder_gives_one_image_layer(series):
    folder, datasets = series
    layers = get_reader([str(folder)])([str(folder)])
    assert len(layers) == 1
    hu, meta, kind = layers[0]
    assert kind == "image" and hu.shape == (len(datasets), 128, 128)
    assert meta["name"] == "series"
    assert meta["scale"] == pytest.approx((STEP_MM, PIXEL_MM, PIXEL_MM))
    assert meta["contrast_limits"] == pytest.approx((-160.0, 240.0))
    assert meta["metadata"]["series_uid"] == datasets[0].SeriesInstanceUID


def test_paths_it_cannot_read_get_no_reader(tmp_path):
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "a.txt").write_text("x")
    assert get_reader(str(tmp_path / "notes.txt")) is None
    assert get_reader(str(tmp_path / "plain")) is None  # a folder without DICOM
    np.savez(tmp_path / "other.npz", image=np.zeros((2, 2)))
    assert get_reader(str(tmp_path / "other.npz")) is None  # not an everyclick case
    assert get_reader([str(tmp_path / "a.nii.gz"), str(tmp_path / "b.nii.gz")]) is None


def test_labels_written_from_the_reader_meta_round_trip(series, tmp_path):
    folder, _ = series
    (image,) = read_layers(str(folder))
    labels = np.zeros(image[0].shape, dtype=np.int32)
    labels[1:4, 30:60, 40:90] = 3
    meta = {
        "scale": image[1]["scale"],
        "translate": (0.0, 0.0, 0.0),
        "metadata": image[1]["metadata"],
    }
    written = write_labels(str(tmp_path / "out.nii.gz"), labels, meta)
    assert written == [str(tmp_path / "out.nii.gz")]
    again = read_nifti(written[0])
    np.testing.assert_array_equal(again.hu, labels)
    np.testing.assert_allclose(again.affine, image[1]["metadata"]["affine"], atol=1e-5)
    assert again.spacing_mm == pytest.approx(image[1]["scale"])


def test_without_an_affine_the_scale_and_translate_place_the_labels(tmp_path):
    labels = np.zeros((6, 5), dtype=np.uint8)
    labels[2, 3] = 1
    meta = {"scale": (0.5, 0.25), "translate": (10.0, -4.0), "metadata": {}}
    (written,) = write_labels(str(tmp_path / "drawn"), labels, meta)
    assert written.endswith("drawn.nii.gz")
    again = read_nifti(written)
    assert again.shape == (1, 6, 5)
    np.testing.assert_array_equal(again.hu[0], labels)
    assert again.spacing_mm == pytest.approx((1.0, 0.5, 0.25))
    np.testing.assert_allclose(again.affine @ [0, 2, 3, 1], [0.0, 11.0, -3.25, 1.0])


def test_hooks_import_neither_napari_nor_qt():
    code = (
        "import sys, napari_everyclick.io.layers; "
        "bad = [m for m in sys.modules if m == 'napari' or m.startswith(('napari.', 'qtpy', 'PyQt'))]; "
        "print(bad); sys.exit(bool(bad))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], check=False, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_saved_labels_open_with_their_ct_as_the_widgets_layer_and_on_their_own(series):
    """Before: reopening a CT did not bring back its autosaved labels, and opening the labels
    file itself gave a grey image of ids."""
    folder, _ = series
    (image,) = read_layers(str(folder))
    labels = np.zeros(image[0].shape, dtype=np.uint16)
    labels[1:4, 30:60, 40:90] = 3
    saved = saved_labels_path(folder)
    assert saved == folder.parent / "series_everyclick_labels.nii.gz"
    meta = {"scale": image[1]["scale"], "metadata": image[1]["metadata"]}
    write_labels(str(saved), labels, meta)

    (again, (data, labels_meta, kind)) = read_layers(str(folder))
    assert again[1]["name"] == "series" and kind == "labels"
    assert labels_meta["name"] == labels_layer_name("series") == "series lesions"
    np.testing.assert_array_equal(data, labels)
    assert labels_meta["metadata"]["labels_file"] == str(saved)
    assert labels_meta["scale"] == pytest.approx(image[1]["scale"])

    ((alone, alone_meta, alone_kind),) = read_layers(str(saved))
    assert alone_kind == "labels" and alone_meta["name"] == "series_everyclick_labels"
    np.testing.assert_array_equal(alone, labels)
    copy = folder.parent / "renamed.nii.gz"  # ours by its header, whatever its name
    copy.write_bytes(saved.read_bytes())
    assert read_layers(str(copy))[0][2] == "labels"


def test_saved_labels_that_do_not_fit_the_ct_are_left_closed_with_a_warning(series):
    folder, _ = series
    (image,) = read_layers(str(folder))
    meta = {"scale": image[1]["scale"], "metadata": image[1]["metadata"]}
    write_labels(str(saved_labels_path(folder)), np.ones((2, 8, 8), np.uint8), meta)
    with pytest.warns(UserWarning, match="do not fit this CT"):
        layers = read_layers(str(folder))
    assert [kind for _, _, kind in layers] == ["image"]


def _write_beside_and_in_recovery(folder, beside, recovered, recovery_newer: bool = True):
    """Write `beside` (None: nothing) beside the CT and `recovered` as its recovery copy, the
    recovery copy a minute newer (or older)."""
    (image,) = read_layers(str(folder))
    meta = {"scale": image[1]["scale"], "metadata": image[1]["metadata"]}
    recovery = recovery_labels_path(folder)
    recovery.parent.mkdir(parents=True, exist_ok=True)
    write_labels(str(recovery), recovered, meta)
    if beside is not None:
        saved = saved_labels_path(folder)
        write_labels(str(saved), beside, meta)
        when = saved.stat().st_mtime
        os.utime(recovery, (when + (60 if recovery_newer else -60),) * 2)
    return image[0].shape, recovery


def _one_lesion(folder) -> np.ndarray:
    """Labels for the CT in `folder`: lesion 1, a 20-px square on slice 2."""
    labels = np.zeros(read_layers(str(folder))[0][0].shape, np.uint8)
    labels[2, 20:40, 20:40] = 1
    return labels


def test_lesions_never_saved_come_back_from_the_recovery_copy_with_a_warning(series, recovery_dir):
    folder, _ = series
    lesions = _one_lesion(folder)
    _, recovery = _write_beside_and_in_recovery(folder, None, lesions)
    assert recovery.parent == recovery_dir and recovery.name.startswith("series-")
    with pytest.warns(UserWarning, match="not saved beside the CT.*recovery copy"):
        (_, (data, meta, kind)) = read_layers(str(folder))
    assert kind == "labels" and meta["name"] == "series lesions"
    assert meta["metadata"]["labels_file"] == str(recovery)
    np.testing.assert_array_equal(data, lesions)


def test_a_recovery_copy_newer_than_the_saved_file_and_different_wins(series):
    folder, _ = series
    saved = _one_lesion(folder)
    later = saved.copy()
    later[3, 5:9, 5:9] = 2  # one more lesion, accepted after
    _write_beside_and_in_recovery(folder, saved, later)
    with pytest.warns(UserWarning, match="series_everyclick_labels.nii.gz is left as it is"):
        (_, (data, _, _)) = read_layers(str(folder))
    np.testing.assert_array_equal(data, later)


@pytest.mark.parametrize("case", ["same labels", "recovery older", "recovery empty"])
def test_the_saved_file_opens_quietly_when_the_recovery_copy_adds_nothing(series, case):
    folder, _ = series
    saved = _one_lesion(folder)
    shape = saved.shape
    recovered = {
        "same labels": saved,
        "recovery older": np.ones(shape, np.uint8),
        "recovery empty": np.zeros(shape, np.uint8),
    }[case]
    _, recovery = _write_beside_and_in_recovery(folder, saved, recovered, case != "recovery older")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (_, (data, meta, _)) = read_layers(str(folder))
    np.testing.assert_array_equal(data, saved)
    assert meta["metadata"]["labels_file"] == str(saved_labels_path(folder))
    # a copy holding nothing the saved file does not is removed; one that differs is kept
    assert recovery.is_file() == (case == "recovery older")


def test_a_recovery_copy_that_cannot_be_removed_or_does_not_fit_stays(series, monkeypatch):
    folder, _ = series
    saved = _one_lesion(folder)
    _, recovery = _write_beside_and_in_recovery(folder, saved, saved)

    def read_only(self, missing_ok=False):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "unlink", read_only)
    (_, (data, _, _)) = read_layers(str(folder))  # a read-only cache: opens as before
    np.testing.assert_array_equal(data, saved)
    monkeypatch.undo()
    assert recovery.is_file()
    nib.save(nib.Nifti1Image(np.ones((4, 4, 1), np.uint8), np.eye(4)), recovery)  # not this CT's
    read_layers(str(folder))
    assert recovery.is_file()


def test_recovery_copies_of_two_cts_of_one_name_keep_apart(tmp_path, recovery_dir):
    one, two = tmp_path / "a" / "ct.nii.gz", tmp_path / "b" / "ct.nii.gz"
    assert recovery_labels_path(one) != recovery_labels_path(two)
    assert recovery_labels_path(one).parent == recovery_dir


def test_an_array_recovery_copy_comes_back_for_its_values_alone(recovery_dir):
    image = np.arange(4 * 5 * 6, dtype=np.int16).reshape(4, 5, 6)
    digest = array_digest(image)
    assert digest == array_digest(image.copy()) == array_digest(np.asfortranarray(image))
    for other in (image + 1, image.astype(np.int32), image.reshape(4, 6, 5), image[:, :, ::-1]):
        assert array_digest(other) != digest
    assert array_digest(image.tolist()) is None  # not an array in memory: not read for a key
    assert array_digest(image[np.newaxis]) is None  # 4D: no labels file holds it

    path = array_recovery_labels_path(digest)
    assert path.parent == recovery_dir and recovered_array_labels(digest, image.shape) is None
    lesions = np.zeros(image.shape, np.uint16)
    lesions[2, 1:3, 2:4] = 3
    write_labels(str(path), lesions, {"scale": (2.0, 0.7, 0.7)})
    got, written = recovered_array_labels(digest, image.shape)
    np.testing.assert_array_equal(got, lesions)
    assert written == path.stat().st_mtime
    assert recovered_array_labels(digest, (4, 5, 7)) is None and path.is_file()

    write_labels(str(path), lesions[2], {})  # a 2D image's labels: written as one slice
    got, _ = recovered_array_labels(digest, lesions[2].shape)
    np.testing.assert_array_equal(got, lesions[2])

    path.write_bytes(b"not a nifti")  # a damaged copy: left for the user, not opened
    assert recovered_array_labels(digest, image.shape) is None and path.is_file()
    write_labels(str(path), np.zeros_like(lesions), {})  # no lesion: removed
    assert recovered_array_labels(digest, image.shape) is None and not path.exists()


@pytest.mark.parametrize(
    ("voxels", "kind"),
    [
        (np.array([0, 1, 2], np.uint8), "labels"),  # another tool's mask, no label intent
        (np.array([0, 1], np.int16), "labels"),
        (np.array([-1000, 40, 700], np.int16), "image"),  # a CT in HU
        (np.array([0, 1], np.float32), "image"),  # a float mask stays grey: ids are integers
    ],
)
def test_a_nifti_of_small_non_negative_integers_opens_as_labels(tmp_path, voxels, kind):
    data = np.resize(voxels, (4, 6, 6)).astype(voxels.dtype)
    nib.save(nib.Nifti1Image(data.T, np.diag([0.7, 0.7, 2.0, 1.0])), tmp_path / "m.nii.gz")
    ((read, meta, got),) = read_layers(str(tmp_path / "m.nii.gz"))
    assert got == kind
    np.testing.assert_array_equal(read, data)
    assert meta["scale"] == pytest.approx((2.0, 0.7, 0.7))
