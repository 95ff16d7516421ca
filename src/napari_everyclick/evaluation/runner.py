"""The robot-clicker evaluation loop, and `everyclick evaluate` around it.

`evaluate_segmenter` is the one yardstick: the CLI, training-time validation and every reported
figure run it, through the same `Session` the widget uses. Per sample: a fresh session on the
full slice in HU with the case's window, a fresh deterministic `RobotClicker`, then `clicks`
rounds of (robot click from the current mask -> method -> IoU against the lesion mask).
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from itertools import islice
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ..core.clicker import RobotClicker
from ..core.errors import EveryClickError
from ..core.measurements import recist_axes
from ..core.metrics import iou
from ..core.segmenter import Segmenter
from ..core.session import Session
from .report import (
    RECIST_CLICKS,
    EvaluationResult,
    Report,
    SampleResult,
    format_table,
    summarize,
)
from .samples import (
    MIN_LESION_PX,
    Sample,
    case_files,
    case_samples,
    contrasted_samples,
    shrunk_samples,
)

EVALUATION_RADII: tuple[str, ...] = (
    "avg",
    "tight",
    "enclosing",
    "static",
    "drag-then-plain",
    "plain-then-drag",
)
"""Deterministic radius strategies of the robot (`distributed` is random: training only)."""


def evaluate_sample(segmenter: Segmenter, sample: Sample, clicks: int, radius: str) -> SampleResult:
    """Run the robot on one sample for `clicks` clicks; IoU and latency (ms) per click.

    When the robot finds nothing left to correct, the method is not called again and the IoU is
    carried to the remaining clicks.
    """
    if not sample.target.any():
        raise EveryClickError(f"sample {sample.key} has an empty target: nothing to outline")
    session = Session(segmenter)
    session.set_image(sample.hu, sample.window)
    clicker = RobotClicker(sample.target, radius=radius)  # type: ignore[arg-type]
    mask = session.mask
    current = iou(mask, sample.target)
    ious: list[float] = []
    latencies: list[float] = []
    axes: dict[str, list[float]] = {}
    spacing_yx = sample.spacing_mm[1:]
    for k in range(1, clicks + 1):
        click = clicker.next_click(mask)
        if click is not None:
            mask = session.click(click)
            latencies.append(float(session.last_latency_ms))
            current = iou(mask, sample.target)
        ious.append(float(current))
        if k in RECIST_CLICKS:
            axes[str(k)] = axes_mm(mask, spacing_yx)
    return SampleResult(
        case=sample.case,
        z=sample.z,
        lesion=sample.lesion,
        area_px=int(sample.target.sum()),
        ious=ious,
        latency_ms=latencies,
        first_radius_px=float(clicker.clicks[0].radius),
        truth_axes_mm=axes_mm(sample.target, spacing_yx),
        axes_mm=axes,
    )


def axes_mm(mask: np.ndarray, spacing_yx: Sequence[float]) -> list[float]:
    """[long, short] RECIST axis of a bool (H, W) mask in mm; [0, 0] when it is empty."""
    found = recist_axes(mask, (float(spacing_yx[0]), float(spacing_yx[1])))
    return [0.0, 0.0] if found is None else [found[0].length_mm, found[1].length_mm]


def evaluate_segmenter(
    segmenter: Segmenter,
    samples: Iterable[Sample],
    clicks: int = 20,
    radius: str = "avg",
    progress: bool = True,
) -> EvaluationResult:
    """Evaluate one method on `samples` (in order); deterministic for a deterministic method.

    clicks: the click budget per sample. radius: one of EVALUATION_RADII. progress: show a tqdm
    bar over samples on stderr.
    """
    if clicks < 1:
        raise EveryClickError(f"the click budget must be at least 1, got {clicks}")
    if radius not in EVALUATION_RADII:
        raise EveryClickError(
            f"evaluation radius must be one of {', '.join(EVALUATION_RADII)}, got {radius!r}"
        )
    total = len(samples) if isinstance(samples, Sequence) else None
    bar = tqdm(
        samples,
        total=total,
        desc=f"{segmenter.name} ({radius})",
        unit="sample",
        file=sys.stderr,
        disable=not progress,
    )
    rows = [evaluate_sample(segmenter, sample, clicks, radius) for sample in bar]
    if not rows:
        raise EveryClickError("no samples to evaluate")
    return EvaluationResult(rows=rows, summary=summarize(rows, clicks))


def is_classical(method: str) -> bool:
    """Whether `method` is a classical segmenter (those take no device option)."""
    from ..methods import CLASSICAL

    return method in CLASSICAL


def build_segmenter(method: str, device: str | None, network_only: bool = False) -> Segmenter:
    """The segmenter `method`; `device` goes only to learned methods. network_only: a model
    card's network answers every click (no hand-over to a classical method)."""
    from ..methods import make_segmenter

    if is_classical(method):
        if network_only:
            raise EveryClickError(f"--network-only: {method} is a classical method, no network")
        return make_segmenter(method)
    return make_segmenter(method, device=device, handover=not network_only)


