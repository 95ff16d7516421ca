"""Interpolating two weight files of one network (`everyclick interpolate`).

A fine-tuning run often trades one skill for another (the first-click loss of phase 3c taught
RITM plain clicks and cost it drags); the weights on the line between its start and its end can
keep most of the gain at little of the cost (Wortsman et al. 2022, "Robust fine-tuning of
zero-shot models", WiSE-FT). The result is written as a run folder that `everyclick publish`
takes: fp16 safetensors and a card with the end's predictor settings and training record, plus
where it came from.
"""

from __future__ import annotations

from pathlib import Path

from ..core.errors import WeightsError
from ..models.build import build_model, net_config
from ..models.cards import ModelCard, read_card
from ..models.weights import load_weights
from .averaging import lerp_weights_
from .export import write_model


def _check_pair(start: ModelCard, end: ModelCard) -> None:
    if start.kind != end.kind or start.architecture != end.architecture:
        raise WeightsError(
            f"cannot interpolate {start.path} ({start.kind}) and {end.path} ({end.kind}): "
            "not the same network"
        )


def interpolate(
    start_card: str | Path,
    end_card: str | Path,
    share: float,
    folder: str | Path,
    name: str,
) -> Path:
    """Write `folder/name.safetensors` = (1 - share) x start + share x end, with its card (the
    end's settings, predictor and hand-over, and its training record, whose CPU time counts the
    start's when the end was trained from it, and an `interpolation` entry); return the card
    path."""
    if not 0.0 <= share <= 1.0:
        raise ValueError(f"share of the end weights must lie in [0, 1], got {share}")
    start, end = read_card(Path(start_card)), read_card(Path(end_card))
    _check_pair(start, end)
    model, target = (build_model(end.kind, net_config(end.architecture)) for _ in range(2))
    load_weights(model, start.weights_path, start.data["sha256"])
    load_weights(target, end.weights_path, end.data["sha256"])
    lerp_weights_(model, target.state_dict(), share)
    training = dict(end.data.get("training", {}))
    training["interpolation"] = {
        "start": {"card": start.name, "sha256": start.data["sha256"]},
        "end": {"card": end.name, "sha256": end.data["sha256"]},
        "share_of_end": share,
    }
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return write_model(
        model,
        folder,
        name,
        end.kind,
        end.architecture,
        end.data.get("predictor", {}),
        training,
        metrics={},
        static_prob=float(end.data.get("static_click_share", 0.0)),
        handover=end.data.get("handover"),
    )


def interpolate_main(start: str, end: str, share: float, out: str, name: str) -> int:
    """CLI entry."""
    path = interpolate(start, end, share, out, name)
    print(
        f"wrote {path} ({1 - share:g} x {start} + {share:g} x {end}); next: everyclick publish {out}"
    )
    return 0
