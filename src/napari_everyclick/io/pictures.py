"""Plain 2D pictures (.png, .jpg, .tif, .bmp): a screenshot or exported slice, read as a 1-slice
volume so the tools still work on it, with a NotCTWarning since its values are not HU."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import skimage.io

from ..core.errors import NotCTWarning, ReadError
from ..core.windowing import Window
from .formats import PICTURE_SUFFIXES
from .volume import CTVolume

LUMINANCE_WEIGHTS = np.array([0.2125, 0.7154, 0.0721], dtype=np.float32)
"""ITU-R BT.709 weights of R, G, B, as skimage.color.rgb2gray uses."""


def read_picture(path: str | Path) -> CTVolume:
    """Read a grey or colour picture as a (1, Y, X) volume of its raw values, spacing 1 mm.

    Grey pictures keep their dtype; colour ones become float32 luminance (alpha dropped). The
    window spans the picture's value range. Warns NotCTWarning: the values are not Hounsfield
    units, so CT windows and models trained on CT may fit poorly.
    """
    path = Path(path)
    try:
        picture = np.asarray(skimage.io.imread(path))
    except Exception as exc:  # imageio tries several plugins; each fails its own way
        raise ReadError(
            f"{path} cannot be read as a picture ({exc}); expected an intact "
            f"{'/'.join(PICTURE_SUFFIXES)} file"
        ) from exc
    grey = _grey(path, picture)
    warnings.warn(
        f"{path.name} is a picture, not CT: its values ({grey.min()}..{grey.max()}) are not "
        "Hounsfield units, which windows and models expect; results may be poor",
        NotCTWarning,
        stacklevel=2,
    )
    low, high = float(grey.min()), float(grey.max())
    return CTVolume(
        hu=grey[np.newaxis],
        spacing_mm=(1.0, 1.0, 1.0),
        window=Window.from_range(low, max(high, low + 1.0)),
        source=path.name,
        metadata={"format": "picture"},
    )


def _grey(path: Path, picture: np.ndarray) -> np.ndarray:
    """(Y, X) grey values: the picture itself, or the luminance of its R, G, B channels."""
    if picture.ndim == 2:
        return picture
    if picture.ndim == 3 and picture.shape[-1] in (3, 4):
        return picture[..., :3].astype(np.float32) @ LUMINANCE_WEIGHTS
    if picture.ndim == 3 and picture.shape[-1] == 2:  # grey + alpha
        return picture[..., 0]
    raise ReadError(
        f"{path} holds an array of shape {picture.shape}; expected one 2D grey or RGB(A) picture"
    )
