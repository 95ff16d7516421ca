"""Lesion measurements from a label volume: area per slice, RECIST axes, volume, slice count.

Definitions (all in mm from the voxel spacing, never in pixels):

- area on a slice: number of the label's pixels on that slice x spacing_y x spacing_x (mm^2);
- RECIST long axis: the longest in-plane diameter, i.e. the largest distance between two points
  of the label's outline (pixel centres of the boundary, so a disk of radius r pixels measures
  2r pixels), taken on the slice where that diameter is largest;
- RECIST short axis: on that same slice, the longest chord of the outline perpendicular to the
  long axis (the outline is cut by lines perpendicular to the long axis every quarter pixel);
- volume: number of voxels x the voxel volume (mm^3), reported in mL (1 mL = 1000 mm^3);
- slices: how many slices hold at least one voxel of the label.

Slices are along axis 0 of a (Z, Y, X) volume (axial for CT); a 2D (Y, X) label image is one
slice and has no volume. Points are (y, x) in slice pixels.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

CHORD_STEP_PX = 0.25
"""Spacing, in pixels along the long axis, of the perpendicular cuts that find the short axis."""


@dataclass(frozen=True)
class Axis:
    """A measured diameter: its length in mm and its two end points (y, x) in slice pixels."""

    length_mm: float
    start: tuple[float, float]
    end: tuple[float, float]


@dataclass(frozen=True)
class SliceMeasurement:
    """One label on one slice: pixel count, area (mm^2) and the RECIST axes on that slice."""

    pixels: int
    area_mm2: float
    long_axis: Axis
    short_axis: Axis


@dataclass(frozen=True)
class LesionMeasurement:
    """One label over the whole volume (one row of the measurement table).

    areas_mm2: slice index -> area on that slice. recist_slice: the slice of the longest
    long axis. volume_ml: None for a 2D label image (no slice thickness).
    """

    label: int
    slices: int
    volume_ml: float | None
    recist_slice: int
    long_axis: Axis
    short_axis: Axis
    areas_mm2: dict[int, float] = field(default_factory=dict)

    @property
    def max_area_mm2(self) -> float:
        return max(self.areas_mm2.values())

    @property
    def first_slice(self) -> int:
        """The lowest slice index holding the label."""
        return min(self.areas_mm2)

    @property
    def last_slice(self) -> int:
        """The highest slice index holding the label."""
        return max(self.areas_mm2)


def outline_points(mask: np.ndarray) -> list[np.ndarray]:
    """The outer outlines of a bool (H, W) mask, each a (N, 2) float array of (y, x) pixels.

    Outlines pass through the centres of the boundary pixels (OpenCV contours); a single pixel
    is a one-point outline.
    """
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    return [c[:, 0, ::-1].astype(np.float64) for c in contours]


def longest_diameter(points_mm: np.ndarray) -> tuple[int, int, float]:
    """Indices (i, j) of the two farthest points of (N, 2) points in mm, and their distance."""
    if len(points_mm) == 1:
        return 0, 0, 0.0
    hull = cv2.convexHull(points_mm[:, ::-1].astype(np.float32), returnPoints=False)
    idx = np.unique(hull.ravel())
    hull_pts = points_mm[idx]
    d2 = ((hull_pts[:, None, :] - hull_pts[None, :, :]) ** 2).sum(axis=-1)
    i, j = np.unravel_index(int(np.argmax(d2)), d2.shape)
    return int(idx[i]), int(idx[j]), float(np.sqrt(d2[i, j]))


def _longest_perpendicular_chord(
    outlines_mm: Sequence[np.ndarray],
    start: np.ndarray,
    direction: np.ndarray,
    length: float,
    step_mm: float,
) -> tuple[np.ndarray, np.ndarray, float]:
    """The longest chord of the outlines perpendicular to `direction` (mm, unit vector).

    Cuts at t = 0, step, ..., length along the long axis from `start`; at each cut the chord runs
    between the farthest intersections of the perpendicular line with any outline segment.
    Returns the chord's two end points (mm) and its length.
    """
    normal = np.array([-direction[1], direction[0]])
    closed = [(pts, np.roll(pts, -1, axis=0)) for pts in outlines_mm if len(pts) > 1]
    if not closed:
        return start, start, 0.0
    a = np.concatenate([c[0] for c in closed])
    b = np.concatenate([c[1] for c in closed])
    ta, tb = (a - start) @ direction, (b - start) @ direction  # along the long axis
    sa, sb = (a - start) @ normal, (b - start) @ normal  # across it
    t = np.arange(0.0, length + 1e-9, step_mm)[:, None]  # (T, 1) cuts x (S,) segments
    hit = (np.minimum(ta, tb) <= t) & (t <= np.maximum(ta, tb))
    dt = np.where(tb == ta, 1.0, tb - ta)
    s = sa + np.clip((t - ta) / dt, 0.0, 1.0) * (sb - sa)
    s_max = np.where(hit, s, -np.inf).max(axis=1)
    s_min = np.where(hit, s, np.inf).min(axis=1)
    width = np.where(np.isfinite(s_max), s_max - s_min, 0.0)
    k = int(np.argmax(width))
    base = start + t[k, 0] * direction
    return base + s_min[k] * normal, base + s_max[k] * normal, float(width[k])


def _pixel_length_mm(direction: np.ndarray, scale: np.ndarray) -> float:
    """Length in mm of a one-pixel step along a unit direction (mm) on pixels of `scale` mm."""
    return float(1.0 / np.hypot(direction[0] / scale[0], direction[1] / scale[1]))


def _axis(p0: np.ndarray, p1: np.ndarray, direction: np.ndarray, scale: np.ndarray) -> Axis:
    """An Axis between outline points p0, p1 (mm), widened by half a pixel at each end."""
    half = 0.5 * _pixel_length_mm(direction, scale) * direction
    q0, q1 = p0 - half, p1 + half
    return Axis(
        float(np.hypot(*(q1 - q0))),
        tuple(q0 / scale),  # type: ignore[arg-type]
        tuple(q1 / scale),  # type: ignore[arg-type]
    )


def recist_axes(mask: np.ndarray, spacing_yx: tuple[float, float]) -> tuple[Axis, Axis] | None:
    """The long and short axes of a bool (H, W) mask, or None when it is empty.

    spacing_yx: pixel size (y, x) in mm; axes are measured in mm, so anisotropic pixels are
    handled. End points are returned in slice pixels (y, x).
    """
    outlines = outline_points(mask)
    if not outlines:
        return None
    scale = np.asarray(spacing_yx, dtype=np.float64)
    outlines_mm = [pts * scale for pts in outlines]
    all_mm = np.concatenate(outlines_mm)
    i, j, length = longest_diameter(all_mm)
    p0, p1 = all_mm[i], all_mm[j]
    direction = (p1 - p0) / length if length > 0 else np.array([0.0, 1.0])
    normal = np.array([-direction[1], direction[0]])
    if length > 0:
        step = CHORD_STEP_PX * float(scale.min())
        q0, q1, _ = _longest_perpendicular_chord(outlines_mm, p0, direction, length, step)
    else:
        q0 = q1 = p0
    return _axis(p0, p1, direction, scale), _axis(q0, q1, normal, scale)


def measure_slice(mask: np.ndarray, spacing_yx: tuple[float, float]) -> SliceMeasurement | None:
    """Area and RECIST axes of one bool (H, W) mask, or None when it is empty."""
    pixels = int(np.count_nonzero(mask))
    axes = recist_axes(mask, spacing_yx) if pixels else None
    if axes is None:
        return None
    return SliceMeasurement(pixels, pixels * spacing_yx[0] * spacing_yx[1], *axes)


def _shifted(axis: Axis, shift: tuple[int, int]) -> Axis:
    """The same axis with its end points moved by (dy, dx) pixels."""
    dy, dx = shift
    return Axis(
        axis.length_mm,
        (axis.start[0] + dy, axis.start[1] + dx),
        (axis.end[0] + dy, axis.end[1] + dx),
    )


def _bounding_box(mask: np.ndarray) -> tuple[slice, slice]:
    ys, xs = np.nonzero(mask.any(axis=1))[0], np.nonzero(mask.any(axis=0))[0]
    return slice(int(ys[0]), int(ys[-1]) + 1), slice(int(xs[0]), int(xs[-1]) + 1)


def measure_labels_on_slice(
    labels_slice: np.ndarray, spacing_yx: tuple[float, float]
) -> dict[int, SliceMeasurement]:
    """Every label id (> 0) present on one (H, W) label slice -> its SliceMeasurement.

    Each label is measured on its bounding box only, so a 512 x 512 slice with a few lesions
    takes milliseconds.
    """
    out: dict[int, SliceMeasurement] = {}
    ids = np.unique(labels_slice)
    for label in (int(v) for v in ids if v != 0):
        mask = labels_slice == label
        ys, xs = _bounding_box(mask)
        crop = np.pad(mask[ys, xs], 1)
        m = measure_slice(crop, spacing_yx)
        if m is None:
            continue
        shift = (ys.start - 1, xs.start - 1)
        out[label] = SliceMeasurement(
            m.pixels, m.area_mm2, _shifted(m.long_axis, shift), _shifted(m.short_axis, shift)
        )
    return out


class MeasurementTable:
    """Per-slice measurements of every label, updated slice by slice, summarised per label.

    Keeping per-slice results means an accept on one slice re-measures that slice only, not the
    whole volume. spacing_mm: (z, y, x) for a volume, (y, x) for a single 2D slice.
    """

    def __init__(self, spacing_mm: Sequence[float]) -> None:
        spacing = tuple(float(s) for s in spacing_mm)
        if len(spacing) not in (2, 3):
            raise ValueError(f"spacing must be (z, y, x) or (y, x) in mm, got {spacing}")
        self.spacing_mm = spacing
        self._slices: dict[int, dict[int, SliceMeasurement]] = {}

    @property
    def is_volume(self) -> bool:
        return len(self.spacing_mm) == 3

    @property
    def spacing_yx(self) -> tuple[float, float]:
        return self.spacing_mm[-2], self.spacing_mm[-1]

    def update(self, labels: np.ndarray, slices: Iterable[int] | None = None) -> None:
        """Re-measure `slices` of a (Z, Y, X) label volume (all when None), or a 2D image.

        Only the given slices are read; pass the slices an edit touched. A full update first
        finds the slices holding any label (one pass), so empty slices cost nothing.
        """
        if labels.ndim == 2:
            self._slices = {0: measure_labels_on_slice(np.asarray(labels), self.spacing_yx)}
            return
        if slices is None:
            self._slices.clear()
            zs: Iterable[int] = np.flatnonzero(np.asarray(labels).any(axis=(1, 2)))
        else:
            zs = slices
        for z in zs:
            found = measure_labels_on_slice(np.asarray(labels[int(z)]), self.spacing_yx)
            if found:
                self._slices[int(z)] = found
            else:
                self._slices.pop(int(z), None)

    def lesions(self) -> list[LesionMeasurement]:
        """One LesionMeasurement per label id, sorted by id."""
        per_label: dict[int, dict[int, SliceMeasurement]] = {}
        for z, found in self._slices.items():
            for label, m in found.items():
                per_label.setdefault(label, {})[z] = m
        voxel_mm3 = float(np.prod(self.spacing_mm)) if self.is_volume else None
        rows = []
        for label in sorted(per_label):
            by_slice = per_label[label]
            z_best = max(sorted(by_slice), key=lambda z: by_slice[z].long_axis.length_mm)
            pixels = sum(m.pixels for m in by_slice.values())
            rows.append(
                LesionMeasurement(
                    label=label,
                    slices=len(by_slice),
                    volume_ml=None if voxel_mm3 is None else pixels * voxel_mm3 / 1000.0,
                    recist_slice=z_best,
                    long_axis=by_slice[z_best].long_axis,
                    short_axis=by_slice[z_best].short_axis,
                    areas_mm2={z: by_slice[z].area_mm2 for z in sorted(by_slice)},
                )
            )
        return rows


CSV_COLUMNS = (
    "label",
    "slices",
    "volume_ml",
    "long_axis_mm",
    "short_axis_mm",
    "recist_slice",
    "first_slice",
    "last_slice",
    "max_area_mm2",
    "area_mm2_by_slice",
)


def format_table(lesions: Sequence[LesionMeasurement]) -> str:
    """The lesions as an aligned text table: label, RECIST axes (mm), volume (mL), slices."""
    header = ("label", "long mm", "short mm", "volume mL", "RECIST slice", "slices", "first-last")
    rows = [
        (
            str(m.label),
            f"{m.long_axis.length_mm:.1f}",
            f"{m.short_axis.length_mm:.1f}",
            "-" if m.volume_ml is None else f"{m.volume_ml:.2f}",
            str(m.recist_slice),
            str(m.slices),
            f"{m.first_slice}-{m.last_slice}",
        )
        for m in lesions
    ]
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
    return "\n".join("  ".join(c.rjust(w) for c, w in zip(r, widths)) for r in (header, *rows))


def write_csv(lesions: Sequence[LesionMeasurement], path: str | Path) -> Path:
    """Write one row per lesion (CSV_COLUMNS); areas per slice as `z:area` pairs joined by `;`."""
    path = Path(path)
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(CSV_COLUMNS)
        for m in lesions:
            writer.writerow(
                [
                    m.label,
                    m.slices,
                    "" if m.volume_ml is None else f"{m.volume_ml:.3f}",
                    f"{m.long_axis.length_mm:.2f}",
                    f"{m.short_axis.length_mm:.2f}",
                    m.recist_slice,
                    m.first_slice,
                    m.last_slice,
                    f"{m.max_area_mm2:.2f}",
                    ";".join(f"{z}:{a:.2f}" for z, a in m.areas_mm2.items()),
                ]
            )
    return path
