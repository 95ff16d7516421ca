"""Our .npz case format: a real case from ../shared/data read through read_ct (skipped when the
data are absent), and generated files that break the format's promises."""

from __future__ import annotations

import numpy as np
import pytest

from napari_everyclick.core.errors import ReadError
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


def _case(path, slice_index):
    np.savez(
        path,
        ct=np.zeros((4, 8, 8), np.int16),
        mask=np.zeros((4, 8, 8), np.uint8),
        spacing=np.array([3.0, 1.0, 1.0], np.float32),
        slice_index=np.asarray(slice_index),
    )
    return path


def test_slices_missing_from_the_original_series_are_named(tmp_path, recwarn):
    read_ct(_case(tmp_path / "whole.npz", [7, 8, 9, 10]))
    assert not [w for w in recwarn if "neighbours" in str(w.message)]
    with pytest.warns(UserWarning, match="goes from 8 to 12"):
        volume = read_ct(_case(tmp_path / "gap.npz", [7, 8, 12, 13]))
    assert volume.shape == (4, 8, 8)  # still readable: the format allows it
    with pytest.raises(ReadError, match="one integer per slice"):
        read_ct(_case(tmp_path / "short.npz", [7, 8]))
