"""The linear learning-rate warm-up of a run's first steps (optim.warmup_steps)."""

from __future__ import annotations

import pytest
import torch

from napari_everyclick.training.loop import warm_up


def _optimizer(lr: float) -> torch.optim.Optimizer:
    return torch.optim.Adam([torch.nn.Parameter(torch.zeros(3))], lr=lr)


def test_the_rate_rises_linearly_to_the_configured_one():
    optimizer = _optimizer(1e-4)
    rates = []
    for step in range(4):
        warm_up(optimizer, step, lr=1e-4, warmup_steps=4)
        rates.append(optimizer.param_groups[0]["lr"])
    assert rates == pytest.approx([2.5e-5, 5e-5, 7.5e-5, 1e-4])


def test_after_the_warm_up_the_scheduler_owns_the_rate():
    optimizer = _optimizer(3e-5)  # as lowered by the plateau scheduler
    warm_up(optimizer, 4, lr=1e-4, warmup_steps=4)
    assert optimizer.param_groups[0]["lr"] == 3e-5


def test_no_warm_up_leaves_the_rate_alone():
    optimizer = _optimizer(1e-4)
    warm_up(optimizer, 0, lr=1e-4, warmup_steps=0)
    assert optimizer.param_groups[0]["lr"] == 1e-4
