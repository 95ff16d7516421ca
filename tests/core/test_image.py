"""Slice validation: every bad input fails with InvalidImageError and a message naming it."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from napari_everyclick import InvalidImageError, NotCTWarning
from napari_everyclick.core.classical.disk import DiskSegmenter
from napari_everyclick.core.errors import EveryClickError
from napari_everyclick.core.image import (
    MAX_SIDE_PX,
    MIN_SIDE_PX,
    validate_mask,
    validate_slice,
)
from napari_everyclick.core.session import Session


def ct(shape=(32, 32)):
    rng = np.random.default_rng(0)
    return rng.normal(-500, 400, size=shape).astype(np.int16)


def test_ct_slice_passes_as_float32_without_warning():
    hu = ct()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = validate_slice(hu)
    assert out.dtype == np.float32 and out.shape == (32, 32)
    np.testing.assert_array_equal(out, hu.astype(np.float32))


@pytest.mark.parametrize(
    "arr, pattern",
    [
        (np.zeros((32, 32, 3)), r"RGB\(A\) float64 array of shape \(32, 32, 3\)"),
        (np.zeros((32, 32, 4), np.uint8), r"RGB\(A\) uint8 array of shape \(32, 32, 4\)"),
        (np.zeros((5, 32, 32)), r"3D .*\(5, 32, 32\).*a volume: pass one slice"),
        (np.zeros((2, 3, 32, 32)), r"got a 4D float64 array of shape \(2, 3, 32, 32\)"),
        (np.zeros(64), r"got a 1D float64 array of shape \(64,\)"),
        (np.float64(3.0), r"got a 0D"),
        (np.zeros((0, 0)), r"the slice is 0x0 pixels; at least 4x4"),
        (np.zeros((1, 1)), r"the slice is 1x1 pixels; at least 4x4"),
        (np.zeros((3, 512)), r"the slice is 3x512 pixels"),
        (np.zeros((512, 0)), r"the slice is 512x0 pixels"),
        (np.zeros((8, 8), np.complex64), r"got a complex complex64 array"),
        (np.zeros((8, 8), dtype=object), r"got a object object array"),
        (np.full((8, 8), "a"), r"got a text"),
    ],
)
def test_bad_slices(arr, pattern):
    with pytest.raises(InvalidImageError, match=pattern):
        validate_slice(arr)


def test_huge_slice_is_rejected_without_allocating():
    huge = np.broadcast_to(np.int16(0), (8192, 8192))  # zero-stride view, no 128 MB buffer
    with pytest.raises(InvalidImageError, match=r"8192x8192 pixels; at most 4096 per side"):
        validate_slice(huge)
    tall = np.broadcast_to(np.int16(-1000), (MAX_SIDE_PX + 1, 16))
    with pytest.raises(InvalidImageError, match="at most"):
        validate_slice(tall)


def test_side_limits_are_inclusive():
    validate_slice(np.broadcast_to(np.int16(-1000), (MIN_SIDE_PX, MAX_SIDE_PX)))


def test_nan_and_inf_are_counted():
    hu = np.full((16, 16), -1000.0)
    hu[0, 0] = np.nan
    hu[1, :2] = np.nan
    hu[5, 5] = np.inf
    hu[6, 6] = -np.inf
    with pytest.raises(InvalidImageError, match="3 NaN and 2 infinite values"):
        validate_slice(hu)


def test_only_inf():
    hu = np.zeros((8, 8), np.float32) - 1000
    hu[3, 3] = np.inf
    with pytest.raises(InvalidImageError, match="0 NaN and 1 infinite"):
        validate_slice(hu)


def test_errors_are_the_package_error_and_value_error():
    with pytest.raises(EveryClickError):
        validate_slice(np.zeros(3))
    with pytest.raises(ValueError):
        validate_slice(np.zeros(3))


def test_uint8_picture_warns_but_works():
    picture = np.tile(np.arange(256, dtype=np.uint8), (16, 1))
    with pytest.warns(NotCTWarning, match="0..255.*8-bit picture"):
        out = validate_slice(picture)
    np.testing.assert_array_equal(out, picture.astype(np.float32))


def test_float_picture_in_0_255_warns():
    with pytest.warns(NotCTWarning):
        validate_slice(np.full((8, 8), 12.5))


def test_session_accepts_a_picture_with_a_warning():
    s = Session(DiskSegmenter())
    with pytest.warns(NotCTWarning):
        s.set_image(np.full((20, 20), 128, np.uint8))
    assert s.shape == (20, 20)


def test_bool_and_integer_dtypes_are_accepted():
    with pytest.warns(NotCTWarning):
        assert validate_slice(np.ones((8, 8), bool)).dtype == np.float32
    assert validate_slice(np.full((8, 8), -1000, np.int32)).dtype == np.float32


def test_non_arrays_are_converted():
    out = validate_slice([[-1000, 0, 100, 2000]] * 4)
    assert out.shape == (4, 4)


def test_validate_mask():
    m = validate_mask(np.eye(5, dtype=np.uint8), (5, 5))
    assert m.dtype == bool and m.sum() == 5
    with pytest.raises(InvalidImageError, match=r"initial mask has shape \(5, 4\).*\(5, 5\)"):
        validate_mask(np.zeros((5, 4)), (5, 5), "initial mask")


def test_validated_arrays_are_new_arrays():
    hu = np.full((8, 8), -1000.0, np.float32)
    out = validate_slice(hu)
    assert not np.shares_memory(out, hu)
    mask = np.zeros((8, 8), bool)
    assert not np.shares_memory(validate_mask(mask, (8, 8)), mask)


def test_ragged_nested_lists_raise_the_package_error():
    ragged = [[-1000, 0, 100, 200], [0, 1]] * 2
    with pytest.raises(InvalidImageError, match="rows of different lengths"):
        validate_slice(ragged)
    with pytest.raises(InvalidImageError, match="rows of different lengths"):
        validate_mask([[1, 0], [1]], (2, 2))
