"""Training losses (methods spec 4.1): normalised focal loss, BCE, and FocalClick's refiner terms;
an optional soft IoU term on the main output (ours)."""

from __future__ import annotations

import cv2
import numpy as np
import torch
import torch.nn.functional as F


def normalized_focal_loss(
    logits: torch.Tensor,
    target: torch.Tensor,
    weight: torch.Tensor | None = None,
    alpha: float = 0.5,
    gamma: float = 2.0,
    eps: float = 1e-12,
) -> torch.Tensor:
    """RITM's NFL(alpha, gamma): focal terms rescaled per sample so they sum to the pixel count
    (the scale is detached); mean over the batch. With `weight` (pixel weights, e.g. the
    refiner's boundary weighting), the loss is sum(loss * w) / sum(w) over the batch."""
    prob = torch.sigmoid(logits)
    pt = torch.where(target > 0.5, prob, 1.0 - prob)
    beta = (1.0 - pt) ** gamma
    dims = tuple(range(1, logits.dim()))
    count = torch.ones_like(beta).sum(dim=dims, keepdim=True)
    scale = (count / (beta.sum(dim=dims, keepdim=True) + eps)).detach()
    alpha_t = torch.where(target > 0.5, alpha, 1.0 - alpha)
    loss = -alpha_t * beta * scale * torch.log(torch.clamp(pt + eps, max=1.0))
    if weight is not None:
        return (loss * weight).sum() / (weight.sum() + eps)
    return (loss.sum(dim=dims) / (count.squeeze() + eps)).mean()


def soft_iou_loss(logits: torch.Tensor, target: torch.Tensor, eps: float = 1.0) -> torch.Tensor:
    """1 - soft Jaccard index per sample (sum p t / sum (p + t - p t), eps-smoothed), mean over
    the batch: the per-object IoU the evaluation averages, so a large object's missed rim
    costs as much as a small object's."""
    prob = torch.sigmoid(logits)
    dims = tuple(range(1, logits.dim()))
    inter = (prob * target).sum(dim=dims)
    union = (prob + target - prob * target).sum(dim=dims)
    return (1.0 - (inter + eps) / (union + eps)).mean()


def bce_loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return F.binary_cross_entropy_with_logits(logits, target)


def boundary_band(mask: np.ndarray) -> np.ndarray:
    """FocalClick's trimap target (spec 4.6): down 1/8, up, XOR with the mask, dilate 2x3x3."""
    m = mask.astype(np.uint8) * 255
    h, w = m.shape
    small = cv2.resize(m, (max(w // 8, 1), max(h // 8, 1)), interpolation=cv2.INTER_LINEAR) > 128
    up = cv2.resize(small.astype(np.uint8) * 255, (w, h), interpolation=cv2.INTER_LINEAR) > 128
    band = np.logical_xor(up, mask > 0).astype(np.uint8)
    return cv2.dilate(band, np.ones((3, 3), np.uint8), iterations=2).astype(bool)
