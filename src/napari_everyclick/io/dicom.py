"""DICOM CT reading: one slice file, or a folder holding one series (pydicom).

Slices are ordered along the slice normal (the cross product of ImageOrientationPatient's row
and column directions) by their ImagePositionPatient, falling back to InstanceNumber when
positions are absent. A series with missing slices is refused rather than read with a hole,
since volumes and slice-to-slice propagation would silently be wrong.

The affine maps a (z, y, x) index to RAS+ mm like every CTVolume (DICOM's LPS+ patient
coordinates with x and y negated), so labels written as NIfTI overlay the series in NIfTI viewers.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pydicom
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from pydicom.multival import MultiValue

from ..core.errors import NotCTWarning, ReadError
from ..core.windowing import DEFAULT_WINDOW, Window
from .volume import CTVolume, stack_hu

LPS_TO_RAS = np.diag([-1.0, -1.0, 1.0, 1.0])
MAX_STEP_RATIO = 1.5
"""A gap longer than this many of the smallest slice steps means slices are missing."""
SAME_POSITION_MM = 1e-3
SAME_DIRECTION = 1e-3  # tolerance on direction cosines


def read_dicom(path: str | Path, series_uid: str | None = None) -> CTVolume:
    """Read a .dcm file (a 1-slice volume) or a folder of one series as HU (z, y, x).

    Files in the folder that are not DICOM are skipped; so are DICOM files without an image
    (DICOMDIR, reports). A folder holding several series raises ReadError listing them; pass
    `series_uid` to pick one. HU = stored * RescaleSlope + RescaleIntercept per slice (int16
    when integral). spacing_mm (z, y, x): z from the slice positions, y and x from PixelSpacing.
    The window is the first WindowCenter / WindowWidth of the first slice, else soft tissue.
    """
    path = Path(path)
    series = _pick_series(path, _image_headers(path), series_uid)
    try:
        return _read_series(path, series)
    except (ValueError, TypeError, AttributeError, KeyError) as exc:
        raise ReadError(
            f"{path}: a DICOM header value is malformed or missing ({exc}); expected a CT series "
            "with valid geometry (ImagePositionPatient, ImageOrientationPatient, PixelSpacing)"
        ) from exc


def _read_series(path: Path, series: list[tuple[Path, Dataset]]) -> CTVolume:
    """The volume of one series' (file, header) pairs, in any order."""
    files = [f for f, _ in series]
    datasets = [ds for _, ds in series]
    _check_shapes(files, datasets)
    order, step = _slice_order(files, datasets)
    files = [files[k] for k in order]
    datasets = [datasets[k] for k in order]
    first = datasets[0]
    if str(first.get("Modality", "CT")) != "CT":
        warnings.warn(
            f"{path} is {first.Modality}, not CT; everyclick expects Hounsfield units, so windows "
            "and models may not fit",
            NotCTWarning,
            stacklevel=3,
        )
    row_mm, col_mm = _pixel_spacing(path, first)
    if step is None:
        step = float(first.get("SpacingBetweenSlices") or first.get("SliceThickness") or 1.0)
    hu = stack_hu(
        [_pixels(f) for f in files],
        [float(ds.get("RescaleSlope", 1.0)) for ds in datasets],
        [float(ds.get("RescaleIntercept", 0.0)) for ds in datasets],
    )
    return CTVolume(
        hu=hu,
        spacing_mm=(abs(step), row_mm, col_mm),
        affine=_affine(datasets, step, row_mm, col_mm),
        window=_window(first),
        source=str(first.get("SeriesDescription") or path.name),
        metadata={
            "format": "dicom",
            "series_uid": str(first.get("SeriesInstanceUID", "")),
            "modality": str(first.get("Modality", "")),
        },
    )


def _image_headers(path: Path) -> list[tuple[Path, Dataset]]:
    """(file, header without pixels) of every DICOM image at `path`, file or folder."""
    if path.is_dir():
        candidates = sorted(p for p in path.iterdir() if p.is_file())
    elif path.is_file():
        candidates = [path]
    else:
        raise ReadError(f"{path} does not exist; expected a .dcm file or a folder of one series")
    headers = []
    for file in candidates:
        try:
            ds = pydicom.dcmread(file, stop_before_pixels=True, force=False)
        except InvalidDicomError:
            if path.is_dir():
                continue  # not DICOM: a README, a thumbnail, a checksum file
            raise ReadError(
                f"{file} is not a DICOM file (no 'DICM' marker); expected a DICOM CT slice"
            ) from None
        except Exception as exc:  # pydicom raises many types on a damaged file
            raise ReadError(f"{file} is a damaged DICOM file ({exc})") from exc
        if "Rows" in ds:
            headers.append((file, ds))
    if not headers:
        raise ReadError(f"{path} holds no DICOM image; expected CT slices (.dcm files)")
    return headers


