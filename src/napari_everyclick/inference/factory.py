"""Build a learned segmenter from a model card, or with random weights (tests, benchmarks)."""

from __future__ import annotations

from typing import Any

from ..core.errors import WeightsError
from ..models.build import build_model, net_config
from ..models.cards import ModelCard
from ..models.hrnet_ocr import NetConfig
from ..models.weights import load_weights
from .device import resolve_device
from .predictor import ClickPredictor, FocalClickPredictor, PredictorConfig
from .runners import TorchRunner

PREDICTORS = {"ritm": ClickPredictor, "focalclick": FocalClickPredictor}


def make_predictor(
    name: str,
    kind: str,
    model: Any,
    config: PredictorConfig,
    device: str = "auto",
) -> ClickPredictor:
    """A predictor of `kind` around an already built (and loaded) network."""
    runner = TorchRunner(model, resolve_device(device))
    return PREDICTORS[kind](name, runner, config)


def segmenter_from_card(
    card: ModelCard,
    device: str = "auto",
    progressive_merge: bool | None = None,
    flip: bool | None = None,
) -> ClickPredictor:
    """Load the card's weights (sha256 and shapes checked) into a ready predictor."""
    if card.kind not in PREDICTORS:
        raise WeightsError(f"model card {card.path} has unknown kind {card.kind!r}")
    model = build_model(card.kind, net_config(card.architecture))
    load_weights(model, card.weights_path, card.data["sha256"])
    config = PredictorConfig.from_dict(card.data.get("predictor", {}))
    overrides = {}
    if progressive_merge is not None:
        overrides["progressive_merge"] = progressive_merge
    if flip is not None:
        overrides["flip"] = flip
    if overrides:
        config = PredictorConfig(**{**config.__dict__, **overrides})
    return make_predictor(card.name, card.kind, model, config, device)


def random_segmenter(
    kind: str = "focalclick",
    net: NetConfig = NetConfig(),
    config: PredictorConfig = PredictorConfig(),
    device: str = "cpu",
    seed: int = 0,
) -> ClickPredictor:
    """An untrained network of `kind` (deterministic for a seed) behind the predictor."""
    import torch

    torch.manual_seed(seed)
    return make_predictor(f"{kind}-random", kind, build_model(kind, net), config, device)
