"""Training losses on hand-checkable cases: the normalised focal loss (spec 4.1), the soft IoU
term and the FocalClick boundary band (spec 4.6)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy import ndimage

from napari_everyclick.training.losses import (
    bce_loss,
    boundary_band,
    normalized_focal_loss,
    soft_iou_loss,
)

LN2 = math.log(2.0)


def nfl(logits, target, **kwargs) -> float:
    return float(normalized_focal_loss(torch.tensor(logits), torch.tensor(target), **kwargs))


def test_perfect_prediction_is_zero():
    target = (torch.rand(2, 1, 16, 16, generator=torch.Generator().manual_seed(0)) > 0.5).float()
    logits = 30.0 * (2 * target - 1)
    assert float(normalized_focal_loss(logits, target)) == pytest.approx(0.0, abs=1e-6)


def test_single_uncertain_pixel_by_hand():
    """p = 0.5 on a positive: pt = 0.5, beta = 0.25, scale = 1 / 0.25, so the loss is
    0.5 * 0.25 * 4 * ln 2 = 0.5 ln 2."""
    assert nfl([[[[0.0]]]], [[[[1.0]]]]) == pytest.approx(0.5 * LN2, rel=1e-5)
    assert nfl([[[[0.0]]]], [[[[0.0]]]]) == pytest.approx(0.5 * LN2, rel=1e-5)


def test_normalisation_puts_the_weight_on_the_hard_pixels():
    """One uncertain and one confident pixel: beta sums to 0.25, the scale is 2 / 0.25 = 8,
    the uncertain pixel's loss is 0.5 * 0.25 * 8 * ln 2 = ln 2 and the mean over 2 pixels is
    0.5 ln 2, the same as the uncertain pixel alone: the easy pixel does not dilute it."""
    assert nfl([[[[0.0, 40.0]]]], [[[[1.0, 1.0]]]]) == pytest.approx(0.5 * LN2, rel=1e-5)


def test_symmetric_in_the_labels():
    gen = torch.Generator().manual_seed(1)
    logits = torch.randn(2, 1, 8, 8, generator=gen) * 3
    target = (torch.rand(2, 1, 8, 8, generator=gen) > 0.4).float()
    a = normalized_focal_loss(logits, target)
    b = normalized_focal_loss(-logits, 1 - target)
    assert float(a) == pytest.approx(float(b), rel=1e-5)
    assert float(a) > 0.0


def test_worse_predictions_cost_more():
    target = torch.ones(1, 1, 4, 4)
    losses = [float(normalized_focal_loss(torch.full((1, 1, 4, 4), v), target)) for v in (2, 0, -2)]
    assert losses[0] < losses[1] < losses[2]


def test_batch_mean_of_per_sample_losses():
    gen = torch.Generator().manual_seed(2)
    logits = torch.randn(3, 1, 8, 8, generator=gen)
    target = (torch.rand(3, 1, 8, 8, generator=gen) > 0.5).float()
    whole = normalized_focal_loss(logits, target)
    parts = [normalized_focal_loss(logits[i : i + 1], target[i : i + 1]) for i in range(3)]
    assert float(whole) == pytest.approx(float(torch.stack(parts).mean()), rel=1e-5)


def test_weight_argument():
    gen = torch.Generator().manual_seed(3)
    logits = torch.randn(2, 1, 8, 8, generator=gen)
    target = (torch.rand(2, 1, 8, 8, generator=gen) > 0.5).float()
    plain = normalized_focal_loss(logits, target)
    ones = normalized_focal_loss(logits, target, weight=torch.ones_like(target))
    assert float(ones) == pytest.approx(float(plain), rel=1e-5)
    assert float(normalized_focal_loss(logits, target, weight=torch.full_like(target, 7.0))) == (
        pytest.approx(float(plain), rel=1e-5)
    )
    # weight 0 on a confident correct half: sum(loss * w) / sum(w) over the other half
    logits2 = torch.tensor([[[[0.0, 0.0, 40.0, 40.0]]]])
    target2 = torch.ones(1, 1, 1, 4)
    weight = torch.tensor([[[[1.0, 1.0, 0.0, 0.0]]]])
    # beta sums to 0.5, scale 4 / 0.5 = 8; each uncertain pixel 0.5 * 0.25 * 8 * ln 2 = ln 2
    assert float(normalized_focal_loss(logits2, target2, weight=weight)) == pytest.approx(
        LN2, rel=1e-5
    )


def test_scale_is_detached():
    """The gradient treats the normalisation as a constant (RITM detaches it)."""
    logits = torch.tensor([[[[0.5, -1.0, 2.0]]]], requires_grad=True)
    target = torch.tensor([[[[1.0, 0.0, 1.0]]]])
    normalized_focal_loss(logits, target).backward()
    p = torch.sigmoid(logits.detach())
    pt = torch.where(target > 0.5, p, 1 - p)
    beta = (1 - pt) ** 2
    scale = 3 / beta.sum()
    x = logits.detach().clone().requires_grad_(True)
    q = torch.sigmoid(x)
    qt = torch.where(target > 0.5, q, 1 - q)
    manual = (-0.5 * (1 - qt) ** 2 * scale * torch.log(qt)).sum() / 3
    manual.backward()
    assert torch.allclose(logits.grad, x.grad, atol=1e-6)


def test_bce_loss_by_hand():
    assert float(bce_loss(torch.zeros(1, 1, 2, 2), torch.ones(1, 1, 2, 2))) == pytest.approx(LN2)


def disk(shape, cy, cx, r) -> np.ndarray:
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    return (yy - cy) ** 2 + (xx - cx) ** 2 <= r**2


@pytest.mark.parametrize("r", [9.0, 15.0, 22.0])
def test_boundary_band_is_a_band_around_the_edge(r):
    mask = disk((64, 64), 31.3, 30.6, r)
    band = boundary_band(mask)
    assert band.shape == mask.shape and band.dtype == bool
    assert band.any()
    inside = ndimage.distance_transform_edt(mask)
    outside = ndimage.distance_transform_edt(~mask)
    distance_to_edge = np.where(mask, inside, outside)
    assert distance_to_edge[band].max() <= 8  # within a few pixels of the edge
    assert not band[distance_to_edge > 8].any()  # far inside and far outside: not the band
    assert band[mask].any() and band[~mask].any()  # it straddles the edge
    # the band is dilated twice: every band pixel lies within 2 px of the down/up mismatch
    assert band.sum() < 0.9 * (distance_to_edge <= 8).sum()


def test_boundary_band_of_empty_and_full_masks_is_empty():
    assert not boundary_band(np.zeros((32, 32), bool)).any()
    assert not boundary_band(np.ones((32, 32), bool)).any()


def test_boundary_band_tiny_object_is_all_band():
    """An object that vanishes at 1/8 scale is entirely mismatch: its pixels are in the band."""
    mask = np.zeros((64, 64), bool)
    mask[30:33, 30:33] = True
    band = boundary_band(mask)
    assert band[mask].all()
    assert band[28:35, 28:35].all() and band.sum() == 49  # 3x3 dilated by 2 px: 7x7


def soft_iou(logits, target) -> float:
    return float(soft_iou_loss(torch.tensor(logits), torch.tensor(target)))


def test_soft_iou_by_hand():
    # p = 0.5 everywhere, 2 of 4 pixels true: inter 1, union 2 + 2 - 1 = 3, (1 + 1) / (3 + 1)
    target = np.array([[[[1.0, 1.0], [0.0, 0.0]]]], dtype=np.float32)
    assert soft_iou(np.zeros_like(target), target) == pytest.approx(0.5)


def test_soft_iou_perfect_and_disjoint():
    target = np.zeros((1, 1, 16, 16), dtype=np.float32)
    target[..., 4:12, 4:12] = 1.0
    logits = np.where(target > 0, 30.0, -30.0).astype(np.float32)
    assert soft_iou(logits, target) == pytest.approx(0.0, abs=1e-6)
    # everything but the object: inter 0, union 256 -> 1 - 1 / (256 + 1)
    assert soft_iou(-logits, target) == pytest.approx(256 / 257, abs=1e-4)


def test_soft_iou_is_a_mean_of_per_object_ious():
    """A large object missing its rim costs what the same IoU costs a small one: per sample."""
    big = np.zeros((1, 32, 32), dtype=np.float32)
    big[:, 2:30, 2:30] = 1.0
    small = np.zeros((1, 32, 32), dtype=np.float32)
    small[:, 10:14, 10:14] = 1.0
    target = np.stack([big, small])
    logits = np.where(target > 0, 30.0, -30.0).astype(np.float32)
    logits[0, :, 2:30, 2:9] = -30.0  # the big one misses a quarter of its pixels
    expected = (1 - (588 + 1) / (784 + 1)) / 2  # the small one is perfect
    assert soft_iou(logits, target) == pytest.approx(expected, abs=1e-4)


def test_soft_iou_pulls_missed_pixels_in():
    target = torch.zeros((1, 1, 8, 8))
    target[..., 2:6, 2:6] = 1.0
    logits = torch.zeros((1, 1, 8, 8), requires_grad=True)
    soft_iou_loss(logits, target).backward()
    assert (logits.grad[target > 0] < 0).all() and (logits.grad[target == 0] > 0).all()
