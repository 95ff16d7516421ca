"""HRNetV2 + OCR interactive segmentation network on timm's HRNet (methods spec 1.3, 3).

The timm backbone is built with `pretrained=False` (no weights can be downloaded) and
`features_only=True, feature_location=''`; the click guidance is added after the stem's first
conv through a thin wrapper around timm's public `conv1/bn1/act1/conv2/bn2/act2/stages`. The four
branches are upsampled to stride 4 and concatenated, then the OCR head gives logits, aux logits
and the 2K-channel features the FocalClick refiner reads.

Our change to the recipe: with `prior_residual`, the output logits are the head's logits plus
`prior_scale * (2 * prior - 1)`, where the prior (the previous-mask channel) is the previous
prediction with the newest click's disk painted in. The classifier starts at zero, so an
untrained network returns the user's disk, and training learns the correction: the disk is the
starting point, not a hint.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import timm
import torch
import torch.nn.functional as F
from torch import nn

from .guidance import ClickGuidance
from .ocr import OCRHead

BACKBONES = ("hrnet_w18_small", "hrnet_w18_small_v2", "hrnet_w18", "hrnet_w32")
OCR_WIDTHS = {"hrnet_w18_small": 32, "hrnet_w18_small_v2": 48, "hrnet_w18": 64, "hrnet_w32": 128}
SIZE_MULTIPLE = 32  # timm's HRNet fuses branches with fixed x2^k upsampling


@dataclass(frozen=True)
class NetConfig:
    """Architecture of the click network. in_chans: image channels (see inference.channels)."""

    backbone: str = "hrnet_w18_small"
    in_chans: int = 2
    ocr_width: int = 0  # 0: the backbone's default (48 / 64 / 128)
    prior_residual: bool = True

    def resolved_ocr_width(self) -> int:
        return self.ocr_width or OCR_WIDTHS[self.backbone]

    def to_dict(self) -> dict:
        return asdict(self)


def pad_to_multiple(x: torch.Tensor, multiple: int = SIZE_MULTIPLE) -> torch.Tensor:
    """Zero-pad the bottom/right of a (B, C, H, W) tensor so H and W are multiples."""
    h, w = x.shape[-2:]
    ph, pw = (-h) % multiple, (-w) % multiple
    if ph or pw:
        x = F.pad(x, (0, pw, 0, ph))
    return x


class HRNetOCR(nn.Module):
    """image (B, C, H, W) + coord features (B, 3, H, W) = [prior, pos disks, neg disks] ->
    {"instances": logits (B, 1, H, W), "instances_aux": (B, 1, H, W),
     "features": (B, 2K, ceil32(H)/4, ceil32(W)/4)}. Any H, W (padded internally to x32)."""

    def __init__(self, config: NetConfig = NetConfig()) -> None:
        super().__init__()
        if config.backbone not in BACKBONES:
            raise ValueError(f"backbone must be one of {BACKBONES}, got {config.backbone!r}")
        self.config = config
        self.backbone = timm.create_model(
            config.backbone,
            pretrained=False,
            features_only=True,
            feature_location="",
            out_indices=(1, 2, 3, 4),
            in_chans=config.in_chans,
        )
        stem_channels = self.backbone.conv1.out_channels
        self.guidance = ClickGuidance(stem_channels)
        branch_channels = sum(self.backbone.feature_info.channels())
        self.head = OCRHead(branch_channels, config.resolved_ocr_width())
        self.feature_channels = 2 * config.resolved_ocr_width()
        if config.prior_residual:
            self.prior_scale = nn.Parameter(torch.tensor(3.0))
            nn.init.zeros_(self.head.cls_head.weight)
            nn.init.zeros_(self.head.cls_head.bias)

    def forward(self, image: torch.Tensor, coords: torch.Tensor) -> dict[str, torch.Tensor]:
        h, w = image.shape[-2:]
        x = pad_to_multiple(image)
        c = pad_to_multiple(coords)
        bb = self.backbone
        x = bb.act1(bb.bn1(bb.conv1(x)))
        x = x + self.guidance(c)
        x = bb.act2(bb.bn2(bb.conv2(x)))
        branches = bb.stages(x)
        size = branches[0].shape[-2:]
        up = [branches[0]] + [
            F.interpolate(b, size=size, mode="bilinear", align_corners=True) for b in branches[1:]
        ]
        logits, aux, feats = self.head(torch.cat(up, dim=1))
        full = c.shape[-2:]
        logits = F.interpolate(logits, size=full, mode="bilinear", align_corners=True)[..., :h, :w]
        aux = F.interpolate(aux, size=full, mode="bilinear", align_corners=True)[..., :h, :w]
        if self.config.prior_residual:
            logits = logits + self.prior_scale * (2.0 * coords[:, :1] - 1.0)
        return {"instances": logits, "instances_aux": aux, "features": feats}
