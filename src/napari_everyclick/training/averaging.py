"""An exponential moving average of a network's weights, the copy a run validates and ships.

Batch-16 CPU steps are noisy: neighbouring validations of the raw weights swing by more than
what a training arm changes. The average over the last ~1/(1 - decay) steps is a smoother model
at no extra training cost (one lerp per tensor per step).
"""

from __future__ import annotations

import copy

import torch
from torch import nn


@torch.no_grad()
def lerp_weights_(model: nn.Module, other: dict[str, torch.Tensor], weight: float) -> None:
    """Move `model`'s weights and buffers in place `weight` of the way to `other`'s (a state dict
    of the same network); counters such as BatchNorm's num_batches_tracked take `other`'s."""
    for name, mine in model.state_dict().items():
        value = other[name]
        if mine.is_floating_point():
            mine.copy_((1.0 - weight) * mine + weight * value.to(mine.dtype))
        else:
            mine.copy_(value)


class WeightAverage:
    """`model` holds the running average of the weights (and buffers) passed to `update`.

    The effective decay is min(decay, (1 + n) / (10 + n)) after n updates, so a run that starts
    from random weights is not held at them for the first thousand steps.
    """

    def __init__(self, model: nn.Module, decay: float) -> None:
        if not 0.0 < decay < 1.0:
            raise ValueError(f"weight average decay must be in (0, 1), got {decay}")
        self.decay = decay
        self.updates = 0
        self.model = copy.deepcopy(model).eval().requires_grad_(False)

    def reset(self, model: nn.Module) -> None:
        """Start the average afresh at `model`'s weights (e.g. after --init-from)."""
        self.model.load_state_dict(model.state_dict())
        self.updates = 0

    def update(self, model: nn.Module) -> None:
        decay = min(self.decay, (1.0 + self.updates) / (10.0 + self.updates))
        lerp_weights_(self.model, model.state_dict(), 1.0 - decay)
        self.updates += 1

    def state_dict(self) -> dict:
        return {"model": self.model.state_dict(), "updates": self.updates}

    def load_state_dict(self, state: dict) -> None:
        self.model.load_state_dict(state["model"])
        self.updates = int(state["updates"])
