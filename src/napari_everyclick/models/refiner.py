"""FocalClick's refiner on the Focus Crop (methods spec 2.5).

Inputs at the refiner size S: the image crop (C channels), the click disks mapped into the crop
(2), sigmoid of the coarse logits RoI-aligned to the crop (1), and the coarse network's stride-4
features RoI-aligned to the crop. Separable conv blocks (mid 32 channels); a detail head M_d and a
boundary head M_b, fused in logit space: M_r = sigmoid(M_b) * M_d + (1 - sigmoid(M_b)) * M_l.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

MID_CHANNELS = 32


def fuse_refined(
    detail: torch.Tensor, boundary: torch.Tensor, coarse: torch.Tensor
) -> torch.Tensor:
    """M_r = sigmoid(M_b) * M_d + (1 - sigmoid(M_b)) * M_l, all logits of one shape."""
    gate = torch.sigmoid(boundary)
    return gate * detail + (1.0 - gate) * coarse


class SeparableBlock(nn.Module):
    """Depthwise 3x3 (with bias) -> pointwise 1x1 -> BN -> ReLU ("Xception" block)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.depthwise = nn.Conv2d(channels, channels, 3, padding=1, groups=channels)
        self.pointwise = nn.Conv2d(channels, channels, 1, bias=False)
        self.bn = nn.BatchNorm2d(channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.bn(self.pointwise(self.depthwise(x))), inplace=True)


class Refiner(nn.Module):
    """(image crop, click maps, coarse logits crop, feature crop) -> (refined, boundary, detail)."""

    def __init__(self, image_channels: int, feature_channels: int, mid: int = MID_CHANNELS) -> None:
        super().__init__()
        self.image_conv1 = nn.Sequential(
            nn.Conv2d(image_channels + 3, mid, 3, stride=2, padding=1),
            nn.BatchNorm2d(mid),
            nn.ReLU(inplace=True),
        )
        self.image_conv2 = SeparableBlock(mid)
        self.image_conv3 = SeparableBlock(mid)
        self.refine_fusion = nn.Sequential(
            nn.Conv2d(feature_channels, mid, 1, bias=False),
            nn.BatchNorm2d(mid),
            nn.ReLU(inplace=True),
        )
        self.refine_fusion2 = SeparableBlock(mid)
        self.refine_fusion3 = SeparableBlock(mid)
        self.refine_pred = nn.Conv2d(mid, 1, 3, padding=1)
        self.refine_trimap = nn.Conv2d(mid, 1, 3, padding=1)

    def forward(
        self,
        image: torch.Tensor,
        click_maps: torch.Tensor,
        coarse_logits: torch.Tensor,
        features: torch.Tensor,
    ) -> dict[str, torch.Tensor]:
        size = image.shape[-2:]
        x = torch.cat([image, click_maps, torch.sigmoid(coarse_logits)], dim=1)
        x = self.image_conv3(self.image_conv2(self.image_conv1(x)))
        f = self.refine_fusion(features)
        x = x + F.interpolate(f, size=x.shape[-2:], mode="bilinear", align_corners=True)
        x = self.refine_fusion3(self.refine_fusion2(x))
        detail = F.interpolate(self.refine_pred(x), size=size, mode="bilinear", align_corners=True)
        boundary = F.interpolate(
            self.refine_trimap(x), size=size, mode="bilinear", align_corners=True
        )
        return {
            "refined": fuse_refined(detail, boundary, coarse_logits),
            "boundary": boundary,
            "detail": detail,
        }
