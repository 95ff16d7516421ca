"""Evaluation records: per-sample results, the summary over samples and the written report.

The summary follows the methods spec (1.7, 5.2): mean IoU after each click, NoC and NoF at the
thresholds of `core.metrics.NOC_THRESHOLDS`, the Iterative IoU Error of the mean curve, and the
per-click latency of the method (milliseconds, the time of one `Session.click`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np

from ..core import metrics
from ..core.errors import EveryClickError, ReadError

TABLE_CLICKS: tuple[int, ...] = (1, 2, 3, 5, 10, 20)
"""The clicks whose mean IoU the printed table shows (those within the budget)."""

RECIST_CLICKS: tuple[int, ...] = (1, 3, 5)
"""The clicks after which the outline's RECIST axes are measured against the truth's."""

RECIST_TOLERANCE = 0.1
"""A long axis within this share of the truth's counts as right (RECIST calls a 20 % growth
of the diameters progression, a 30 % shrinkage a partial response)."""


def threshold_key(threshold: float) -> str:
    """The JSON key of a threshold: 0.8 -> "0.8", 0.85 -> "0.85"."""
    return f"{threshold:g}"


@dataclass(frozen=True)
class SampleResult:
    """One sample's run: its identity, target area (pixels) and one IoU per click.

    ious has exactly `clicks` entries: once the robot finds nothing left to correct, the last IoU
    is repeated and the method is no longer called, so latency_ms (one entry per method call, in
    ms) may be shorter. first_radius_px: radius of the first click in slice pixels.
    truth_axes_mm: the lesion's RECIST (long, short) axis on this slice, in mm. axes_mm: the
    outline's (long, short) axes after each click of RECIST_CLICKS within the budget, keyed by
    the click ("1", "3", "5"); (0, 0) for an empty outline. Reports written before these were
    recorded load with them empty.
    """

    case: str
    z: int
    lesion: int
    area_px: int
    ious: list[float]
    latency_ms: list[float]
    first_radius_px: float
    truth_axes_mm: list[float] = field(default_factory=list)
    axes_mm: dict[str, list[float]] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, int, int]:
        return (self.case, self.z, self.lesion)


@dataclass(frozen=True)
class Summary:
    """Figures over all samples. noc: mean clicks to reach each threshold (the budget when never
    reached); nof: samples never reaching it (success at the last click counts as success);
    latency_ms: median and 95th percentile of single method calls, in ms. recist: per click of
    RECIST_CLICKS, the median absolute error of the long and short axis (mm) against the
    truth's on the same slice, and the share of long axes within RECIST_TOLERANCE of it."""

    n_samples: int
    clicks: int
    iou_at: list[float]
    noc: dict[str, float]
    nof: dict[str, int]
    iterative_iou_error: float
    latency_ms: dict[str, float]
    recist: dict[str, dict[str, float]] = field(default_factory=dict)


def recist_summary(rows: Sequence[SampleResult]) -> dict[str, dict[str, float]]:
    """The `recist` figures of Summary from rows that carry axes (empty when none does)."""
    out: dict[str, dict[str, float]] = {}
    for click in (str(k) for k in RECIST_CLICKS):
        measured = [r for r in rows if click in r.axes_mm and r.truth_axes_mm]
        if not measured:
            continue
        truth = np.asarray([r.truth_axes_mm for r in measured], dtype=np.float64)
        found = np.asarray([r.axes_mm[click] for r in measured], dtype=np.float64)
        error = np.abs(found - truth)
        out[click] = {
            "long_mm": float(np.median(error[:, 0])),
            "short_mm": float(np.median(error[:, 1])),
            "long_within": float(np.mean(error[:, 0] <= RECIST_TOLERANCE * truth[:, 0])),
        }
    return out


def summarize(rows: Sequence[SampleResult], clicks: int) -> Summary:
    """The Summary of per-sample results that all ran `clicks` clicks."""
    if not rows:
        raise EveryClickError("no samples to summarize")
    all_ious = [row.ious for row in rows]
    curve = metrics.mean_iou_curve(all_ious)
    latencies = np.asarray([t for row in rows for t in row.latency_ms], dtype=np.float64)
    return Summary(
        n_samples=len(rows),
        clicks=clicks,
        iou_at=[float(v) for v in curve],
        noc={
            threshold_key(t): float(np.mean([metrics.noc(ious, t, clicks) for ious in all_ious]))
            for t in metrics.NOC_THRESHOLDS
        },
        nof={threshold_key(t): metrics.nof(all_ious, t) for t in metrics.NOC_THRESHOLDS},
        iterative_iou_error=metrics.iterative_iou_error(curve),
        latency_ms={
            "median": float(np.median(latencies)),
            "p95": float(np.percentile(latencies, 95)),
        },
        recist=recist_summary(rows),
    )


@dataclass(frozen=True)
class EvaluationResult:
    """What `evaluate_segmenter` returns: per-sample rows and their summary."""

    rows: list[SampleResult]
    summary: Summary


