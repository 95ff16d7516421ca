"""napari reader and writer hooks (npe2 contributions), importing neither napari nor Qt.

Layers carry their voxel size as `scale` (z, y, x) in mm, and the source's (z, y, x) index ->
RAS+ mm affine in `metadata["affine"]`, so labels drawn on the image are written back in the
source's orientation.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .formats import FORMAT_SUFFIXES, detect_format, holds_dicom, holds_npz_case
from .nifti import write_labels_nifti
from .reader import read_ct
from .volume import CTVolume

LayerData = tuple[Any, dict, str]
PathLike = str | Sequence[str]


def get_reader(path: PathLike) -> Callable[[PathLike], list[LayerData]] | None:
    """npe2 reader: `read_layers` when `path` is a CT source read_ct knows, else None.

    A folder counts only when it directly holds a DICOM file, and an .npz only when it has our
    case keys, so napari can offer other plugins' readers for other folders and archives.
    """
    path = _single_path(path)
    if path is None:
        return None
    fmt = detect_format(path)
    if fmt is None:
        return None
    if fmt == "dicom" and path.is_dir() and not holds_dicom(path):
        return None
    if fmt == "npz" and not holds_npz_case(path):
        return None
    return read_layers


def read_layers(path: PathLike) -> list[LayerData]:
    """The CT at `path` as napari LayerData: an Image layer of HU, plus a Labels layer of the
    lesion ids when the source has them (.npz cases)."""
    source = _single_path(path)
    if source is None:
        raise ValueError(f"expected one path, got {path!r}")
    return volume_layers(read_ct(source), source)


def volume_layers(volume: CTVolume, path: Path) -> list[LayerData]:
    """LayerData for a CTVolume read from `path`: HU as read (no float copy), scale in mm."""
    name = _layer_name(path)
    window = volume.window
    geometry = {
        "spacing_mm": volume.spacing_mm,
        "affine": volume.affine,
        "source_path": str(path),
    }
    image_meta = {
        "name": name,
        "scale": volume.spacing_mm,
        "metadata": {
            **volume.metadata,
            **geometry,
            "window": (window.level, window.width),
            "source": volume.source,
        },
        "contrast_limits": (window.low, window.high),
        "colormap": "gray",
    }
    layers: list[LayerData] = [(volume.hu, image_meta, "image")]
    if volume.labels is not None:
        # not "{name} lesions": that is the name of the widget's own layer (widget/layers.py),
        # which would then come out as "{name} lesions [1]" beside the file's outlines
        labels_meta = {
            "name": f"{name} lesions (from file)",
            "scale": volume.spacing_mm,
            "metadata": geometry,
        }
        layers.append((volume.labels, labels_meta, "labels"))
    return layers


def write_labels(path: str, data: Any, meta: dict) -> list[str]:
    """npe2 writer for one Labels layer: a .nii.gz in the source's orientation.

    Uses meta["metadata"]["affine"] (set by our reader) when present, else builds the affine
    from the layer's scale (mm per voxel) and translate. A 2D layer is written as one slice.
    Returns the path written.
    """
    labels = np.asarray(data)
    scale = tuple(meta.get("scale", (1.0,) * labels.ndim))
    translate = tuple(meta.get("translate", (0.0,) * labels.ndim))
    if labels.ndim == 2:
        labels, scale, translate = labels[np.newaxis], (1.0, *scale), (0.0, *translate)
    affine = (meta.get("metadata") or {}).get("affine")
    if affine is None:
        affine = np.diag([*scale, 1.0])
        affine[:-1, -1] = translate
    return [str(write_labels_nifti(labels, path, np.asarray(affine, dtype=np.float64)))]


def _single_path(path: PathLike) -> Path | None:
    """The one path napari passes (a str, or a list of one); None for several."""
    if isinstance(path, (list, tuple)):
        return Path(path[0]) if len(path) == 1 else None
    return Path(path)


def _layer_name(path: Path) -> str:
    """The file name without its format suffix (a folder's own name)."""
    name = path.name
    for suffix in (s for suffixes in FORMAT_SUFFIXES.values() for s in suffixes):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name
