"""napari reader and writer hooks (npe2 contributions), importing neither napari nor Qt.

Layers carry their voxel size as `scale` (z, y, x) in mm, and the source's (z, y, x) index ->
RAS+ mm affine in `metadata["affine"]`, so labels drawn on the image are written back in the
source's orientation.

Saved outlines come back: the widget autosaves a CT's labels as `<name>_everyclick_labels.nii.gz`
beside it (`saved_labels_path`); opening the CT again opens that file too, as the Labels layer
the widget writes to (`<name> lesions`), and opening a labels file on its own (ours are marked
with NIfTI's label intent), or any NIfTI of integers within 0..255 (another tool's masks),
gives a Labels layer, not a grey image. Outlines never saved come back too, from the widget's
recovery copy (io.recovery, `recovery_labels_path`) when it is newer than the file beside the CT
and differs from it; a copy that adds nothing to that file is removed.
"""

from __future__ import annotations

import hashlib
import logging
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..core.errors import ReadError
from .formats import FORMAT_SUFFIXES, detect_format, holds_dicom, holds_npz_case
from .nifti import read_nifti, write_labels_nifti
from .reader import read_ct
from .recovery import discard, recovery_dir
from .volume import CTVolume

LayerData = tuple[Any, dict, str]
PathLike = str | Sequence[str]

log = logging.getLogger(__name__)


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


SAVED_LABELS_SUFFIX = "_everyclick_labels.nii.gz"
"""The suffix of the file the widget autosaves a CT's labels to, beside the CT."""


def saved_labels_path(source: Path) -> Path:
    """`<source name>_everyclick_labels.nii.gz` beside a CT file or DICOM folder."""
    return source.parent / f"{_layer_name(source)}{SAVED_LABELS_SUFFIX}"


def recovery_labels_path(source: Path) -> Path:
    """The recovery copy of the labels of the CT at `source` (a file or DICOM folder):
    `<recovery dir>/<source name>-<12 hex digits of the sha1 of its absolute path>` +
    `_everyclick_labels.nii.gz`, so CTs of one name in different folders keep apart."""
    digest = hashlib.sha1(str(Path(source).resolve()).encode("utf-8")).hexdigest()[:12]
    return recovery_dir() / f"{_layer_name(source)}-{digest}{SAVED_LABELS_SUFFIX}"


def array_digest(data: Any) -> str | None:
    """32 hex digits of the BLAKE2b of an in-memory image's shape, dtype and values: the key of
    the recovery copy of an image not read from a file (a sample, a NumPy array). None for an
    image that has no such copy: a lazy array (dask, zarr), all of whose voxels would have to be
    read, or one of more than 3 dimensions, which the copy's labels file cannot hold."""
    if not isinstance(data, np.ndarray) or data.ndim > 3:
        return None
    digest = hashlib.blake2b(repr((data.shape, data.dtype.str)).encode("utf-8"), digest_size=16)
    digest.update(np.ascontiguousarray(data).data)
    return digest.hexdigest()


def array_recovery_labels_path(digest: str) -> Path:
    """The recovery copy of the labels of an image not read from a file, by its `array_digest`:
    `<recovery dir>/array-<digest>_everyclick_labels.nii.gz`."""
    return recovery_dir() / f"array-{digest}{SAVED_LABELS_SUFFIX}"


def recovered_array_labels(digest: str, shape: tuple[int, ...]) -> tuple[np.ndarray, float] | None:
    """The lesions of the recovery copy of an image not read from a file (its `array_digest`
    and `shape`), and when they were written (seconds since the epoch); None when there is no
    copy, or one that cannot be read. A copy holding no lesion is removed."""
    path = array_recovery_labels_path(digest)
    if not path.is_file():
        return None
    try:
        labels = labels_file_layer(path)[0]
    except ReadError as exc:
        log.warning("recovery copy %s not opened: %s", path, exc)
        return None
    if len(shape) == 2 and labels.shape == (1, *shape):
        labels = labels[0]  # a 2D image's labels are written as one slice
    if labels.shape != tuple(shape):
        return None
    if not labels.any():
        discard(path)
        return None
    return labels, path.stat().st_mtime


def labels_layer_name(image_name: str) -> str:
    """The name of the Labels layer the widget writes an image's lesions to."""
    return f"{image_name} lesions"


