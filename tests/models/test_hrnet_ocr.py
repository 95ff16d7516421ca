"""HRNet+OCR on timm: output shapes for every backbone at sizes that are and are not multiples
of 32, the OCR widths, and the prior residual (an untrained network returns the prior)."""

from __future__ import annotations

import math

import pytest
import torch

from napari_everyclick.models.build import MODEL_KINDS, build_model, net_config
from napari_everyclick.models.focalclick import FocalClickNet
from napari_everyclick.models.hrnet_ocr import (
    BACKBONES,
    OCR_WIDTHS,
    HRNetOCR,
    NetConfig,
    pad_to_multiple,
)

SIZES = [(50, 70), (64, 64), (96, 128)]
SMALL = ("hrnet_w18_small", "hrnet_w18_small_v2")
BIG = ("hrnet_w18", "hrnet_w32")

_NETS: dict[str, HRNetOCR] = {}


def net(backbone: str) -> HRNetOCR:
    """One eval-mode network per backbone for the whole module (building W32 takes ~1 s)."""
    if backbone not in _NETS:
        torch.manual_seed(0)
        _NETS[backbone] = HRNetOCR(NetConfig(backbone=backbone)).eval()
    return _NETS[backbone]


def ceil32(n: int) -> int:
    return int(math.ceil(n / 32) * 32)


def check_forward(backbone: str, h: int, w: int) -> None:
    model = net(backbone)
    image = torch.randn(2, 2, h, w)
    coords = torch.rand(2, 3, h, w)
    with torch.no_grad():
        out = model(image, coords)
    k = OCR_WIDTHS[backbone]
    assert set(out) == {"instances", "instances_aux", "features"}
    assert out["instances"].shape == (2, 1, h, w)
    assert out["instances_aux"].shape == (2, 1, h, w)
    assert out["features"].shape == (2, 2 * k, ceil32(h) // 4, ceil32(w) // 4)
    assert model.feature_channels == 2 * k
    for value in out.values():
        assert torch.isfinite(value).all()


def test_every_backbone_has_an_ocr_width():
    assert set(OCR_WIDTHS) == set(BACKBONES)
    # the spec's widths for the RITM backbones (3.3); 32 for the CPU-default W18-small v1
    assert OCR_WIDTHS["hrnet_w18_small_v2"] == 48
    assert OCR_WIDTHS["hrnet_w18"] == 64
    assert OCR_WIDTHS["hrnet_w32"] == 128


@pytest.mark.parametrize("backbone", BACKBONES)
def test_forward_shapes_at_64(backbone):
    check_forward(backbone, 64, 64)


@pytest.mark.parametrize("size", [s for s in SIZES if s != (64, 64)])
@pytest.mark.parametrize("backbone", SMALL)
def test_forward_shapes_small_backbones(backbone, size):
    check_forward(backbone, *size)


@pytest.mark.slow
@pytest.mark.parametrize("size", [s for s in SIZES if s != (64, 64)])
@pytest.mark.parametrize("backbone", BIG)
def test_forward_shapes_big_backbones(backbone, size):
    check_forward(backbone, *size)


def test_padding_is_invisible_in_the_output():
    """A 50x70 input gives the same logits as the same input zero-padded to 64x96 and cropped:
    the network pads internally, so callers never pad."""
    model = net("hrnet_w18_small")
    torch.manual_seed(1)
    image, coords = torch.randn(1, 2, 50, 70), torch.rand(1, 3, 50, 70)
    with torch.no_grad():
        direct = model(image, coords)["instances"]
        padded = model(pad_to_multiple(image), pad_to_multiple(coords))["instances"]
    assert torch.allclose(direct, padded[..., :50, :70], atol=1e-5)


def test_pad_to_multiple():
    x = torch.ones(1, 2, 50, 64)
    y = pad_to_multiple(x)
    assert y.shape == (1, 2, 64, 64)
    assert torch.equal(y[..., :50, :], x) and not y[..., 50:, :].any()
    assert pad_to_multiple(x, 10).shape == (1, 2, 50, 70)


def test_explicit_ocr_width_overrides_the_default():
    cfg = NetConfig(backbone="hrnet_w18_small", ocr_width=16)
    assert cfg.resolved_ocr_width() == 16
    model = HRNetOCR(cfg).eval()
    with torch.no_grad():
        out = model(torch.randn(1, 2, 32, 32), torch.rand(1, 3, 32, 32))
    assert out["features"].shape == (1, 32, 8, 8)


def test_unknown_backbone_is_a_value_error():
    with pytest.raises(ValueError, match="hrnet_w48"):
        HRNetOCR(NetConfig(backbone="hrnet_w48"))


def test_build_model_kinds_and_config_from_a_card():
    cfg = net_config({"backbone": "hrnet_w18_small", "in_chans": 2, "comment": "ignored"})
    assert cfg == NetConfig(backbone="hrnet_w18_small", in_chans=2)
    assert MODEL_KINDS == ("ritm", "focalclick")
    assert isinstance(build_model("ritm", cfg), HRNetOCR)
    assert isinstance(build_model("focalclick", cfg), FocalClickNet)
    with pytest.raises(ValueError, match="unet"):
        build_model("unet", cfg)


@pytest.mark.parametrize("backbone", SMALL)
def test_untrained_network_returns_the_prior(backbone):
    """cls head zero-initialised: logits = prior_scale * (2 prior - 1), sign(2 prior - 1)."""
    model = HRNetOCR(NetConfig(backbone=backbone)).eval()
    torch.manual_seed(2)
    h, w = 50, 70
    prior = (torch.rand(2, 1, h, w) > 0.6).float()
    coords = torch.cat([prior, torch.rand(2, 2, h, w)], dim=1)
    with torch.no_grad():
        logits = model(torch.randn(2, 2, h, w), coords)["instances"]
    assert torch.equal(torch.sign(logits), torch.sign(2 * prior - 1))
    assert torch.allclose(logits, 3.0 * (2 * prior - 1), atol=1e-6)


def test_prior_residual_off_does_not_add_the_prior():
    model = HRNetOCR(NetConfig(prior_residual=False)).eval()
    assert not hasattr(model, "prior_scale")
    ones = torch.ones(1, 3, 32, 32)
    zeros = torch.cat([torch.zeros(1, 1, 32, 32), torch.ones(1, 2, 32, 32)], dim=1)
    image = torch.randn(1, 2, 32, 32)
    with torch.no_grad():
        a = model(image, ones)["instances"]
        b = model(image, zeros)["instances"]
    # the prior channel still reaches the network through the guidance, but not as +-3 logits
    assert (a - b).abs().max() < 1.0
