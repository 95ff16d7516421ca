"""The OCR head on concatenated HRNet features (methods spec 3.3).

With one object class the attention softmax is over a single region and is identically 1, so OCR
reduces to adding an aux-weighted globally pooled descriptor; we keep the faithful layer structure
(query/key/value convs) so widths and behaviour match RITM's.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def conv_bn_relu(cin: int, cout: int, kernel: int = 1, bias: bool = False) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, kernel, padding=kernel // 2, bias=bias),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
    )


class SpatialGather(nn.Module):
    """Object region descriptor: features pooled with softmax(aux logits) over all pixels."""

    def forward(self, feats: torch.Tensor, aux_logits: torch.Tensor) -> torch.Tensor:
        b, c = feats.shape[:2]
        weights = F.softmax(aux_logits.flatten(2), dim=2)  # B x 1 x HW
        context = torch.bmm(weights, feats.flatten(2).transpose(1, 2))  # B x 1 x C
        return context.transpose(1, 2).reshape(b, c, 1, 1)


class SpatialOCR(nn.Module):
    """Object attention (key width K) followed by the concat-conv fusion (2K -> 2K)."""

    def __init__(self, channels: int, key_channels: int, dropout: float = 0.05) -> None:
        super().__init__()
        self.key_channels = key_channels
        self.f_pixel = nn.Sequential(
            conv_bn_relu(channels, key_channels), conv_bn_relu(key_channels, key_channels)
        )
        self.f_object = nn.Sequential(
            conv_bn_relu(channels, key_channels), conv_bn_relu(key_channels, key_channels)
        )
        self.f_down = conv_bn_relu(channels, key_channels)
        self.f_up = conv_bn_relu(key_channels, channels)
        self.fuse = nn.Sequential(conv_bn_relu(2 * channels, channels), nn.Dropout2d(dropout))

    def forward(self, feats: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
        b, _, h, w = feats.shape
        query = self.f_pixel(feats).flatten(2).transpose(1, 2)  # B x HW x K
        key = self.f_object(context).flatten(2)  # B x K x R
        value = self.f_down(context).flatten(2).transpose(1, 2)  # B x R x K
        sim = F.softmax(torch.bmm(query, key) * self.key_channels**-0.5, dim=-1)
        attended = torch.bmm(sim, value).transpose(1, 2).reshape(b, self.key_channels, h, w)
        attended = self.f_up(attended)
        return self.fuse(torch.cat([attended, feats], dim=1))


class OCRHead(nn.Module):
    """aux head + 3x3 conv to 2K + object context + classifier; all outputs at stride 4.

    Returns (logits, aux_logits, features) with features the 2K-channel post-OCR map that the
    FocalClick refiner reads.
    """

    def __init__(self, in_channels: int, ocr_width: int) -> None:
        super().__init__()
        mid = 2 * ocr_width
        self.aux_head = nn.Sequential(
            nn.Conv2d(in_channels, in_channels, 1),
            nn.BatchNorm2d(in_channels),
            nn.ReLU(inplace=True),
            nn.Conv2d(in_channels, 1, 1),
        )
        self.conv3x3_ocr = conv_bn_relu(in_channels, mid, kernel=3, bias=True)
        self.gather = SpatialGather()
        self.ocr = SpatialOCR(mid, ocr_width)
        self.cls_head = nn.Conv2d(mid, 1, 1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        aux = self.aux_head(x)
        feats = self.conv3x3_ocr(x)
        feats = self.ocr(feats, self.gather(feats, aux))
        return self.cls_head(feats), aux, feats
