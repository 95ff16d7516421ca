"""Mean IoU vs clicks, one curve per report, drawn off-screen.

Uses matplotlib's object API (`Figure` + Agg canvas), never pyplot, so no GUI backend is ever
touched (safe headless, in tests and beside a running napari).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ..core.errors import EveryClickError
from ..core.metrics import NOC_THRESHOLDS
from .report import Report, load_report, report_label

RADIUS_STYLES: dict[str, str | tuple] = {
    "avg": "-",
    "static": "--",
    "tight": ":",
    "enclosing": "-.",
    "drag-then-plain": (0, (6, 2, 1, 2, 1, 2)),
    "plain-then-drag": (0, (1, 2, 1, 2, 6, 2)),
}
"""Line style per radius strategy; the colour is per method, so variants of one method match."""
SHRUNK_MARKER = "x"
"""Marker of a scale test (`--shrink`), so it never looks like the same method unshrunk."""
CONTRAST_MARKER = "+"
"""Marker of an edge-visibility test (`--lesion-contrast`)."""


def curve_marker(report: Report) -> str:
    """The marker of a report's curve: its test's, or a dot for the data as they are."""
    if report.shrink_to_diameter_px:
        return SHRUNK_MARKER
    return CONTRAST_MARKER if report.lesion_contrast_hu else "."


def curve_label(report: Report) -> str:
    """The legend entry of a report: method, radius strategy, scale test and sample count."""
    return f"{report_label(report)} (n={report.n_samples})"


def plot_curves(reports: Sequence[Report], out: str | Path) -> Path:
    """Write a PNG of mean IoU after clicks 1..N for each report; return its path."""
    if not reports:
        raise EveryClickError("no report to plot")
    fig = Figure(figsize=(6.4, 4.4), dpi=120)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    methods = list(dict.fromkeys(r.method for r in reports))
    for report in reports:
        ax.plot(
            range(1, report.clicks + 1),
            report.iou_at,
            marker=curve_marker(report),
            color=f"C{methods.index(report.method) % 10}",
            linestyle=RADIUS_STYLES.get(report.radius, "-"),
            label=curve_label(report),
        )
    for t in NOC_THRESHOLDS:
        ax.axhline(t, color="0.8", linewidth=0.8, linestyle="--", zorder=0)
    ax.set_xlabel("clicks")
    ax.set_ylabel("mean IoU")
    ax.set_ylim(0.0, 1.0)
    ax.set_xlim(1, max(r.clicks for r in reports))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize="small")  # beside the curves
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, bbox_inches="tight")
    return out


def plot_reports(reports: Sequence[str | Path], out: str | Path) -> None:
    """`everyclick plot`: read report.json files and draw their curves into the PNG `out`."""
    plot_curves([load_report(path) for path in reports], out)