@dataclass(frozen=True)
class Report:
    """The content of report.json: the summary figures flat at top level, the run's context
    (data paths, split, package version, git commit and whether the package source differed
    from it, wall time in s, UTC date) and the rows."""

    method: str
    radius: str
    n_samples: int
    clicks: int
    iou_at: list[float]
    noc: dict[str, float]
    nof: dict[str, int]
    iterative_iou_error: float
    latency_ms: dict[str, float]
    data: list[str]
    split: str | None
    largest_slice: bool
    limit: int | None
    device: str | None
    package_version: str
    git_commit: str | None
    wall_time_s: float
    date: str
    git_dirty: bool | None = None  # absent from reports written before it was recorded
    shrink_to_diameter_px: list[float] | None = None  # `--shrink MIN MAX` scale test
    lesion_contrast_hu: list[float] | None = None  # `--lesion-contrast MIN MAX` edge test
    network_only: bool = False  # `--network-only`: a card's network without its hand-over
    recist: dict[str, dict[str, float]] = field(default_factory=dict)  # absent before 2026-11-25
    samples: list[SampleResult] = field(default_factory=list)

    @classmethod
    def from_result(cls, result: EvaluationResult, **context: Any) -> Report:
        """A report of `result`; `context` gives every field that is not a summary field."""
        summary = asdict(result.summary)
        return cls(**summary, **context, samples=list(result.rows))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def write(self, path: str | Path) -> Path:
        """Write the report as indented JSON; return the path."""
        path = Path(path)
        path.write_text(json.dumps(self.to_dict(), indent=1) + "\n")
        return path


def load_report(path: str | Path) -> Report:
    """Read a report.json written by `Report.write`; ReadError when it is not one."""
    path = Path(path)
    try:
        data = json.loads(path.read_text())
        rows = [SampleResult(**row) for row in data.pop("samples")]
        known = {f.name for f in fields(Report)}
        return Report(**{k: v for k, v in data.items() if k in known}, samples=rows)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ReadError(f"{path} is not an everyclick evaluation report: {exc}") from None


def compare_reports(a: Report, b: Report, click: int = 1) -> float:
    """Share (0..1) of the samples common to both reports where A's IoU after `click` (1-based)
    is strictly higher than B's. Samples are matched by (case, z, lesion)."""
    b_rows = {row.key: row for row in b.samples}
    pairs = [(row, b_rows[row.key]) for row in a.samples if row.key in b_rows]
    if not pairs:
        raise EveryClickError(f"reports of {a.method} and {b.method} share no sample")
    if not 1 <= click <= min(a.clicks, b.clicks):
        raise EveryClickError(f"click {click} is outside 1..{min(a.clicks, b.clicks)}")
    wins = sum(1 for ra, rb in pairs if ra.ious[click - 1] > rb.ious[click - 1])
    return wins / len(pairs)


def format_table(report: Report) -> str:
    """A compact text table of the headline figures, for the terminal."""
    shown = [k for k in TABLE_CLICKS if k <= report.clicks]
    header = [f"IoU@{k}" for k in shown]
    values = [f"{report.iou_at[k - 1]:.3f}" for k in shown]
    for t in metrics.NOC_THRESHOLDS:
        header.append(f"NoC@{round(t * 100)}")
        values.append(f"{report.noc[threshold_key(t)]:.2f}")
    for t in metrics.NOC_THRESHOLDS[1:]:
        header.append(f"NoF@{round(t * 100)}")
        values.append(str(report.nof[threshold_key(t)]))
    header.append("IIE")
    values.append(f"{report.iterative_iou_error:.4f}")
    header.append("ms/click med|p95")
    values.append(f"{report.latency_ms['median']:.3g}|{report.latency_ms['p95']:.3g}")
    widths = [max(len(h), len(v)) for h, v in zip(header, values)]
    title = (
        f"{report.method} (radius {report.radius}): {report.n_samples} samples, "
        f"{report.clicks} clicks, {report.wall_time_s:.1f} s"
    )
    lines = [
        title,
        "  ".join(h.rjust(w) for h, w in zip(header, widths)),
        "  ".join(v.rjust(w) for v, w in zip(values, widths)),
    ]
    if report.recist:
        per_click = [
            f"@{k} {f['long_mm']:.1f} / {f['short_mm']:.1f} mm, {f['long_within']:.0%}"
            for k, f in report.recist.items()
        ]
        lines.append(
            "RECIST axes against the truth (median |error| long / short, long within "
            f"{RECIST_TOLERANCE:.0%}): " + "; ".join(per_click)
        )
    return "\n".join(lines)


def report_label(report: Report) -> str:
    """Method (a card path shows as the card's name), radius and any scale test of a report."""
    method = Path(report.method).stem if report.method.endswith(".json") else report.method
    label = f"{method}{' (network alone)' if report.network_only else ''}, {report.radius}"
    if report.shrink_to_diameter_px:
        low, high = report.shrink_to_diameter_px
        label += f", shrunk to {low:g}-{high:g} px"
    if report.lesion_contrast_hu:
        low, high = report.lesion_contrast_hu
        label += f", lesions +-{low:g}-{high:g} HU"
    return label


def markdown_table(reports: Sequence[Report]) -> str:
    """A Markdown table of several reports (one row each), the form docs/ tables take."""
    header = ["method, radius", "n", *(f"IoU@{k}" for k in range(1, 6)), "IoU@10", "IoU@20"]
    header += ["NoC@85 / 90", "NoF@85 / 90", "IIE@20", "ms/click median / p95"]
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    for r in reports:
        name = report_label(r)
        ious = [f"{r.iou_at[k - 1]:.3f}" if k <= r.clicks else "-" for k in (1, 2, 3, 4, 5, 10, 20)]
        noc = " / ".join(f"{r.noc[threshold_key(t)]:.2f}" for t in (0.85, 0.90))
        nof = " / ".join(str(r.nof[threshold_key(t)]) for t in (0.85, 0.90))
        iie = f"{r.iterative_iou_error:.4f}" if r.clicks == 20 else f"({r.clicks} clicks)"
        latency = f"{r.latency_ms['median']:.3g} / {r.latency_ms['p95']:.3g}"
        lines.append(
            "| " + " | ".join([name, str(r.n_samples), *ious, noc, nof, iie, latency]) + " |"
        )
    return "\n".join(lines)
