"""Bad input in the viewer: each gets its own napari notification, the bad click is dropped, and
the session goes on (a later good click works, the accepted label is untouched).

What napari itself refuses never reaches the plugin: a 1D, empty, complex or object array cannot
become an Image layer (napari raises while adding it), so those are covered at the API level
(tests/core/test_image.py, test_bad_input_api.py) and here only arrays napari does show.
One viewer plays every case in turn (a viewer costs seconds); a failure names its case. The bad
images are 3D like the phantom (the plugin's layers are remade when the dimensionality changes,
which costs a second each time) and the 8192x8192 one is hidden (napari would upload it).
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from widget import canvas
from widget.conftest import MASS, MASS_Z, wait_idle

from napari_everyclick.core.clicks import Click
from napari_everyclick.core.errors import InvalidClickError
from napari_everyclick.widget.layers import PREVIEW_LAYER

PHANTOM = "CT phantom"


class Session:
    """The phantom with the widget (flood) and one accepted lesion, and the notifications."""

    def __init__(self, viewer, widget, qtbot, notifications) -> None:
        self.viewer, self.widget, self.qtbot, self.notifications = (
            viewer,
            widget,
            qtbot,
            notifications,
        )
        self.image = viewer.layers[PHANTOM]
        self.cy, self.cx = MASS.center[1], MASS.center[2]
        self.gesture(self.image, (MASS_Z, self.cy, self.cx), (MASS_Z, self.cy, self.cx + 10))
        widget.annotator.accept()
        self.labels = viewer.layers[f"{PHANTOM} lesions"]
        self.accepted = self.labels.data.copy()
        assert self.accepted.any()
        notifications.take()

    def gesture(self, layer, start, end=None) -> list[tuple[str, str]]:
        """Click (or drag from start to end) on `layer` in data coordinates, wait; return the
        notifications shown meanwhile."""
        if end is None:
            canvas.click(self.viewer, layer, start)
        else:
            canvas.drag(self.viewer, layer, start, end)
        wait_idle(self.qtbot, self.widget)
        return self.notifications.take()

    def target(self, layer) -> list[tuple[str, str]]:
        """Choose `layer` as the CT image, as a user does in the combo box."""
        self.widget.controls.image_combo.setCurrentText(layer.name)
        return self.notifications.take()

    def check_alive(self) -> None:
        """Back on the phantom a drag gives a mask, and the accepted label is as it was."""
        viewer, widget = self.viewer, self.widget
        self.target(self.image)
        assert widget.annotator.image is self.image
        viewer.dims.set_point(viewer.dims.ndim - 3, MASS_Z * 3.0)  # its z, whatever else shows
        cy, cx = self.cy - 30, self.cx
        shown = self.gesture(self.image, (MASS_Z, cy, cx), (MASS_Z, cy, cx + 6))
        assert shown == []
        assert viewer.layers[PREVIEW_LAYER].data.any(), "a good click after the bad one failed"
        widget.annotator.reset_object()
        np.testing.assert_array_equal(self.labels.data, self.accepted)


def one(shown: list[tuple[str, str]], severity: str, pattern: str) -> None:
    """Exactly one notification was shown, of `severity`, matching `pattern`."""
    assert len(shown) == 1, shown
    got_severity, message = shown[0]
    assert got_severity == severity, shown
    assert re.search(pattern, message), message


def nan_and_inf(s: Session) -> None:
    hu = np.full((3, 32, 32), -100.0, np.float32)
    hu[1, 3, 3], hu[1, 4, 4] = np.nan, np.inf
    layer = s.viewer.add_image(hu, name="nan", contrast_limits=(-160, 240))
    s.viewer.dims.set_point(0, 1)
    assert s.target(layer) == []
    one(s.gesture(layer, (1, 16, 16)), "error", r"1 NaN and 1 infinite values; replace them")
    assert s.widget.annotator.editor.clicks == []  # the click is dropped
    s.viewer.dims.set_point(0, 2)  # a clean slice of the same image works
    assert s.gesture(layer, (2, 16, 16)) == []
    assert s.widget.annotator.editor.mask.any()


def slice_8192(s: Session) -> None:
    huge = np.broadcast_to(np.int16(-100), (1, 8192, 8192))  # zero-stride: no 128 MB buffer
    layer = s.viewer.add_image(huge, name="huge", contrast_limits=(-160, 240), visible=False)
    s.target(layer)
    shown = s.gesture(layer, (0, 4000, 4000))
    one(shown, "warning", r"8192x8192 pixels; at most 4096 per side")  # before any read
    assert s.widget.annotator.editor is None
    s.viewer.layers.remove(layer)  # it would slow every later redraw


def slice_1x1(s: Session) -> None:
    """Too small to segment with any radius: say so, not that the radius is too large."""
    layer = s.viewer.add_image(np.full((1, 1, 1), -100, np.int16), name="dot")
    s.target(layer)
    shown = s.gesture(layer, (0, 0, 0))
    one(shown, "warning", r"the slice is 1x1 pixels; at least 4x4 is needed")
    assert s.widget.annotator.editor is None


def click_outside(s: Session) -> None:
    shown = s.gesture(s.image, (MASS_Z, -20.0, 10.0))
    one(shown, "warning", r"the click is outside the image")
    editor = s.widget.annotator.editor
    assert editor is None or not editor.clicks
    assert s.gesture(s.image, (MASS_Z, 10.0, -30.0)) == []  # once in a row: no toast storm
    assert "outside the image" in s.widget.controls.status_label.text()


def radius_too_large_or_zero(s: Session) -> None:
    small = s.viewer.add_image(np.full((1, 16, 16), -100, np.int16), name="small")
    s.target(small)
    shown = s.gesture(small, (0, 8, 8), (0, 8, 300))
    one(shown, "warning", r"click radius 292.0 px is larger than the 16x16 slice")
    assert s.widget.annotator.editor is None  # nothing was started
    # a radius <= 0 cannot be entered: the spin box stops at 0.5 px, a Click refuses it
    spin = s.widget.controls.radius_spin
    spin.setValue(0.0)
    assert spin.value() == 0.5 and s.widget.settings.static_radius == 0.5
    with pytest.raises(InvalidClickError, match="radius must be > 0"):
        Click(8.0, 8.0, True, 0.0)
    spin.setValue(5.0)


def rgb_picture(s: Session) -> None:
    s.viewer.add_image(np.zeros((32, 32, 3), np.uint8), name="photo", rgb=True)
    shown = s.target(s.viewer.layers["photo"])
    one(shown, "warning", r"needs a grey 2D or 3D CT image; 'photo' is RGB")
    assert s.widget.annotator.image is None


def image_4d(s: Session) -> None:
    """Not an error in the viewer: a 4D layer (e.g. phases x slices) is segmented on its
    displayed 2D plane, and accepted there only."""
    hu = np.full((2, 3, 32, 32), -100, np.int16)
    hu[1, 2, 10:20, 10:20] = 60
    layer = s.viewer.add_image(hu, name="4d", contrast_limits=(-160, 240))
    s.viewer.dims.set_point(0, 1)
    s.viewer.dims.set_point(1, 2)
    s.target(layer)
    assert s.gesture(layer, (1, 2, 15, 15), (1, 2, 15, 19)) == []
    s.widget.annotator.accept()
    written = s.viewer.layers["4d lesions"].data
    assert written.shape == hu.shape
    assert written[1, 2, 15, 15] == 1 and written.sum() == written[1, 2].sum()


CASES = [
    nan_and_inf,
    slice_8192,
    slice_1x1,
    click_outside,
    radius_too_large_or_zero,
    rgb_picture,
    image_4d,
]


def test_bad_slices_in_the_viewer(phantom_viewer, dock_with, qtbot, notifications):
    s = Session(phantom_viewer, dock_with(method="flood"), qtbot, notifications)
    for case in CASES:
        try:
            case(s)
            s.check_alive()
        except AssertionError as exc:
            raise AssertionError(f"case {case.__name__}: {exc}") from exc


@pytest.mark.filterwarnings("ignore::numpy.exceptions.ComplexWarning")
@pytest.mark.parametrize(
    "data",
    [
        np.zeros(64),
        np.zeros((0, 0), np.int16),
        np.zeros((8, 8), np.complex64),
        np.zeros((8, 8), object),
    ],
    ids=["1D", "empty", "complex", "object"],
)
def test_arrays_napari_refuses_never_reach_the_plugin_but_the_api_names_them(data):
    from napari.layers import Image

    from napari_everyclick import InvalidImageError, open_session

    with pytest.raises((ValueError, NotImplementedError)):
        Image(data)  # what viewer.add_image builds: napari refuses the layer
    session = open_session("flood")
    session.set_image(np.full((16, 16), -100, np.int16))
    with pytest.raises(InvalidImageError, match=r"1D|0x0|complex|object"):
        session.set_image(data)
    assert session.click(Click(8.0, 8.0, True, 4.0)).any()  # the session goes on
