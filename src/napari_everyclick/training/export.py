"""Writing shipped weights: fp16 safetensors plus the JSON model card, and loading starting
weights for `--init-from` across kinds (a RITM network seeds FocalClick's coarse network)."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from torch import nn

from ..core.errors import WeightsError
from ..evaluation.runner import git_state
from ..inference.inputs import CHANNELS
from ..models.weights import read_state, save_weights

DATA_SOURCES = [
    "IBSI validation data set, soft-tissue sarcoma CT (theibsi/data_sets, commit 6da96021bc91faf4c0cb7fd7fa56a4225d2064a8), CC BY 3.0",
    "Vallieres M, Freeman CR, Skamene SR, El Naqa I (2015). A radiomics model from joint FDG-PET and MRI texture features for the prediction of lung metastases in soft-tissue sarcomas of the extremities. The Cancer Imaging Archive. DOI: 10.7937/K9/TCIA.2015.7GO2GSKS",
    "Vallieres M, Freeman CR, Skamene SR, El Naqa I (2015). Physics in Medicine and Biology 60(14):5471. DOI: 10.1088/0031-9155/60/14/5471",
    "Clark K et al. (2013). The Cancer Imaging Archive (TCIA): Maintaining and Operating a Public Information Repository. Journal of Digital Imaging 26(6):1045-1057. DOI: 10.1007/s10278-013-9622-7",
]


def write_model(
    model: nn.Module,
    folder: Path,
    name: str,
    kind: str,
    architecture: dict[str, Any],
    predictor: dict[str, Any],
    training: dict[str, Any],
    metrics: dict[str, Any],
    static_prob: float,
    handover: dict[str, Any] | None = None,
) -> Path:
    """Save `folder/name.safetensors` (fp16) and `folder/name.json`; return the card path.
    `handover`: the card's hand-over to a classical method (core/handover.py), if any."""
    folder = Path(folder)
    weights = folder / f"{name}.safetensors"
    sha = save_weights(model, weights, half=True)
    clicks = (
        "hybrid" if 0.0 < static_prob < 1.0 else ("static" if static_prob >= 1.0 else "dynamic")
    )
    card = {
        "name": name,
        "kind": kind,
        "weights": weights.name,
        "sha256": sha,
        "architecture": architecture,
        "predictor": predictor,
        **({} if handover is None else {"handover": handover}),
        "input": {
            "channels": list(CHANNELS),
            "normalisation": "each channel: HU windowed to [0, 1] then scaled to [-1, 1]; "
            "outside the slice -1 (air)",
            "coord_features": "[prior = previous probability with the newest disk painted in, "
            "positive disks, negative disks], radii in network pixels",
        },
        "clicks": clicks,
        "static_click_share": static_prob,
        "data": {
            "train": "../shared/data ibsi-sts, split train (41 patients)",
            "select": "../shared/data ibsi-sts, split val (10 patients)",
            "sources": DATA_SOURCES,
        },
        "training": training,
        "metrics": metrics,
        "written": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": " ".join(sys.argv),
        "commit": git_state()[0],
    }
    path = folder / f"{name}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(card, indent=1))
    tmp.replace(path)
    return path


def init_from(model: nn.Module, path: str | Path) -> list[str]:
    """Load starting weights: the same architecture, or a RITM network into FocalClick's coarse
    part (and back). Returns the parameter names left at their initial values."""
    state = read_state(Path(path))
    own = model.state_dict()
    if set(state) != set(own):
        if any(k.startswith("coarse.") for k in own) and not any(
            k.startswith("coarse.") for k in state
        ):
            state = {f"coarse.{k}": v for k, v in state.items()}
        elif any(k.startswith("coarse.") for k in state) and not any(
            k.startswith("coarse.") for k in own
        ):
            state = {k[len("coarse.") :]: v for k, v in state.items() if k.startswith("coarse.")}
    unexpected = sorted(set(state) - set(own))
    wrong = [k for k in state if k in own and state[k].shape != own[k].shape]
    if unexpected or wrong:
        raise WeightsError(
            f"{path} does not fit this architecture ({len(unexpected)} unexpected tensors, "
            f"{len(wrong)} of wrong shape)"
        )
    model.load_state_dict({k: v.to(own[k].dtype) for k, v in state.items()}, strict=False)
    return sorted(set(own) - set(state))
