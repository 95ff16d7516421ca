"""Propagation through a lesion, measured in 3D: `everyclick evaluate-propagation`.

Per lesion of each case, the run starts on the lesion's largest slice from one of two outlines:
- `truth`: the expert's outline there, so the figures are propagation's alone;
- `drag`: the method's answer to the robot's first drag (avg radius) there, the workflow of a
  user who drags once, accepts and propagates.
`core.propagation.propagate_through` then runs as the widget runs it (up until a stop rule
fires, then down; the neighbour's mask is the prior of learned methods), and the propagated
lesion is compared with the truth over the whole volume. Volumes in mL from the case's voxel
spacing; slices are indices along the case's z axis.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ..core.clicker import RobotClicker
from ..core.errors import EveryClickError
from ..core.measurements import MeasurementTable
from ..core.metrics import dice, iou
from ..core.propagation import propagate_through
from ..core.segmenter import Segmenter
from ..core.session import Session
from ..io.npz import read_npz_case
from ..io.volume import CTVolume
from .runner import build_segmenter, check_limit, git_state, is_classical, split_cases

STARTS: tuple[str, ...] = ("truth", "drag")


@dataclass(frozen=True)
class LesionResult:
    """One lesion propagated from its largest slice `start_z`.

    start_iou: IoU of the start outline on that slice. dice: 3D Dice of the propagated lesion
    (start slice included) against the truth. missed_slices: slices of the truth left empty;
    extra_slices: slices outlined where the truth has nothing. mean_slice_iou: mean IoU over
    the truth's slices (0 where missed). stops: why the run stopped going up, then down.
    long_axis_mm, truth_long_axis_mm: the RECIST long axis the measurement table reports for
    the propagated lesion and for the truth (the longest in-plane diameter over all slices).
    """

    case: str
    lesion: int
    start_z: int
    start_iou: float
    dice: float
    volume_ml: float
    truth_volume_ml: float
    truth_slices: int
    missed_slices: int
    extra_slices: int
    mean_slice_iou: float
    stops: list[str]
    long_axis_mm: float
    truth_long_axis_mm: float

    @property
    def volume_error(self) -> float:
        """(propagated - truth) / truth volume: +0.1 is 10 % too large."""
        return (self.volume_ml - self.truth_volume_ml) / self.truth_volume_ml

    @property
    def long_axis_error(self) -> float:
        """(propagated - truth) / truth long axis: +0.1 is 10 % too long."""
        return (self.long_axis_mm - self.truth_long_axis_mm) / self.truth_long_axis_mm


def long_axis_mm(mask: np.ndarray, spacing_mm: Sequence[float]) -> float:
    """The RECIST long axis (mm) of a bool (Z, Y, X) lesion, as the measurement table has it;
    0 for an empty mask."""
    table = MeasurementTable(spacing_mm)
    table.update(mask.astype(np.uint8))
    lesions = table.lesions()
    return lesions[0].long_axis.length_mm if lesions else 0.0


def start_outline(
    segmenter: Segmenter, volume: CTVolume, z: int, target: np.ndarray, start: str
) -> np.ndarray:
    """The bool outline the run starts from on slice z (see the module docstring)."""
    if start == "truth":
        return target
    session = Session(segmenter)
    session.set_image(np.asarray(volume.hu[z], dtype=np.float32), volume.window)
    return session.click(RobotClicker(target, radius="avg").next_click())


def propagate_lesion(
    segmenter: Segmenter,
    volume: CTVolume,
    case: str,
    lesion: int,
    start: str,
    use_previous: bool,
) -> LesionResult:
    """Propagate one lesion through its case from its largest slice and score it in 3D."""
    truth = np.asarray(volume.labels) == lesion
    areas = truth.sum(axis=(1, 2))
    z0 = int(np.argmax(areas))
    outline = np.asarray(start_outline(segmenter, volume, z0, truth[z0], start), dtype=bool)
    predicted = np.zeros_like(truth)
    predicted[z0] = outline
    stops = []
    steps = propagate_through(
        segmenter,
        lambda z: volume.hu[z],
        truth.shape[0],
        z0,
        outline,
        volume.window,
        use_previous,
    )
    for step in steps:
        if step.mask is None:
            stops.append(step.stop)
        else:
            predicted[step.z] = step.mask
    on_truth = areas > 0
    on_predicted = predicted.any(axis=(1, 2))
    slice_ious = [iou(predicted[z], truth[z]) for z in np.nonzero(on_truth)[0]]
    voxel_ml = float(np.prod(volume.spacing_mm)) / 1000.0
    return LesionResult(
        case=case,
        lesion=lesion,
        start_z=z0,
        start_iou=float(iou(outline, truth[z0])),
        dice=dice(predicted, truth),
        volume_ml=float(predicted.sum()) * voxel_ml,
        truth_volume_ml=float(truth.sum()) * voxel_ml,
        truth_slices=int(on_truth.sum()),
        missed_slices=int((on_truth & ~on_predicted).sum()),
        extra_slices=int((on_predicted & ~on_truth).sum()),
        mean_slice_iou=float(np.mean(slice_ious)),
        stops=stops,
        long_axis_mm=long_axis_mm(predicted, volume.spacing_mm),
        truth_long_axis_mm=long_axis_mm(truth, volume.spacing_mm),
    )


def summarize_lesions(rows: Sequence[LesionResult]) -> dict[str, float]:
    """Means (and the median Dice) over lesions."""
    return {
        "n_lesions": len(rows),
        "dice_mean": float(np.mean([r.dice for r in rows])),
        "dice_median": float(np.median([r.dice for r in rows])),
        "mean_slice_iou": float(np.mean([r.mean_slice_iou for r in rows])),
        "abs_volume_error_mean": float(np.mean([abs(r.volume_error) for r in rows])),
        "volume_error_mean": float(np.mean([r.volume_error for r in rows])),
        "missed_slices_mean": float(np.mean([r.missed_slices for r in rows])),
        "extra_slices_mean": float(np.mean([r.extra_slices for r in rows])),
        "start_iou_mean": float(np.mean([r.start_iou for r in rows])),
        "long_axis_error_median": float(np.median([r.long_axis_error for r in rows])),
        "abs_long_axis_error_mean": float(np.mean([abs(r.long_axis_error) for r in rows])),
    }


def format_rows(rows: Sequence[LesionResult], summary: dict[str, float]) -> str:
    """A plain-text table: one line per lesion, then the means."""
    header = (
        f"{'lesion':<16}{'start IoU':>10}{'Dice 3D':>9}{'slice IoU':>10}{'vol mL':>9}"
        f"{'truth mL':>9}{'vol err':>9}{'missed':>7}{'extra':>6}  stops (up, down)"
    )
    lines = [header]
    for r in rows:
        lines.append(
            f"{r.case + '/' + str(r.lesion):<16}{r.start_iou:>10.3f}{r.dice:>9.3f}"
            f"{r.mean_slice_iou:>10.3f}{r.volume_ml:>9.1f}{r.truth_volume_ml:>9.1f}"
            f"{r.volume_error:>+9.1%}{r.missed_slices:>7d}{r.extra_slices:>6d}  {', '.join(r.stops)}"
        )
    s = summary
    lines.append(
        f"{'mean':<16}{s['start_iou_mean']:>10.3f}{s['dice_mean']:>9.3f}{s['mean_slice_iou']:>10.3f}"
        f"{'':>18}{s['volume_error_mean']:>+9.1%}{s['missed_slices_mean']:>7.1f}"
        f"{s['extra_slices_mean']:>6.1f}  (median Dice {s['dice_median']:.3f}, mean |vol err| "
        f"{s['abs_volume_error_mean']:.1%}; RECIST long axis: median error "
        f"{s['long_axis_error_median']:+.1%}, mean |error| {s['abs_long_axis_error_mean']:.1%})"
    )
    return "\n".join(lines)


def run_propagation_evaluation(
    method: str,
    data: Sequence[str | Path],
    split: str | None,
    start: str,
    out: str | Path,
    limit: int | None = None,
    device: str | None = "auto",
) -> int:
    """Propagate every lesion of the cases (the first `limit` cases only, if given), print the
    table and write OUT/propagation.json; 0 on success."""
    if start not in STARTS:
        raise EveryClickError(f"--start must be one of {', '.join(STARTS)}, got {start!r}")
    check_limit(limit)
    files = split_cases(data, split)[:limit]
    segmenter = build_segmenter(method, device)
    use_previous = not is_classical(method)
    rows = []
    for path in tqdm(files, desc=f"{method} propagation", unit="case", file=sys.stderr):
        volume = read_npz_case(path)
        for lesion in (int(v) for v in np.unique(volume.labels) if v != 0):
            rows.append(propagate_lesion(segmenter, volume, path.stem, lesion, start, use_previous))
    if not rows:
        raise EveryClickError("no lesion to propagate in the given cases")
    summary = summarize_lesions(rows)
    print(format_rows(rows, summary))
    commit, dirty = git_state()
    report = {
        "method": method,
        "start": start,
        "split": split,
        "data": [str(d) for d in data],
        "use_previous": use_previous,
        "commit": commit,
        "dirty": dirty,
        "summary": summary,
        "lesions": [asdict(r) for r in rows],
    }
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "propagation.json").write_text(json.dumps(report, indent=1))
    print(f"wrote {out / 'propagation.json'}")
    return 0