def _pick_series(
    path: Path, headers: list[tuple[Path, Dataset]], series_uid: str | None
) -> list[tuple[Path, Dataset]]:
    """The headers of the one series in `path`, or of `series_uid` when several are."""
    groups: dict[str, list[tuple[Path, Dataset]]] = {}
    for file, ds in headers:
        groups.setdefault(str(ds.get("SeriesInstanceUID", "")), []).append((file, ds))
    if series_uid is not None:
        if series_uid in groups:
            return groups[series_uid]
        raise ReadError(f"{path} has no series {series_uid}; it holds:\n{_describe(groups)}")
    if len(groups) > 1:
        raise ReadError(
            f"{path} holds {len(groups)} DICOM series; expected one. Pick one with "
            f"read_ct(path, series_uid=...) or move it to its own folder:\n{_describe(groups)}"
        )
    return next(iter(groups.values()))


def _describe(groups: dict[str, list[tuple[Path, Dataset]]]) -> str:
    lines = []
    for uid, members in groups.items():
        description = members[0][1].get("SeriesDescription") or "(no description)"
        lines.append(f"  {uid or '(no SeriesInstanceUID)'}: {description}, {len(members)} files")
    return "\n".join(lines)


def _check_shapes(files: Sequence[Path], datasets: Sequence[Dataset]) -> None:
    """Raise unless every file holds one grey frame of the same size."""
    shapes: dict[tuple[int, int], list[str]] = {}
    for file, ds in zip(files, datasets):
        if int(ds.get("NumberOfFrames", 1) or 1) > 1 or int(ds.get("SamplesPerPixel", 1)) != 1:
            raise ReadError(
                f"{file} holds {ds.get('NumberOfFrames', 1)} frames of "
                f"{ds.get('SamplesPerPixel', 1)} samples per pixel; expected one grey slice per "
                "file (multi-frame and colour DICOM are not supported)"
            )
        shapes.setdefault((int(ds.Rows), int(ds.Columns)), []).append(file.name)
    if len(shapes) > 1:
        listing = "; ".join(
            f"{r}x{c}: {len(names)} files (e.g. {names[0]})" for (r, c), names in shapes.items()
        )
        raise ReadError(f"the slices of the series differ in size ({listing}); expected one size")


def _orientation(ds: Dataset) -> tuple[np.ndarray, np.ndarray]:
    """(row direction, column direction) unit vectors in LPS: where x and y indices grow."""
    iop = np.asarray(ds.get("ImageOrientationPatient", [1, 0, 0, 0, 1, 0]), dtype=np.float64)
    return iop[:3], iop[3:]


def _slice_order(
    files: Sequence[Path], datasets: Sequence[Dataset]
) -> tuple[list[int], float | None]:
    """Indices sorting the slices along the slice normal, and the median step (mm; None when
    positions are unknown, with fewer than 2 slices or when ordered by InstanceNumber)."""
    if all("ImagePositionPatient" in ds for ds in datasets):
        reference = np.concatenate(_orientation(datasets[0]))
        for file, ds in zip(files, datasets):
            if not np.allclose(np.concatenate(_orientation(ds)), reference, atol=SAME_DIRECTION):
                raise ReadError(
                    f"{file.name} and {files[0].name} differ in ImageOrientationPatient; expected "
                    "one stack of parallel slices (is a localizer in the series?)"
                )
        normal = np.cross(*_orientation(datasets[0]))
        along = [float(np.dot(normal, ds.ImagePositionPatient)) for ds in datasets]
        order = sorted(range(len(datasets)), key=along.__getitem__)
        positions = np.asarray([along[k] for k in order])
        _check_positions(positions, [files[k] for k in order])
        return order, float(np.median(np.diff(positions))) if len(order) > 1 else None
    if all("InstanceNumber" in ds for ds in datasets):
        return sorted(range(len(datasets)), key=lambda k: int(datasets[k].InstanceNumber)), None
    if len(datasets) == 1:
        return [0], None
    raise ReadError(
        f"the slices of {files[0].parent} have neither ImagePositionPatient nor InstanceNumber; "
        "their order cannot be known"
    )


