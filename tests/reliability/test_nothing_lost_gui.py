"""Nothing accepted is lost when the user moves between image layers: accepts keep going to the
image's labels layer, and the autosave beside the source keeps every accepted object."""

from __future__ import annotations

import nibabel as nib
import numpy as np
from widget import canvas
from widget.conftest import wait_idle

from napari_everyclick.core.phantom import make_phantom
from napari_everyclick.widget.dock import EveryClickWidget


def test_switching_images_keeps_the_labels_layer_and_the_autosave_keeps_every_accept(
    make_napari_viewer, qtbot, tmp_path
):
    phantom = make_phantom(shape=(6, 96, 96))
    source = tmp_path / "case.nii.gz"
    nib.save(nib.Nifti1Image(phantom.hu.T, np.diag([0.8, 0.8, 2.5, 1.0])), source)
    viewer = make_napari_viewer()
    (image,) = viewer.open(str(source), plugin="napari-everyclick")
    widget = EveryClickWidget(viewer)
    viewer.window.add_dock_widget(widget)
    widget.controls.method_combo.setCurrentText("disk")
    widget.controls.autosave_check.setChecked(True)
    autosaved = tmp_path / "case_everyclick_labels.nii.gz"
    saver = widget.annotator.autosaver
    viewer.dims.set_point(0, 3 * 2.5)

    def accept_at(y: float, x: float) -> None:
        canvas.drag(viewer, image, (3, y, x), (3, y, x + 5))
        wait_idle(qtbot, widget)
        widget.annotator.accept()
        qtbot.waitUntil(lambda: not saver.busy and saver.last_saved == autosaved, timeout=20_000)

    accept_at(30, 30)
    labels = viewer.layers["case lesions"]
    first = labels.data.copy()

    other = viewer.add_image(np.full((2, 8, 8), -500, np.int16), name="other")
    widget.controls.image_combo.setCurrentText(other.name)
    assert widget.annotator.image is other
    widget.controls.image_combo.setCurrentText(image.name)
    assert widget.annotator.image is image
    assert widget.annotator.target is labels  # back on its own labels layer
    assert widget.controls.labels_combo.currentText() == labels.name

    accept_at(60, 60)
    assert [lay.name for lay in viewer.layers if lay.name.startswith("case lesions")] == [
        "case lesions"
    ]
    assert sorted(np.unique(labels.data)) == [0, 1, 2]
    np.testing.assert_array_equal(labels.data == 1, first == 1)
    on_disk = np.asanyarray(nib.load(autosaved).dataobj).T
    np.testing.assert_array_equal(on_disk, labels.data)  # both accepts are in the file
