"""Sample definition: (slice, lesion) pairs with >= 16 px; --largest-slice; --data forms."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import ndimage

from napari_everyclick.core.errors import ReadError
from napari_everyclick.evaluation.samples import MIN_LESION_PX, iter_samples


def test_lesion_slices_below_16_px_are_skipped(case_path):
    samples = list(iter_samples([case_path]))
    assert [(s.z, s.lesion) for s in samples] == [(0, 1), (1, 1), (2, 2)]
    assert all(s.target.sum() >= MIN_LESION_PX for s in samples)
    assert all(s.hu.shape == (40, 48) and s.window == (40.0, 400.0) for s in samples)


def test_largest_slice_keeps_one_slice_per_lesion(case_path):
    samples = list(iter_samples([case_path], largest_slice=True))
    assert [(s.z, s.lesion) for s in samples] == [(1, 1), (2, 2)]


def test_manifest_folder_filters_by_split(case_path, tmp_path):
    manifest = [
        {"case": "case_a", "path": case_path.name, "split": "val"},
        {"case": "case_b", "path": "missing.npz", "split": "train"},
    ]
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    assert len(list(iter_samples([tmp_path], split="val"))) == 3


def test_missing_path_raises_read_error(tmp_path):
    with pytest.raises(ReadError, match="neither"):
        list(iter_samples([tmp_path / "nope.npz"]))


def test_shrunk_samples_make_small_lesions_on_full_size_slices(case_path):
    from napari_everyclick.evaluation.samples import case_samples, shrunk_samples

    samples = case_samples(case_path)
    small = shrunk_samples(samples, 5.0, 8.0)
    assert len(small) == len(samples)
    for before, after in zip(samples, small):
        assert after.hu.shape == before.hu.shape and after.target.shape == before.target.shape
        diameter = 2.0 * np.sqrt(after.target.sum() / np.pi)
        before_diameter = 2.0 * np.sqrt(before.target.sum() / np.pi)
        assert after.target.any() and diameter <= max(9.0, before_diameter)
    # the 113-px lesion (diameter 12 px) really shrinks
    big = max(range(len(samples)), key=lambda i: samples[i].target.sum())
    assert small[big].target.sum() < samples[big].target.sum()
    assert shrunk_samples(samples, 5.0, 8.0)[big].target.sum() == small[big].target.sum()


def test_contrasted_samples_give_each_lesion_an_edge_and_keep_its_outline(case_path):
    from napari_everyclick.evaluation.samples import case_samples, contrasted_samples

    samples = case_samples(case_path)
    bright = contrasted_samples(samples, 60.0, 60.0)
    for i, (before, after) in enumerate(zip(samples, bright)):
        np.testing.assert_array_equal(after.target, before.target)
        change = after.hu - before.hu
        sign = 1.0 if i % 2 == 0 else -1.0  # brighter, then darker
        inside = ndimage.binary_erosion(before.target, iterations=2)
        outside = ~ndimage.binary_dilation(before.target, iterations=3)
        assert np.allclose(change[inside], sign * 60.0, atol=0.5)
        assert np.abs(change[outside]).max() < 0.5
    magnitudes = [
        float(np.abs(a.hu - b.hu).max())
        for a, b in zip(contrasted_samples(samples, 20, 80), samples)
    ]
    assert all(10.0 < m <= 80.0 for m in magnitudes) and len(set(np.round(magnitudes))) > 1
