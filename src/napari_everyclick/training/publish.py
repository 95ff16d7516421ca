"""`everyclick publish`: ship a run's best weights into the model zoo with val figures.

Copies runs/NAME/NAME.safetensors and NAME.json into the package's weights/ folder, then runs
exactly what a user would run, `everyclick evaluate --method NAME --data ROOT --split val
--clicks 20` under `--radius avg` and `--radius static` (and the `disk` and `flood` baselines on
the same samples), and writes those figures into the card, so `everyclick evaluate` reproduces
them. The widget makes a model its default only when the card shows it beats flood.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from ..core.errors import WeightsError
from ..evaluation.report import compare_reports, load_report
from ..evaluation.runner import run_evaluation
from ..models.cards import WEIGHTS_DIR, read_card

CARD_CLICKS = 5  # IoU@1..5 in the card; NoC/NoF/IIE over the full click budget


def card_figures(report_path: Path) -> dict[str, Any]:
    """The figures a card records from one report.json."""
    report = load_report(report_path).to_dict()
    return {
        "iou_at": [round(v, 4) for v in report["iou_at"][:CARD_CLICKS]],
        "noc": {k: round(v, 3) for k, v in report["noc"].items()},
        "nof": report["nof"],
        "iterative_iou_error": round(report["iterative_iou_error"], 4),
        "clicks": report["clicks"],
        "n_samples": report["n_samples"],
        "latency_ms": {k: round(v, 1) for k, v in report["latency_ms"].items()},
    }


def ship_file(source: Path, folder: Path) -> Path:
    """Copy `source` into `folder`, readable by everyone (0644) whatever its own mode: a run's
    safetensors may be private to its owner (0600), and shipped weights are installed for
    other users too."""
    target = Path(folder) / Path(source).name
    shutil.copyfile(source, target)
    target.chmod(0o644)
    return target


def publish(
    run_folder: str | Path,
    data: str = "../shared/data",
    clicks: int = 20,
    dest: Path = WEIGHTS_DIR,
    device: str = "auto",
) -> Path:
    """Copy the run's model into `dest` and record its val figures in the card; return it."""
    run_folder = Path(run_folder)
    cards = sorted(run_folder.glob("*.json"))
    cards = [c for c in cards if c.name != "config.json"]
    if not cards:
        raise WeightsError(f"{run_folder} holds no model card (has the run validated yet?)")
    if len(cards) > 1:
        names = ", ".join(c.name for c in cards)
        raise WeightsError(
            f"{run_folder} holds {len(cards)} model cards ({names}); publish takes a folder "
            "with one (e.g. give `everyclick interpolate --out` a folder of its own)"
        )
    card = read_card(cards[0])
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    ship_file(card.weights_path, dest)
    ship_file(card.path, dest)
    reports = {}
    baselines = (("disk", "avg"), ("flood", "avg"))
    for method, radius in ((card.name, "avg"), (card.name, "static"), *baselines):
        out = run_folder / f"eval-{method}-{radius}"
        run_evaluation(
            method, [data], out, split="val", clicks=clicks, radius=radius, device=device
        )
        reports[(method, radius)] = out / "report.json"
    model_avg = load_report(reports[(card.name, "avg")])
    disk_avg = load_report(reports[("disk", "avg")])
    published = json.loads((dest / card.path.name).read_text())
    published["metrics"] = {
        **published.get("metrics", {}),
        "val_avg": card_figures(reports[(card.name, "avg")]),
        "val_static": card_figures(reports[(card.name, "static")]),
        "disk_val_avg": card_figures(reports[("disk", "avg")]),
        "flood_val_avg": card_figures(reports[("flood", "avg")]),
        "beats_disk_at_click1_share": round(compare_reports(model_avg, disk_avg, click=1), 4),
        "evaluation_command": (
            f"everyclick evaluate --method {card.name} --data {data} --split val "
            f"--clicks {clicks} --radius avg|static --out DIR"
        ),
    }
    (dest / card.path.name).write_text(json.dumps(published, indent=1))
    print(f"published {card.name} into {dest}")
    return dest / card.path.name
