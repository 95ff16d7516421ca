"""The CT phantom: seeded, HU-realistic tissues, lesions of several sizes with matching truth."""

from __future__ import annotations

import numpy as np

from napari_everyclick.core.phantom import (
    HU_LUNG,
    PHANTOM_SHAPE,
    PHANTOM_SPACING_MM,
    make_phantom,
)


def test_default_phantom_shape_types_and_seed():
    a = make_phantom()
    b = make_phantom()
    assert a.hu.shape == PHANTOM_SHAPE and a.hu.dtype == np.int16
    assert a.labels.shape == PHANTOM_SHAPE and a.labels.dtype == np.uint8
    assert a.spacing_mm == PHANTOM_SPACING_MM
    np.testing.assert_array_equal(a.hu, b.hu)
    assert not np.array_equal(a.hu, make_phantom(seed=1).hu)


def test_tissues_are_in_hounsfield_units():
    p = make_phantom()
    z = PHANTOM_SHAPE[0] // 2
    assert np.median(p.hu[z, :5, :5]) < -950  # air outside the body
    assert abs(np.median(p.hu[z, 128, 128]) - 40) < 60  # soft tissue in the middle
    lung = p.hu[z, 95:115, 62:82]
    assert abs(np.median(lung) - HU_LUNG) < 80
    assert p.hu.max() > 700  # bone
    noise = p.hu[z, 120:136, 120:136].astype(float).std()
    assert 8 < noise < 30


def test_lesions_match_their_truth_and_vary_in_size_and_contrast():
    p = make_phantom()
    assert 3 <= len(p.lesions) <= 5
    radii, contrasts = [], []
    for lesion in p.lesions:
        mask = p.labels == lesion.label
        assert mask.any()
        assert abs(np.mean(p.hu[mask]) - lesion.hu) < 5
        radii.append(max(lesion.semi_axes[1:]))
        ring = np.zeros_like(mask)
        zc = round(lesion.center[0])
        ys, xs = np.nonzero(mask[zc])
        ring[zc, max(ys.min() - 4, 0) : ys.max() + 5, max(xs.min() - 4, 0) : xs.max() + 5] = True
        around = ring & ~mask & (p.labels == 0)
        contrasts.append(abs(lesion.hu - np.median(p.hu[around])))
    assert min(radii) <= 8 and max(radii) >= 30
    assert min(contrasts) >= 60  # every lesion stands out of its surroundings


def test_small_phantom_for_fast_tests():
    p = make_phantom(shape=(8, 96, 96))
    assert p.hu.shape == (8, 96, 96)
    assert len(np.unique(p.labels)) > 1
