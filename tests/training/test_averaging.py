"""The moving average of the weights a run validates and ships (optim.average_decay)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from napari_everyclick.training.averaging import WeightAverage


def _net() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))


def test_update_follows_the_warm_up_then_the_decay():
    net = _net()
    average = WeightAverage(net, decay=0.9)
    start = average.model[0].weight.clone()
    with torch.no_grad():
        net[0].weight.add_(1.0)
    average.update(net)  # n = 0: decay min(0.9, 1/10) = 0.1, so 90 % of the new weights
    assert torch.allclose(average.model[0].weight, start + 0.9)
    for _ in range(100):
        average.update(net)
    # late updates use the configured decay: the average converges to the constant weights
    assert torch.allclose(average.model[0].weight, net[0].weight, atol=1e-4)
    assert average.updates == 101


def test_buffers_are_averaged_and_counters_copied():
    net = _net()
    average = WeightAverage(net, decay=0.5)
    net.train()
    net(torch.randn(8, 3) * 3 + 5)  # moves BatchNorm's running mean, counts one batch
    average.update(net)
    bn, avg_bn = net[1], average.model[1]
    assert torch.allclose(avg_bn.running_mean, 0.9 * bn.running_mean)  # from zeros, decay 0.1
    assert int(avg_bn.num_batches_tracked) == int(bn.num_batches_tracked) == 1


def test_the_average_is_frozen_in_eval_mode_and_separate_from_the_net():
    net = _net()
    average = WeightAverage(net, decay=0.99)
    assert not average.model.training
    assert not any(p.requires_grad for p in average.model.parameters())
    with torch.no_grad():
        net[0].weight.zero_()
    assert average.model[0].weight.abs().sum() > 0


def test_state_round_trip_and_reset():
    net = _net()
    average = WeightAverage(net, decay=0.9)
    with torch.no_grad():
        net[0].weight.add_(2.0)
    average.update(net)
    other = WeightAverage(_net(), decay=0.9)
    other.load_state_dict(average.state_dict())
    assert other.updates == 1
    assert torch.equal(other.model[0].weight, average.model[0].weight)
    other.reset(net)
    assert other.updates == 0 and torch.equal(other.model[0].weight, net[0].weight)


@pytest.mark.parametrize("decay", [0.0, 1.0, -0.5])
def test_decay_outside_the_open_interval_is_refused(decay):
    with pytest.raises(ValueError, match="decay"):
        WeightAverage(_net(), decay)
