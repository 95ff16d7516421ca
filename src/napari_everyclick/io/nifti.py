"""NIfTI (.nii / .nii.gz) CT reading and label writing, with the source's orientation kept.

nibabel indexes voxels (x, y, z) (i, j, k); we use (z, y, x). The arrays are transposed (a view,
no copy) and the affine's first three columns reversed, so `CTVolume.affine` maps a (z, y, x)
index to the same RAS+ world mm as the file's affine maps the matching (x, y, z) index.
Writing labels reverses both again, so read -> write -> read gives identical labels, spacing
and orientation.
"""

from __future__ import annotations

import gzip
import os
import uuid
import zlib
from pathlib import Path

import nibabel as nib
import numpy as np

from ..core.errors import InvalidImageError, ReadError
from ..core.windowing import DEFAULT_WINDOW, Window
from .formats import NIFTI_SUFFIXES
from .volume import CTVolume, stack_hu

SCANNER_XFORM_CODE = 1  # NIfTI "scanner anatomical" coordinates
LABEL_INTENT = "label"  # NIFTI_INTENT_LABEL (1002): voxel values are label ids
NIBABEL_ERRORS = (
    nib.filebasedimages.ImageFileError,
    OSError,
    EOFError,
    ValueError,
    zlib.error,
    gzip.BadGzipFile,
)


def reverse_axes(affine: np.ndarray) -> np.ndarray:
    """Swap the first and third voxel axes of a 4x4 affine: (x, y, z) <-> (z, y, x) indices.

    The operation is its own inverse, so it converts both ways.
    """
    return np.asarray(affine, dtype=np.float64)[:, [2, 1, 0, 3]]


def read_nifti(path: str | Path) -> CTVolume:
    """Read a 3D NIfTI CT as HU in (z, y, x) order with spacing (z, y, x) in mm.

    scl_slope / scl_inter are applied; integer data with integral scaling stays int16 (no
    float64 blow-up of a 600 x 512 x 512 volume), otherwise HU are float32. The window is the
    header's cal_min / cal_max display range when set, else the soft-tissue default.
    metadata["label_intent"]: whether the header marks the voxels as label ids.
    """
    path = Path(path)
    try:
        img = nib.load(path, mmap=False)  # an array in memory, the file not held open
        if not isinstance(img, (nib.Nifti1Image, nib.Nifti2Image)):
            raise ReadError(f"{path} is a {type(img).__name__}, not NIfTI; expected .nii/.nii.gz")
        hu = _hu_zyx(img, path)
    except ReadError:
        raise
    except NIBABEL_ERRORS as exc:
        raise ReadError(
            f"{path} cannot be read as NIfTI ({exc}); expected an intact .nii or .nii.gz file"
        ) from None
    zooms = tuple(float(z) for z in img.header.get_zooms()[:3])
    zooms += (1.0,) * (3 - len(zooms))
    return CTVolume(
        hu=hu,
        spacing_mm=zooms[::-1],
        affine=reverse_axes(img.affine),
        window=_header_window(img.header),
        source=path.name,
        # the header says the voxels are label ids (`write_labels_nifti` marks ours so)
        metadata={"format": "nifti", "label_intent": img.header.get_intent()[0] == LABEL_INTENT},
    )


def _hu_zyx(img: nib.Nifti1Image, path: Path) -> np.ndarray:
    """The voxel data as HU, (z, y, x); a transposed view of the file's data when unscaled."""
    shape = img.shape
    while len(shape) > 3 and shape[-1] == 1:
        shape = shape[:-1]
    if len(shape) > 3:
        raise ReadError(
            f"{path} holds {len(shape)}D data of shape {img.shape}; expected one 3D CT volume"
        )
    proxy = img.dataobj  # nibabel moves scl_slope / scl_inter from the header to the proxy
    raw = np.asanyarray(proxy.get_unscaled())
    if raw.dtype.kind not in "iuf":
        raise ReadError(f"{path} holds {raw.dtype} voxels; expected grey CT values (numbers)")
    raw = raw.reshape(shape + (1,) * (3 - len(shape)))
    slope, inter = float(proxy.slope), float(proxy.inter)
    if slope == 1.0 and inter == 0.0:
        return (raw.astype(np.float32) if raw.dtype == np.float64 else raw).T
    n = raw.shape[2]
    return stack_hu([raw[:, :, k].T for k in range(n)], [slope] * n, [inter] * n)


def _header_window(header: nib.Nifti1Header) -> Window:
    low, high = float(header["cal_min"]), float(header["cal_max"])
    if np.isfinite(low) and np.isfinite(high) and high > low:
        return Window.from_range(low, high)
    return DEFAULT_WINDOW


def write_labels_nifti(
    labels_zyx: np.ndarray, path: str | Path, like: CTVolume | np.ndarray
) -> Path:
    """Write (Z, Y, X) integer labels (0 = background) as NIfTI with the source's orientation.

    like: the CTVolume the labels were drawn on (shapes must match), or a 4x4 affine mapping a
    (z, y, x) index to RAS+ mm. Labels are stored as uint8 (ids <= 255) or uint16. A path
    without .nii/.nii.gz gets .nii.gz appended. The file is written to a temporary name in the
    same folder and moved into place with os.replace, so an autosave interrupted midway never
    leaves a truncated file. Returns the path written.
    """
    labels = np.asarray(labels_zyx)
    if isinstance(like, CTVolume):
        if labels.shape != like.shape:
            raise InvalidImageError(
                f"labels of shape {labels.shape} do not fit the CT volume of shape "
                f"{like.shape}; expected one label per voxel, (z, y, x)"
            )
        affine = like.affine
    else:
        affine = np.asarray(like, dtype=np.float64)
        if affine.shape != (4, 4):
            raise InvalidImageError(f"affine has shape {affine.shape}; expected 4x4")
    labels = _label_array(labels)
    path = Path(path)
    if not path.name.endswith(NIFTI_SUFFIXES):
        path = path.with_name(path.name + ".nii.gz")
    suffix = next(s for s in NIFTI_SUFFIXES if path.name.endswith(s))
    xyz_affine = reverse_axes(affine)
    img = nib.Nifti1Image(labels.T, xyz_affine)
    img.header.set_intent(LABEL_INTENT)
    img.header.set_sform(xyz_affine, code=SCANNER_XFORM_CODE)
    img.header.set_qform(xyz_affine, code=SCANNER_XFORM_CODE)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp{suffix}")
    try:
        nib.save(img, temporary)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return path


def _label_array(labels: np.ndarray) -> np.ndarray:
    """The labels as uint8 or uint16 (the smallest that holds the largest id)."""
    if labels.ndim != 3:
        raise InvalidImageError(
            f"labels have shape {labels.shape}; expected a (z, y, x) volume of lesion ids"
        )
    if labels.dtype.kind not in "biu":
        raise InvalidImageError(f"labels are {labels.dtype}; expected integer lesion ids")
    low, high = (int(labels.min()), int(labels.max())) if labels.size else (0, 0)
    if low < 0 or high > np.iinfo(np.uint16).max:
        raise InvalidImageError(f"label ids span {low}..{high}; expected 0 (background) .. 65535")
    return labels.astype(np.uint8 if high <= np.iinfo(np.uint8).max else np.uint16, copy=False)
