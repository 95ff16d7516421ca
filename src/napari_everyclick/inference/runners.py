"""Run the networks for one crop: numpy in, numpy out, under torch.inference_mode.

The predictors call only these methods, so another backend (ONNX Runtime) can stand in.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn


class TorchRunner:
    """Runs an HRNetOCR or FocalClickNet in eval mode on `device` (batch of 1, or 2 with flip)."""

    def __init__(self, model: nn.Module, device: torch.device) -> None:
        self.device = device
        self.device_name = str(device)
        self.model = model.to(device).eval()
        if device.type == "cpu":
            self.model = self.model.to(memory_format=torch.channels_last)

    def _tensor(self, array: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(np.ascontiguousarray(array)).to(self.device)

    def coarse(
        self, image: np.ndarray, coords: np.ndarray, flip: bool = False
    ) -> tuple[np.ndarray, object]:
        """Logits (h, w) of the crop and the network's stride-4 features (opaque handle)."""
        with torch.inference_mode():
            x, c = self._tensor(image)[None], self._tensor(coords)[None]
            if flip:
                x = torch.cat([x, x.flip(-1)])
                c = torch.cat([c, c.flip(-1)])
            out = self.model(x, c)
            logits = out["instances"][:, 0]
            if flip:
                logits = 0.5 * (logits[0] + logits[1].flip(-1))
            else:
                logits = logits[0]
            return logits.float().cpu().numpy(), out["features"][:1]

    def refine(
        self,
        focus_image: np.ndarray,
        focus_clicks: np.ndarray,
        coarse_logits: np.ndarray,
        features: object,
        box_xyxy: tuple[float, float, float, float],
    ) -> np.ndarray:
        """Refined logits (S, S) of the focus crop; box in coarse-input pixels [x0, y0, x1, y1]."""
        with torch.inference_mode():
            out = self.model.refine(
                self._tensor(focus_image)[None],
                self._tensor(focus_clicks)[None],
                self._tensor(coarse_logits)[None, None],
                features,
                torch.tensor([box_xyxy], dtype=torch.float32, device=self.device),
            )
            return out["refined"][0, 0].float().cpu().numpy()