def read_layers(path: PathLike) -> list[LayerData]:
    """The CT at `path` as napari LayerData: an Image layer of HU, plus a Labels layer of the
    lesion ids when the source has them (.npz cases), plus the labels saved beside it (see the
    module's doc). A labels file of ours opened on its own is one Labels layer."""
    source = _single_path(path)
    if source is None:
        raise ValueError(f"expected one path, got {path!r}")
    volume = read_ct(source)
    if detect_format(source) == "nifti" and (
        source.name.endswith(SAVED_LABELS_SUFFIX)
        or volume.metadata.get("label_intent", False)
        or looks_like_labels(volume.hu)
    ):
        return [_labels_layer(volume, source)]
    layers = volume_layers(volume, source)
    saved = _saved_labels_layer(saved_labels_path(source), layers[0])
    recovered = _recovered_labels_layer(recovery_labels_path(source), layers[0], saved)
    chosen = recovered or saved
    return layers if chosen is None else [*layers, chosen]


def looks_like_labels(voxels: np.ndarray) -> bool:
    """Integer values all within 0..255: a mask or label map (say, another tool's segmentation),
    not a CT, whose HU run from about -1000 (air) to several hundred (bone)."""
    return (
        voxels.dtype.kind in "iu"
        and voxels.size > 0
        and int(voxels.min()) >= 0
        and int(voxels.max()) <= 255
    )


def labels_file_layer(path: Path, name: str | None = None) -> LayerData:
    """A labels NIfTI as a Labels layer (integer ids, (z, y, x), scale in mm); its metadata
    records the file it came from (`labels_file`) beside the geometry."""
    return _labels_layer(read_nifti(path), path, name)


def _labels_layer(volume: CTVolume, path: Path, name: str | None = None) -> LayerData:
    if volume.hu.dtype.kind not in "iu":
        raise ReadError(f"{path} holds {volume.hu.dtype} voxels; expected integer lesion ids")
    if volume.hu.size and int(volume.hu.min()) < 0:
        raise ReadError(
            f"{path} holds negative values (down to {int(volume.hu.min())}: a CT in HU?); "
            "expected lesion ids, 0 for background"
        )
    meta = {
        "name": name or _layer_name(path),
        "scale": volume.spacing_mm,
        "metadata": {
            "spacing_mm": volume.spacing_mm,
            "affine": volume.affine,
            "labels_file": str(path),
        },
    }
    return (volume.hu, meta, "labels")


def _saved_labels_layer(path: Path, image: LayerData) -> LayerData | None:
    """The labels saved beside a CT as the widget's Labels layer for it, when there are some
    and they fit the CT's voxel grid; otherwise None (with a warning if they do not fit)."""
    if not path.is_file():
        return None
    hu, image_meta, _ = image
    try:
        data, meta, kind = labels_file_layer(path, labels_layer_name(image_meta["name"]))
    except ReadError as exc:
        warnings.warn(f"the saved lesions beside the CT were not opened: {exc}", stacklevel=3)
        return None
    fits = data.shape == hu.shape and np.allclose(
        meta["metadata"]["affine"], image_meta["metadata"]["affine"], atol=1e-3
    )
    if not fits:
        warnings.warn(
            f"the saved lesions {path} do not fit this CT's voxel grid (shape {data.shape} "
            f"against {hu.shape}); they were not opened",
            stacklevel=3,
        )
        return None
    meta["metadata"] = {**image_meta["metadata"], **meta["metadata"]}
    return (data, {**meta, "opacity": 0.5}, kind)


def _recovered_labels_layer(
    path: Path, image: LayerData, saved: LayerData | None
) -> LayerData | None:
    """The widget's recovery copy as the CT's Labels layer when it holds lesions and is newer
    than the file saved beside the CT and differs from it (outlines accepted but never saved,
    or saved by hand since), with a warning naming it; otherwise None. A copy holding no lesion,
    or the saved file's very labels, is removed; one that differs, or does not fit this CT, is
    left where it is."""
    if not path.is_file():
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a copy that cannot be used is not the user's concern
        recovered = _saved_labels_layer(path, image)
    if recovered is None:
        return None
    if not recovered[0].any() or saved is not None and np.array_equal(recovered[0], saved[0]):
        discard(path)
        return None
    saved_file = None if saved is None else Path(saved[1]["metadata"]["labels_file"])
    if saved_file is not None and saved_file.stat().st_mtime >= path.stat().st_mtime:
        return None
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(path.stat().st_mtime))
    warnings.warn(
        f"EveryClick restored lesions accepted on {when} that were not saved beside the CT, "
        f"from its recovery copy {path}"
        + ("" if saved_file is None else f"; {saved_file.name} is left as it is"),
        stacklevel=3,
    )
    return recovered


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
        # not the widget's own layer's name, which would then come out as "... [1]" beside
        # the file's outlines
        labels_meta = {
            "name": f"{labels_layer_name(name)} (from file)",
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
