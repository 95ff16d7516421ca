"""The public API: names importable from the package root, open_session, method errors.

open_session imports every classical method (disk, flood, snake); until flood and snake exist
these tests fail with ImportError by design.
"""

from __future__ import annotations

import numpy as np
import pytest

import napari_everyclick
from napari_everyclick import (
    Click,
    DeviceError,
    EveryClickError,
    InvalidClickError,
    InvalidImageError,
    NotCTWarning,
    ReadError,
    Session,
    UnknownMethodError,
    WeightsError,
    available_methods,
    open_session,
)
from napari_everyclick.core.disks import disk_union


def test_root_exports_everything_in_all():
    for name in napari_everyclick.__all__:
        assert hasattr(napari_everyclick, name), name
    assert {"Click", "open_session", "Session"} <= set(napari_everyclick.__all__)


def test_core_package_does_not_import_torch_or_qt():
    import subprocess
    import sys

    code = (
        "import sys, napari_everyclick.core, napari_everyclick.core.clicker, "
        "napari_everyclick.core.classical.disk; "
        "bad = [m for m in ('torch', 'qtpy', 'PyQt5', 'napari') if m in sys.modules]; "
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


@pytest.mark.parametrize(
    "cls, base",
    [
        (InvalidImageError, ValueError),
        (InvalidClickError, ValueError),
        (ReadError, OSError),
        (WeightsError, OSError),
        (UnknownMethodError, KeyError),
        (DeviceError, RuntimeError),
    ],
)
def test_errors_share_one_base_and_a_builtin_one(cls, base):
    assert issubclass(cls, EveryClickError) and issubclass(cls, base)
    assert issubclass(NotCTWarning, UserWarning)


def test_unknown_method_error_message_is_not_quoted():
    err = UnknownMethodError("no method named 'x'; available: disk")
    assert str(err) == "no method named 'x'; available: disk"
    assert str(UnknownMethodError()) == ""


def test_open_session_disk_end_to_end():
    s = open_session("disk")
    assert isinstance(s, Session) and s.method == "disk"
    hu = np.full((32, 32), -100.0)
    s.set_image(hu, window="soft tissue")
    click = Click(y=16.0, x=16.0, positive=True, radius=6.0)
    mask = s.click(click)
    assert np.array_equal(mask, disk_union([click], (32, 32)))
    assert mask.sum() == 113  # lattice points within radius 6: N(6) = 113


def test_unknown_method_lists_the_available_ones():
    with pytest.raises(UnknownMethodError) as info:
        open_session("magic-wand")
    message = str(info.value)
    assert message.startswith("no method named 'magic-wand'; available: ")
    for name in ("disk", "flood", "snake"):
        assert name in message
    assert isinstance(info.value, KeyError)


def test_available_methods_start_with_the_classical_ones():
    infos = available_methods()
    names = [m.name for m in infos]
    assert names[:3] == ["disk", "flood", "snake"]
    assert all(m.kind == "classical" for m in infos[:3])
    assert all(m.summary for m in infos)
