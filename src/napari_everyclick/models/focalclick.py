"""FocalClick: the coarse HRNet+OCR network plus the refiner on the Focus Crop (spec 2.1, 2.5)."""

from __future__ import annotations

import torch
from torch import nn
from torchvision.ops import roi_align

from .hrnet_ocr import HRNetOCR, NetConfig
from .refiner import Refiner

FEATURE_STRIDE = 4


class FocalClickNet(nn.Module):
    """`forward` is the coarse pass (as HRNetOCR); `refine` runs the refiner on focus boxes.

    Boxes are (B, 4) float [x0, y0, x1, y1] in pixels of the coarse network's input, the focus
    crop's extent; the refiner works at the focus image's size S (S x S, S divisible by 4).
    """

    def __init__(self, config: NetConfig = NetConfig()) -> None:
        super().__init__()
        self.config = config
        self.coarse = HRNetOCR(config)
        self.refiner = Refiner(config.in_chans, self.coarse.feature_channels)

    def forward(self, image: torch.Tensor, coords: torch.Tensor) -> dict[str, torch.Tensor]:
        return self.coarse(image, coords)

    def refine(
        self,
        focus_image: torch.Tensor,
        focus_clicks: torch.Tensor,
        coarse_logits: torch.Tensor,
        features: torch.Tensor,
        boxes: torch.Tensor,
    ) -> dict[str, torch.Tensor]:
        size = int(focus_image.shape[-1])  # a python int, also while tracing for ONNX
        index = torch.arange(boxes.shape[0], dtype=boxes.dtype, device=boxes.device)
        rois = torch.cat([index[:, None], boxes], dim=1)
        coarse_crop = roi_align(
            coarse_logits, rois, output_size=size, spatial_scale=1.0, aligned=True
        )
        feature_crop = roi_align(
            features,
            rois,
            output_size=size // FEATURE_STRIDE,
            spatial_scale=1.0 / FEATURE_STRIDE,
            aligned=True,
        )
        return self.refiner(focus_image, focus_clicks, coarse_crop, feature_crop)
