"""RITM's click guidance ("Conv1S", methods spec 1.3a).

[previous mask, positive disks, negative disks] (3 channels at the network input size) ->
1x1 conv (3->16) -> LeakyReLU(0.2) -> 3x3 stride-2 conv (16->C) -> learnable scale (init 0.05),
added to the HRNet stem after its first conv (stride 2).
"""

from __future__ import annotations

import torch
from torch import nn


class ScaleLayer(nn.Module):
    """Multiplies by |scale|, a learnable scalar (RITM's ScaleLayer)."""

    def __init__(self, init_value: float = 0.05) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.tensor(float(init_value)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.scale.abs()


class ClickGuidance(nn.Module):
    """Maps the 3 coordinate-feature channels to `out_channels` at half resolution."""

    def __init__(self, out_channels: int = 64, in_channels: int = 3) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(in_channels, 16, kernel_size=1),
            nn.LeakyReLU(0.2),
            nn.Conv2d(16, out_channels, kernel_size=3, stride=2, padding=1),
            ScaleLayer(0.05),
        )

    def forward(self, coord_features: torch.Tensor) -> torch.Tensor:
        return self.net(coord_features)