def load_samples(
    data: Sequence[str | Path], split: str | None, largest_slice: bool, limit: int | None
) -> list[Sample]:
    """The samples of `data` (the first `limit` only, if given); raise when there are none."""
    check_limit(limit)
    files = split_cases(data, split)
    samples = list(islice((s for f in files for s in case_samples(f, largest_slice)), limit))
    if not samples:
        raise EveryClickError(
            f"no samples in {' '.join(map(str, data))}: no lesion has {MIN_LESION_PX} or more "
            "pixels on a slice"
        )
    return samples


def check_limit(limit: int | None) -> None:
    """Refuse a `--limit` below 1."""
    if limit is not None and limit < 1:
        raise EveryClickError(f"--limit must be at least 1, got {limit}")


def split_cases(data: Sequence[str | Path], split: str | None) -> list[Path]:
    """The case files of `data` in `split`; raise when there are none."""
    files = case_files(data, split)
    if not files:
        raise EveryClickError(f"no case of split {split!r} in {' '.join(map(str, data))}")
    return files


PACKAGE_DIR = Path(__file__).resolve().parent.parent


def _git(*args: str) -> str | None:
    """Output of a git command run in the package's source folder; None if git fails."""
    try:
        out = subprocess.run(
            ["git", *args], check=False, cwd=PACKAGE_DIR, capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout if out.returncode == 0 else None


def git_state() -> tuple[str | None, bool | None]:
    """(commit, dirty) of the package's source: dirty when its files differ from the commit
    (edited or untracked), so the figures may not be reproducible from the commit alone.
    (None, None) outside a git checkout."""
    commit = _git("rev-parse", "HEAD")
    if not commit:
        return None, None
    status = _git("status", "--porcelain", "--", ".")
    return commit.strip(), None if status is None else bool(status.strip())


def run_evaluation(
    method: str,
    data: Sequence[str | Path],
    out: str | Path,
    split: str | None = None,
    clicks: int = 20,
    radius: str = "avg",
    largest_slice: bool = False,
    limit: int | None = None,
    device: str | None = "auto",
    shrink: tuple[float, float] | None = None,
    network_only: bool = False,
    lesion_contrast: tuple[float, float] | None = None,
) -> int:
    """`everyclick evaluate`: write out/report.json and out/iou_curve.png, print the table.

    Returns 0; bad input raises the package's own errors (the CLI turns them into exit code 2).
    """
    from .. import __version__
    from .plots import plot_curves

    start = time.perf_counter()
    segmenter = build_segmenter(method, device, network_only)
    samples = load_samples(data, split, largest_slice, limit)
    if shrink is not None:
        samples = shrunk_samples(samples, *shrink)
    if lesion_contrast is not None:
        low, high = lesion_contrast
        if not 0.0 <= low <= high:
            raise EveryClickError(
                f"--lesion-contrast needs 0 <= MIN <= MAX HU, got {low:g} {high:g}"
            )
        samples = contrasted_samples(samples, low, high)
    result = evaluate_segmenter(segmenter, samples, clicks, radius)
    commit, dirty = git_state()
    report = Report.from_result(
        result,
        method=method,
        radius=radius,
        data=[str(d) for d in data],
        split=split,
        largest_slice=largest_slice,
        shrink_to_diameter_px=list(shrink) if shrink else None,
        lesion_contrast_hu=list(lesion_contrast) if lesion_contrast else None,
        network_only=network_only,
        limit=limit,
        device=None if is_classical(method) else device,
        package_version=__version__,
        git_commit=commit,
        git_dirty=dirty,
        wall_time_s=round(time.perf_counter() - start, 3),
        date=datetime.now(timezone.utc).isoformat(timespec="seconds"),
    )
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    report.write(out / "report.json")
    plot_curves([report], out / "iou_curve.png")
    print(format_table(report))
    print(f"wrote {out / 'report.json'} and {out / 'iou_curve.png'}")
    return 0
