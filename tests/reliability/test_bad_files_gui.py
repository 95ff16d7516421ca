"""Bad files opened in napari: a grey photo is outlined with a warning that HU are expected; a DICOM folder with mixed series or a missing slice is refused with our ReadError
naming the problem, and the viewer and widget go on working."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest
import skimage.io
from widget import canvas
from widget.conftest import MASS, MASS_Z, wait_idle

from napari_everyclick.core.errors import ReadError
from napari_everyclick.widget.layers import PREVIEW_LAYER

PLUGIN = "napari-everyclick"


def dicom_series_module():
    """tests/io/dicom_series.py (tests/io is not a package: its helpers are top-level modules)."""
    if "dicom_series" not in sys.modules:
        path = Path(__file__).resolve().parent.parent / "io" / "dicom_series.py"
        spec = importlib.util.spec_from_file_location("dicom_series", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sys.modules["dicom_series"] = module
    return sys.modules["dicom_series"]


def test_a_grey_photo_warns_that_hu_are_expected_and_can_be_outlined(
    make_napari_viewer, dock_plugin, qtbot, notifications, tmp_path
):
    """A picture is opened by napari's own reader (ours claims CT formats only; a colour one
    becomes an RGB layer, which the widget refuses with a warning: test_bad_input_gui.py)."""
    rng = np.random.default_rng(3)
    photo = rng.integers(7, 60, size=(64, 80), dtype=np.uint8)
    photo[20:40, 30:50] = 243  # a bright square on a dark background, values 7..243
    path = tmp_path / "holiday.png"
    skimage.io.imsave(path, photo, check_contrast=False)
    viewer = make_napari_viewer()
    (layer,) = viewer.open(str(path))
    assert layer.data.shape == (64, 80) and not layer.rgb

    widget = dock_plugin(viewer)
    widget.controls.method_combo.setCurrentText("flood")
    assert widget.annotator.image is layer and widget.settings.method.name == "flood"
    canvas.drag(viewer, layer, (30, 40), (30, 47))
    wait_idle(qtbot, widget)
    (shown,) = notifications.take()  # relayed from the worker that read the slice
    assert shown[0] == "warning"
    assert "values span 7..243" in shown[1] and "not CT in Hounsfield units" in shown[1]
    mask = widget.annotator.editor.mask
    inside = mask[20:40, 30:50].sum()
    assert mask[30, 40] and inside > 50 and inside == mask.sum()  # still works, no leak
    widget.annotator.accept()
    assert viewer.layers["holiday lesions"].data[30, 40] == 1


def test_a_bad_dicom_folder_is_refused_by_name_and_the_viewer_goes_on(
    phantom_viewer, dock_with, qtbot, tmp_path
):
    series = dicom_series_module()
    mixed, gap = tmp_path / "mixed", tmp_path / "gap"
    series.write_series(mixed, 3, SeriesDescription="arterial")
    series.write_series(mixed, 2, SeriesDescription="venous", prefix="b")
    series.write_series(gap, 5)
    (gap / "im003.dcm").unlink()
    widget = dock_with(method="flood")
    viewer, image = phantom_viewer, phantom_viewer.layers["CT phantom"]
    layers_before = list(viewer.layers)
    cy, cx = MASS.center[1], MASS.center[2]
    for folder, pattern in (
        (mixed, r"holds 2 DICOM series; expected one(.|\n)*arterial, 3 files"),
        (gap, r"misses 1 slice\(s\) at"),
    ):
        with pytest.raises(ReadError, match=pattern) as err:
            viewer.open(str(folder), plugin=PLUGIN)
        assert str(folder) in str(err.value)
        assert list(viewer.layers) == layers_before
        canvas.drag(viewer, image, (MASS_Z, cy, cx), (MASS_Z, cy, cx + 8))
        wait_idle(qtbot, widget)
        assert viewer.layers[PREVIEW_LAYER].data.any()
        widget.annotator.reset_object()
