"""Build a learned segmenter from a model card, or with random weights (tests, benchmarks)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..core.errors import EveryClickError, WeightsError
from ..core.handover import Handover, HandoverRule
from ..core.segmenter import Segmenter
from ..methods import CLASSICAL
from ..models.build import build_model, net_config
from ..models.cards import ModelCard
from ..models.hrnet_ocr import NetConfig
from ..models.weights import load_weights
from .device import resolve_device
from .predictor import ClickPredictor, FocalClickPredictor, PredictorConfig
from .runners import TorchRunner

PREDICTORS = {"ritm": ClickPredictor, "focalclick": FocalClickPredictor}


BACKENDS = ("auto", "torch", "onnx")


def onnx_available() -> bool:
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def make_predictor(
    name: str,
    kind: str,
    model: Any,
    config: PredictorConfig,
    device: str = "auto",
    backend: str = "auto",
) -> ClickPredictor:
    """A predictor of `kind` around an already built (and loaded) network.

    backend: `torch` (any device), `onnx` (ONNX Runtime on the CPU, verified against torch at
    load), or `auto`: ONNX Runtime when the device is the CPU and onnxruntime is installed (it
    ran our networks several times faster than eager torch on CPU), torch otherwise.
    """
    if backend == "auto":
        cpu = resolve_device(device).type == "cpu"
        backend = "onnx" if cpu and onnx_available() else "torch"
    if backend == "onnx":
        from .onnx_runner import OnnxRunner

        refine = config.focus.refine_size if kind == "focalclick" else None
        runner = OnnxRunner(model, config.crop.net_size, refine)
    elif backend == "torch":
        runner = TorchRunner(model, resolve_device(device))
    else:
        raise EveryClickError(f"backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    return PREDICTORS[kind](name, runner, config)


def segmenter_from_card(
    card: ModelCard,
    device: str = "auto",
    progressive_merge: bool | None = None,
    flip: bool | None = None,
    backend: str = "auto",
    handover: bool = True,
) -> Segmenter:
    """Load the card's weights (sha256 and shapes checked) into a ready predictor, behind the
    card's hand-over to a classical method if it has one (`handover` False: the network alone,
    for every click)."""
    if card.kind not in PREDICTORS:
        raise WeightsError(f"model card {card.path} has unknown kind {card.kind!r}")
    try:
        config = PredictorConfig.from_dict(card.data.get("predictor", {}))
        rule = handover_rule(card.data.get("handover"))
    except (TypeError, ValueError) as exc:
        raise WeightsError(f"model card {card.path} has bad predictor settings: {exc}") from None
    model = build_model(card.kind, net_config(card.architecture))
    load_weights(model, card.weights_path, card.data["sha256"])
    overrides = {}
    if progressive_merge is not None:
        overrides["progressive_merge"] = progressive_merge
    if flip is not None:
        overrides["flip"] = flip
    if overrides:
        config = PredictorConfig(**{**config.__dict__, **overrides})
    predictor = make_predictor(card.name, card.kind, model, config, device, backend)
    return behind_handover(predictor, rule if handover else None)


def handover_rule(data: Mapping[str, Any] | None) -> HandoverRule | None:
    """The hand-over rule a model card or a training config records (None: it has none);
    TypeError or ValueError when it is malformed or names no classical method."""
    if data is None:
        return None
    rule = HandoverRule.from_dict(data)
    if rule.refiner not in CLASSICAL:
        raise ValueError(
            f"hands over to {rule.refiner!r}, which is no classical method ({', '.join(CLASSICAL)})"
        )
    refiner(rule)  # settings it does not take: an error now, not at the first click
    return rule


def refiner(rule: HandoverRule) -> Segmenter:
    """The classical method `rule` hands over to, with the rule's settings for it; TypeError
    for a setting it does not take."""
    make = CLASSICAL[rule.refiner][0]
    try:
        return make(**rule.refiner_settings)
    except TypeError as exc:
        raise TypeError(f"refiner_settings for {rule.refiner}: {exc}") from None


def behind_handover(predictor: ClickPredictor, rule: HandoverRule | None) -> Segmenter:
    """The predictor itself, or behind a hand-over to the classical method `rule` names."""
    return predictor if rule is None else Handover(predictor, refiner(rule), rule)


def random_segmenter(
    kind: str = "focalclick",
    net: NetConfig = NetConfig(),
    config: PredictorConfig = PredictorConfig(),
    device: str = "cpu",
    seed: int = 0,
    backend: str = "auto",
) -> ClickPredictor:
    """An untrained network of `kind` (deterministic for a seed) behind the predictor."""
    import torch

    torch.manual_seed(seed)
    model = build_model(kind, net)
    return make_predictor(f"{kind}-random", kind, model, config, device, backend)
