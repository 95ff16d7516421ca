"""Plain pictures: read as a 1-slice volume of raw values, with a NotCTWarning."""

from __future__ import annotations

import numpy as np
import pytest
import skimage.io

from napari_everyclick.core.errors import NotCTWarning, ReadError
from napari_everyclick.io.pictures import read_picture


def test_colour_picture_becomes_luminance_with_a_warning(tmp_path):
    rgb = np.zeros((4, 5, 3), dtype=np.uint8)
    rgb[..., 0], rgb[..., 1], rgb[..., 2] = 200, 100, 50
    rgb[0, 0] = (0, 0, 0)
    skimage.io.imsave(tmp_path / "photo.png", rgb, check_contrast=False)
    with pytest.warns(NotCTWarning, match="not Hounsfield units"):
        volume = read_picture(tmp_path / "photo.png")
    assert volume.shape == (1, 4, 5)
    assert volume.spacing_mm == (1.0, 1.0, 1.0)
    luminance = 0.2125 * 200 + 0.7154 * 100 + 0.0721 * 50  # 117.645
    assert volume.hu.dtype == np.float32
    assert volume.hu[0, 1, 1] == pytest.approx(luminance)
    assert volume.hu[0, 0, 0] == 0.0
    assert volume.window.low == 0.0 and volume.window.high == pytest.approx(luminance)


def test_grey_picture_keeps_its_values_and_dtype(tmp_path):
    # 8 rows: imageio would write a 3- or 4-row array as RGB
    grey = np.arange(8 * 10, dtype=np.uint16).reshape(8, 10) * 100
    skimage.io.imsave(tmp_path / "slice.tif", grey, check_contrast=False)
    with pytest.warns(NotCTWarning):
        volume = read_picture(tmp_path / "slice.tif")
    assert volume.hu.dtype == np.uint16
    np.testing.assert_array_equal(volume.hu[0], grey)


def test_corrupt_picture_is_a_read_error(tmp_path):
    (tmp_path / "broken.png").write_bytes(b"\x89PNG not really")
    with pytest.raises(ReadError, match="broken.png cannot be read as a picture"):
        read_picture(tmp_path / "broken.png")
