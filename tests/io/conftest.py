"""Fixtures of the io tests. (This folder is not a package: one named `io` would shadow the
standard library's io module, so helpers are imported as top-level modules.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from dicom_series import write_series
from pydicom.dataset import Dataset


@pytest.fixture
def series(tmp_path: Path) -> tuple[Path, list[Dataset]]:
    """A 5-slice axial series folder and its datasets in anatomical order."""
    folder = tmp_path / "series"
    return folder, write_series(folder)
