"""The training run's PNG: loss (smoothed) and validation IoU vs step."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np


def read_csv(path: Path) -> list[dict[str, float]]:
    if not path.is_file():
        return []
    with open(path, newline="") as fh:
        return [
            {k: float(v) for k, v in row.items() if v not in ("", None)}
            for row in csv.DictReader(fh)
        ]


def plot_run(folder: Path) -> Path:
    """Draw folder/curves.png from log.csv and val.csv."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    log, val = read_csv(folder / "log.csv"), read_csv(folder / "val.csv")
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    if log:
        steps = np.array([r["step"] for r in log])
        loss = np.array([r["loss"] for r in log])
        k = max(1, len(loss) // 50)
        smooth = np.convolve(loss, np.ones(k) / k, mode="valid")
        ax1.plot(steps, loss, alpha=0.25, color="tab:blue")
        ax1.plot(steps[k - 1 :], smooth, color="tab:blue")
    ax1.set(xlabel="step", ylabel="loss", title="training loss")
    if val:
        steps = [r["step"] for r in val]
        for key in ("iou1_avg", "iou5_avg", "iou1_static", "iou5_static", "disk_iou1_avg"):
            if key in val[0]:
                style = "--" if key.startswith("disk") else "-"
                ax2.plot(steps, [r[key] for r in val], style, marker="o", ms=3, label=key)
        ax2.legend(fontsize=8)
    ax2.set(xlabel="step", ylabel="mean IoU (val subset)", title="validation")
    ax2.grid(alpha=0.3)
    fig.tight_layout()
    out = folder / "curves.png"
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return out
