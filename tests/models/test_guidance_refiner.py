"""Click guidance (Conv1S) and the FocalClick refiner: |scale|, shapes, and the logit-space
fusion M_r = sigmoid(M_b) * M_d + (1 - sigmoid(M_b)) * M_l."""

from __future__ import annotations

import pytest
import torch

from napari_everyclick.models.focalclick import FocalClickNet
from napari_everyclick.models.guidance import ClickGuidance, ScaleLayer
from napari_everyclick.models.hrnet_ocr import NetConfig
from napari_everyclick.models.refiner import MID_CHANNELS, Refiner, fuse_refined


@pytest.mark.parametrize("value", [0.05, -0.05, 2.0, -3.5])
def test_scale_layer_multiplies_by_the_absolute_scale(value):
    layer = ScaleLayer(value)
    x = torch.tensor([[-2.0, 0.0, 1.5]])
    assert torch.allclose(layer(x), x * abs(value))


def test_scale_layer_gradient_reaches_the_scale():
    layer = ScaleLayer(-0.5)
    layer(torch.ones(3)).sum().backward()
    assert layer.scale.grad is not None
    assert layer.scale.grad.item() == pytest.approx(-3.0)  # d|s|/ds = sign(s) = -1, times 3


@pytest.mark.parametrize("h, w", [(64, 64), (50, 70), (33, 17)])
def test_guidance_output_is_at_stride_2_with_stem_channels(h, w):
    guidance = ClickGuidance(out_channels=64)
    out = guidance(torch.rand(2, 3, h, w))
    assert out.shape == (2, 64, (h + 1) // 2, (w + 1) // 2)


def test_guidance_of_empty_clicks_is_a_constant_map():
    """No prior and no disks: a 1x1 conv, LeakyReLU and a 3x3 conv of zeros give the conv
    biases; the map is constant away from the zero-padded border."""
    out = ClickGuidance(out_channels=8)(torch.zeros(1, 3, 16, 16))
    inner = out[..., 1:, 1:]
    assert torch.allclose(inner, inner[..., :1, :1].expand_as(inner), atol=1e-6)


def test_guidance_starts_small():
    """The scale starts at 0.05, so the guidance barely perturbs the stem at initialisation."""
    torch.manual_seed(0)
    guidance = ClickGuidance(out_channels=64)
    assert guidance.net[-1].scale.item() == pytest.approx(0.05)
    x = torch.rand(1, 3, 32, 32)
    with torch.no_grad():
        unscaled = guidance.net[:-1](x)
        assert torch.allclose(guidance(x), 0.05 * unscaled, atol=1e-7)


def test_fuse_refined_is_the_gated_sum():
    torch.manual_seed(0)
    detail, boundary, coarse = torch.randn(3, 2, 1, 8, 8).unbind(0)
    gate = 1.0 / (1.0 + torch.exp(-boundary))
    expected = gate * detail + (1.0 - gate) * coarse
    assert torch.allclose(fuse_refined(detail, boundary, coarse), expected, atol=1e-6)


def test_fuse_refined_limits():
    detail, coarse = torch.full((4,), 2.0), torch.full((4,), -5.0)
    assert torch.allclose(fuse_refined(detail, torch.full((4,), 50.0), coarse), detail)
    assert torch.allclose(fuse_refined(detail, torch.full((4,), -50.0), coarse), coarse)
    assert torch.allclose(fuse_refined(detail, torch.zeros(4), coarse), torch.full((4,), -1.5))


def test_refiner_outputs_and_fusion():
    torch.manual_seed(0)
    refiner = Refiner(image_channels=2, feature_channels=64).eval()
    s = 48
    image, clicks = torch.randn(2, 2, s, s), torch.rand(2, 2, s, s)
    coarse, feats = torch.randn(2, 1, s, s), torch.randn(2, 64, s // 4, s // 4)
    with torch.no_grad():
        out = refiner(image, clicks, coarse, feats)
    assert set(out) == {"refined", "boundary", "detail"}
    for value in out.values():
        assert value.shape == (2, 1, s, s)
    assert torch.allclose(out["refined"], fuse_refined(out["detail"], out["boundary"], coarse))
    assert refiner.image_conv1[0].in_channels == 2 + 3
    assert refiner.refine_fusion[0].out_channels == MID_CHANNELS


@pytest.mark.parametrize("refine_size", [32, 64])
def test_focalclick_refine_shapes(refine_size):
    torch.manual_seed(0)
    model = FocalClickNet(NetConfig(backbone="hrnet_w18_small")).eval()
    h, w = 50, 70
    with torch.no_grad():
        out = model(torch.randn(2, 2, h, w), torch.rand(2, 3, h, w))
        boxes = torch.tensor([[0.0, 0.0, 70.0, 50.0], [10.5, 5.0, 40.0, 34.5]])
        refined = model.refine(
            torch.randn(2, 2, refine_size, refine_size),
            torch.rand(2, 2, refine_size, refine_size),
            out["instances"],
            out["features"],
            boxes,
        )
    assert out["features"].shape == (2, model.coarse.feature_channels, 16, 24)
    for key in ("refined", "boundary", "detail"):
        assert refined[key].shape == (2, 1, refine_size, refine_size)
        assert torch.isfinite(refined[key]).all()


def test_focalclick_refine_reads_the_coarse_logits_in_the_box():
    """With the boundary gate shut (M_b -> -inf), the refined logits are the coarse logits
    RoI-aligned to the box: a box over the left half sees the left half's values."""
    torch.manual_seed(0)
    model = FocalClickNet(NetConfig(backbone="hrnet_w18_small")).eval()
    with torch.no_grad():
        model.refiner.refine_trimap.weight.zero_()
        model.refiner.refine_trimap.bias.fill_(-100.0)
        logits = torch.cat([torch.full((1, 1, 32, 16), 4.0), torch.full((1, 1, 32, 16), -4.0)], -1)
        feats = torch.randn(1, model.coarse.feature_channels, 8, 8)
        left = model.refine(
            torch.randn(1, 2, 16, 16),
            torch.zeros(1, 2, 16, 16),
            logits,
            feats,
            torch.tensor([[0.0, 0.0, 16.0, 32.0]]),
        )
        right = model.refine(
            torch.randn(1, 2, 16, 16),
            torch.zeros(1, 2, 16, 16),
            logits,
            feats,
            torch.tensor([[16.0, 0.0, 32.0, 32.0]]),
        )
    assert torch.allclose(left["refined"], torch.full((1, 1, 16, 16), 4.0), atol=1e-4)
    assert torch.allclose(right["refined"], torch.full((1, 1, 16, 16), -4.0), atol=1e-4)


def test_focalclick_refine_keeps_every_tensor_on_the_inputs_device():
    """The RoI batch indices must be made on the boxes' device: on a GPU a CPU index column
    cannot be concatenated with CUDA boxes. The meta device stands in for CUDA here."""
    model = FocalClickNet(NetConfig(backbone="hrnet_w18_small")).eval().to("meta")
    k = model.coarse.feature_channels
    with torch.no_grad():
        out = model.refine(
            torch.zeros(2, 2, 32, 32, device="meta"),
            torch.zeros(2, 2, 32, 32, device="meta"),
            torch.zeros(2, 1, 64, 64, device="meta"),
            torch.zeros(2, k, 16, 16, device="meta"),
            torch.zeros(2, 4, device="meta"),
        )
    assert out["refined"].device.type == "meta"
    assert out["refined"].shape == (2, 1, 32, 32)
