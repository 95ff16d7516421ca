"""Checks that a 2D slice can be segmented, with a message that says what is wrong.

Every entry point (session, evaluation, widget) passes user data through `validate_slice`, so a
bad array fails here with the package's own exception instead of deep inside numpy or torch.
"""

from __future__ import annotations

import warnings

import numpy as np

from .errors import InvalidImageError, NotCTWarning

MIN_SIDE_PX = 4
MAX_SIDE_PX = 4096


def describe_array(arr: np.ndarray) -> str:
    return f"{arr.dtype} array of shape {tuple(arr.shape)}"


def as_array(data: object, what: str) -> np.ndarray:
    """np.asarray, with numpy's complaint about ragged nested lists turned into ours."""
    try:
        return np.asarray(data)
    except ValueError:
        raise InvalidImageError(
            f"the {what} is a nested sequence with rows of different lengths; expected a "
            "rectangular 2D array"
        ) from None


def check_dtype(arr: np.ndarray) -> None:
    """Raise unless the dtype holds real numbers (bool, integer or float)."""
    if arr.dtype.kind not in "biuf":
        kind = {"c": "complex", "O": "object", "U": "text", "S": "bytes", "M": "datetime"}.get(
            arr.dtype.kind, str(arr.dtype)
        )
        raise InvalidImageError(
            f"got a {kind} {describe_array(arr)}; expected real numbers (Hounsfield units as "
            "integers or floats)"
        )


def check_finite(arr: np.ndarray) -> None:
    """Raise if any value is NaN or infinite, saying how many."""
    if arr.dtype.kind == "f":
        bad = ~np.isfinite(arr)
        if bad.any():
            raise InvalidImageError(
                f"the image holds {int(np.isnan(arr).sum())} NaN and "
                f"{int(np.isinf(arr).sum())} infinite values; replace them (e.g. with -1024 HU, "
                "air) before segmenting"
            )


def check_slice_shape(shape: tuple[int, int]) -> None:
    """Raise unless both sides of an (H, W) slice lie in MIN_SIDE_PX..MAX_SIDE_PX pixels.

    Needs only the shape, so the widget checks a slice before reading it."""
    h, w = shape
    if min(h, w) < MIN_SIDE_PX:
        raise InvalidImageError(
            f"the slice is {h}x{w} pixels; at least {MIN_SIDE_PX}x{MIN_SIDE_PX} is needed"
        )
    if max(h, w) > MAX_SIDE_PX:
        raise InvalidImageError(
            f"the slice is {h}x{w} pixels; at most {MAX_SIDE_PX} per side is supported "
            "(CT slices are usually 512x512): crop or downsample it"
        )


def warn_if_not_ct(arr: np.ndarray) -> None:
    """Warn (NotCTWarning) when values look like an 8-bit photo rather than Hounsfield units."""
    if arr.size == 0:
        return
    lo, hi = float(arr.min()), float(arr.max())
    if arr.dtype == np.uint8 or (lo >= 0.0 and hi <= 255.0):
        warnings.warn(
            f"values span {lo:g}..{hi:g}, which looks like an 8-bit picture, not CT in "
            "Hounsfield units (air -1000, water 0, bone > 300); windows and models assume HU, "
            "so results may be poor",
            NotCTWarning,
            stacklevel=3,
        )


def validate_slice(slice_hu: np.ndarray) -> np.ndarray:
    """Return the slice as a new float32 (H, W) array in HU, or raise InvalidImageError.

    The result never shares memory with the input, so a caller editing its array later (a
    napari layer, a volume) cannot change a session's slice behind its back.

    Rejects: not 2D (RGB photos, volumes, 1D), non-numeric dtypes, NaN/inf, sides shorter than
    MIN_SIDE_PX or longer than MAX_SIDE_PX. Warns (NotCTWarning) on 0-255 data.
    """
    arr = as_array(slice_hu, "slice")
    check_dtype(arr)
    if arr.ndim == 3 and arr.shape[-1] in (3, 4):
        raise InvalidImageError(
            f"got an RGB(A) {describe_array(arr)}; expected one grey 2D CT slice (H, W) in HU"
        )
    if arr.ndim != 2:
        hint = " (a volume: pass one slice, e.g. volume[z])" if arr.ndim == 3 else ""
        raise InvalidImageError(
            f"got a {arr.ndim}D {describe_array(arr)}{hint}; expected a 2D slice (H, W) in HU"
        )
    check_slice_shape(arr.shape)
    check_finite(arr)
    warn_if_not_ct(arr)
    return np.array(arr, dtype=np.float32)


def validate_mask(mask: np.ndarray, shape: tuple[int, int], what: str = "mask") -> np.ndarray:
    """Return `mask` as a new bool (H, W) array, or raise if its shape differs from the slice's.

    A copy, like `validate_slice`: an initial mask handed to a session stays what it was even
    if the caller keeps editing its own array.
    """
    arr = as_array(mask, what)
    if arr.shape != tuple(shape):
        raise InvalidImageError(f"{what} has shape {arr.shape}; expected the slice's {shape}")
    return np.array(arr, dtype=bool)
