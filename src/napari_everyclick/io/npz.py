"""Our `.npz` case format (see ../shared/data/README.md): ct, mask, spacing, window, source."""

from __future__ import annotations

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
    affine = np.diag([*spacing, 1.0])
    volume = CTVolume(
        hu=ct, spacing_mm=spacing, affine=affine, labels=labels, source=source, metadata=extra
    )
    if window is not None:
        volume.window = window
    return volume
