"""Build a network from its kind and architecture config (what a model card records)."""

from __future__ import annotations

from typing import Any

from torch import nn

from .focalclick import FocalClickNet
from .hrnet_ocr import HRNetOCR, NetConfig

MODEL_KINDS = ("ritm", "focalclick")


def net_config(architecture: dict[str, Any]) -> NetConfig:
    """The NetConfig in a card's `architecture` dict (unknown keys are ignored)."""
    fields = NetConfig.__dataclass_fields__
    return NetConfig(**{k: v for k, v in architecture.items() if k in fields})


def build_model(kind: str, config: NetConfig) -> nn.Module:
    """A randomly initialised RITM (HRNetOCR) or FocalClick (coarse + refiner) network."""
    if kind == "ritm":
        return HRNetOCR(config)
    if kind == "focalclick":
        return FocalClickNet(config)
    raise ValueError(f"model kind must be one of {MODEL_KINDS}, got {kind!r}")