def _check_positions(positions: np.ndarray, files: Sequence[Path]) -> None:
    """Raise on two slices at one position, or on missing slices: a step > 1.5x the smallest.

    The smallest step, not the median, is the reference so that a short series missing half
    its slices is still caught (the median of steps 2.5, 5.0 would hide the hole).
    """
    steps = np.diff(positions)
    if steps.size == 0:
        return
    same = np.nonzero(steps < SAME_POSITION_MM)[0]
    if same.size:
        k = int(same[0])
        raise ReadError(
            f"{files[k].name} and {files[k + 1].name} lie at the same position "
            f"({positions[k]:.2f} mm along the slice normal); expected one slice per position "
            "(is this several acquisitions in one series?)"
        )
    smallest = float(steps.min())
    gaps = np.nonzero(steps > MAX_STEP_RATIO * smallest)[0]
    if gaps.size == 0:
        return
    missing = []
    for k in gaps:
        count = round(steps[k] / smallest) - 1  # >= 1 since the gap exceeds 1.5 steps
        missing += [f"{positions[k] + m * steps[k] / (count + 1):.2f}" for m in range(1, count + 1)]
    after = ", ".join(files[k].name for k in gaps)
    raise ReadError(
        f"the series in {files[0].parent} misses {len(missing)} slice(s) at {', '.join(missing)} "
        f"mm along the slice normal (slice step {smallest:.2f} mm; gaps after {after}); expected "
        "a complete series"
    )


def _pixel_spacing(path: Path, ds: Dataset) -> tuple[float, float]:
    """(row spacing y, column spacing x) in mm; 1 mm with a warning when absent."""
    if "PixelSpacing" in ds:
        row_mm, col_mm = (float(v) for v in ds.PixelSpacing)
        return row_mm, col_mm
    warnings.warn(
        f"{path} has no PixelSpacing; assuming 1 mm pixels, so sizes in mm will be wrong",
        UserWarning,
        stacklevel=4,
    )
    return 1.0, 1.0


def _pixels(file: Path) -> np.ndarray:
    """The stored values of one slice, (Y, X), before rescaling."""
    try:
        return pydicom.dcmread(file, force=False).pixel_array
    except Exception as exc:  # missing decoder, truncated pixel data, bad header values
        raise ReadError(
            f"{file}: the pixel data cannot be decoded ({exc}); expected an intact slice "
            "(compressed transfer syntaxes may need pylibjpeg or gdcm installed)"
        ) from exc


def _affine(datasets: Sequence[Dataset], step: float, row_mm: float, col_mm: float) -> np.ndarray:
    """4x4 (z, y, x) index -> RAS+ mm from the first slice's position and the slice offsets."""
    row_dir, col_dir = _orientation(datasets[0])
    first = np.asarray(datasets[0].get("ImagePositionPatient", [0.0, 0.0, 0.0]), np.float64)
    if len(datasets) > 1 and all("ImagePositionPatient" in ds for ds in datasets):
        last = np.asarray(datasets[-1].ImagePositionPatient, dtype=np.float64)
        slice_vector = (last - first) / (len(datasets) - 1)  # keeps a gantry tilt's shear
    else:
        slice_vector = np.cross(row_dir, col_dir) * step
    lps = np.eye(4)
    lps[:3, 0] = slice_vector
    lps[:3, 1] = col_dir * row_mm  # y index (rows) moves along the column direction
    lps[:3, 2] = row_dir * col_mm  # x index (columns) moves along the row direction
    lps[:3, 3] = first
    return LPS_TO_RAS @ lps


def _window(ds: Dataset) -> Window:
    """The first WindowCenter / WindowWidth pair of the header, else soft tissue."""
    center, width = ds.get("WindowCenter"), ds.get("WindowWidth")
    if center is None or width is None:
        return DEFAULT_WINDOW
    center = center[0] if isinstance(center, MultiValue) else center
    width = width[0] if isinstance(width, MultiValue) else width
    if float(width) <= 0:
        return DEFAULT_WINDOW
    return Window(float(center), float(width))
