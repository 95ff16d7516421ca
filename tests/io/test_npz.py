"""A real case from ../shared/data read through read_ct (skipped when the data are absent)."""

from __future__ import annotations

import numpy as np
import pytest

from napari_everyclick.io import read_ct


def test_val_case_matches_the_file(val_case):
    volume = read_ct(val_case)
    with np.load(val_case) as raw:
        assert volume.hu.dtype == np.int16 and volume.labels.dtype == np.uint8
        assert volume.shape == raw["ct"].shape == raw["mask"].shape
        assert volume.hu.ndim == 3 and volume.shape[0] >= 5  # lesion slices plus margins
        np.testing.assert_array_equal(volume.hu, raw["ct"])
        np.testing.assert_array_equal(volume.labels, raw["mask"])
        assert volume.spacing_mm == pytest.approx(tuple(raw["spacing"]))
        assert tuple(volume.window) == pytest.approx(tuple(raw["window"]))
    assert volume.labels.max() >= 1
    assert volume.hu.min() < -500 and volume.hu.max() > 200  # air / fat and bone: HU, not 0..255
    np.testing.assert_allclose(np.diag(volume.affine)[:3], volume.spacing_mm)
