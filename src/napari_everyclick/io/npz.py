"""Our `.npz` case format (see ../shared/data/README.md): ct, mask, spacing, window, source."""

from __future__ import annotations

import warnings
import zipfile
from pathlib import Path

import numpy as np

from ..core.errors import ReadError
from ..core.windowing import Window
from .volume import CTVolume

NPZ_KEYS = ("ct", "mask", "spacing")


def read_npz_case(path: str | Path) -> CTVolume:
    """Read one case file; raise ReadError naming the file and the missing/bad key."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            missing = [k for k in NPZ_KEYS if k not in data.files]
            if missing:
                raise ReadError(
                    f"{path} is not an everyclick case: it lacks {', '.join(missing)} "
                    f"(expected keys {', '.join(NPZ_KEYS)}, optional window, source)"
                )
            ct = data["ct"]
            labels = data["mask"]
            spacing = tuple(float(s) for s in data["spacing"])
            window = Window(*(float(v) for v in data["window"])) if "window" in data else None
            source = str(data["source"]) if "source" in data else path.stem
            extra = {"slice_index": data["slice_index"]} if "slice_index" in data else {}
    except ReadError:
        raise
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise ReadError(f"{path} cannot be read as an .npz case: {exc}") from None
    if ct.ndim != 3 or labels.shape != ct.shape or len(spacing) != 3:
        raise ReadError(
            f"{path}: ct {ct.shape}, mask {labels.shape}, spacing {spacing}; expected (Z, Y, X) "
            "arrays of one shape and 3 spacings"
        )
    if "slice_index" in extra:
        _check_slice_index(path, np.asarray(extra["slice_index"]), ct.shape[0])
    affine = np.diag([*spacing, 1.0])
    volume = CTVolume(
        hu=ct, spacing_mm=spacing, affine=affine, labels=labels, source=source, metadata=extra
    )
    if window is not None:
        volume.window = window
    return volume


def _check_slice_index(path: Path, slice_index: np.ndarray, n_slices: int) -> None:
    """Refuse a slice_index that does not name each slice; warn when slices of the original
    series are missing between kept ones (the format allows it, but the volume then lacks them:
    volumes come out too small and propagation steps over the gap)."""
    if slice_index.shape != (n_slices,) or not np.issubdtype(slice_index.dtype, np.integer):
        raise ReadError(
            f"{path}: slice_index is {slice_index.dtype} {slice_index.shape}; expected one "
            f"integer per slice ({n_slices})"
        )
    jumps = np.nonzero(np.diff(slice_index.astype(np.int64)) != 1)[0]
    if jumps.size:
        where = ", ".join(f"{slice_index[k]} to {slice_index[k + 1]}" for k in jumps[:3])
        warnings.warn(
            f"{path}: its slices are not neighbours in the original series (slice_index goes "
            f"from {where}{' ...' if jumps.size > 3 else ''}); the slices between are missing, "
            "so lesion volumes come out too small and propagation jumps across the gap",
            UserWarning,
            stacklevel=3,
        )
