"""Reader -> widget -> writer: labels drawn in napari land on the right voxels of the source's
orientation and spacing (an oblique, flipped NIfTI; a small phantom crop as the CT)."""

from __future__ import annotations

import nibabel as nib
import numpy as np

from napari_everyclick.core.phantom import make_phantom

from . import canvas
from .conftest import wait_idle


def oblique_affine(spacing_xyz) -> np.ndarray:
    """x flipped, a 10 degree rotation about z, and an offset: a realistic scanner affine."""
    t = np.deg2rad(10.0)
    rot = np.array([[-np.cos(t), -np.sin(t), 0], [-np.sin(t), np.cos(t), 0], [0, 0, 1]])
    affine = np.eye(4)
    affine[:3, :3] = rot @ np.diag(spacing_xyz)
    affine[:3, 3] = (120.0, -80.0, 35.5)
    return affine


def test_nifti_read_accept_write_keeps_spacing_and_orientation(make_napari_viewer, qtbot, tmp_path):
    phantom = make_phantom(shape=(6, 96, 96))
    hu_zyx = phantom.hu
    source = tmp_path / "case.nii.gz"
    affine = oblique_affine((0.7, 0.8, 2.5))
    nib.save(nib.Nifti1Image(hu_zyx.T, affine), source)

    viewer = make_napari_viewer()
    (image,) = viewer.open(str(source), plugin="napari-everyclick")
    np.testing.assert_allclose(image.scale, (2.5, 0.8, 0.7))
    np.testing.assert_array_equal(image.data, hu_zyx)
    _, widget = viewer.window.add_plugin_dock_widget("napari-everyclick", "Every Click")
    widget.controls.autosave_check.setChecked(True)
    z, y, x = 3, 40, 30
    viewer.dims.set_point(0, z * 2.5)
    canvas.drag(viewer, image, (z, y, x), (z, y, x + 6))
    wait_idle(qtbot, widget, timeout=60_000)  # the default method may be a model: it loads first
    widget.annotator.accept()
    labels = viewer.layers["case lesions"]
    assert labels.data[z, y, x] == 1
    autosaved = tmp_path / "case_everyclick_labels.nii.gz"
    qtbot.waitUntil(lambda: widget.annotator.autosaver.last_saved == autosaved, timeout=20_000)
    np.testing.assert_array_equal(np.asanyarray(nib.load(autosaved).dataobj).T, labels.data)
    assert not list(tmp_path.glob(".*tmp*"))  # the temporary file was moved into place

    out = tmp_path / "case_labels.nii.gz"
    viewer.layers.selection = {labels}
    assert viewer.layers.save(str(out), selected=True, plugin="napari-everyclick") == [str(out)]
    saved = nib.load(out)
    np.testing.assert_allclose(saved.affine, affine, atol=1e-5)
    np.testing.assert_allclose(saved.header.get_zooms()[:3], (0.7, 0.8, 2.5), atol=1e-6)
    data_xyz = np.asanyarray(saved.dataobj)
    np.testing.assert_array_equal(data_xyz.T, labels.data)
    assert data_xyz[x, y, z] == 1


def test_an_npz_cases_own_outlines_stay_apart_from_the_widgets_layer(
    make_napari_viewer, qtbot, tmp_path
):
    """Before: the file's outlines were named "case lesions", so the widget's layer for the
    same image became "case lesions [1]" beside them."""
    phantom = make_phantom(shape=(6, 96, 96))
    source = tmp_path / "case.npz"
    np.savez(source, ct=phantom.hu, mask=phantom.labels, spacing=np.array([2.5, 0.8, 0.8]))
    viewer = make_napari_viewer()
    image, from_file = viewer.open(str(source), plugin="napari-everyclick")
    assert from_file.name == "case lesions (from file)"
    _, widget = viewer.window.add_plugin_dock_widget("napari-everyclick", "Every Click")
    widget.controls.method_combo.setCurrentText("flood")
    z, y, x = 3, 40, 30
    viewer.dims.set_point(0, z * 2.5)
    canvas.drag(viewer, image, (z, y, x), (z, y, x + 6))
    wait_idle(qtbot, widget)
    widget.annotator.accept()
    ours = viewer.layers["case lesions"]
    assert ours is not from_file and ours.data[z, y, x] == 1
    np.testing.assert_array_equal(from_file.data, phantom.labels)
