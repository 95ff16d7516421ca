"""Safe weights: fp16 safetensors round trip, and every broken file refused with a WeightsError
that names it (corrupted, truncated, missing, a pickle, the wrong architecture)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import torch

from napari_everyclick.core.errors import WeightsError
from napari_everyclick.models.focalclick import FocalClickNet
from napari_everyclick.models.hrnet_ocr import HRNetOCR, NetConfig
from napari_everyclick.models.weights import file_sha256, load_weights, read_state, save_weights

CFG = NetConfig(backbone="hrnet_w18_small")


def randomized(model: torch.nn.Module, seed: int) -> torch.nn.Module:
    """Perturb every parameter and BN statistic, so a fresh model differs everywhere (the
    zero-initialised classifier included)."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for value in model.state_dict().values():
            if value.is_floating_point():
                value.add_(0.05 * torch.randn(value.shape, generator=gen))
    return model.eval()


def outputs(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    gen = torch.Generator().manual_seed(7)
    image = torch.randn(1, 2, 64, 64, generator=gen)
    coords = torch.rand(1, 3, 64, 64, generator=gen)
    with torch.no_grad():
        return model(image, coords)


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> tuple[Path, str, torch.nn.Module]:
    torch.manual_seed(0)
    model = randomized(HRNetOCR(CFG), 1)
    path = tmp_path_factory.mktemp("weights") / "ritm-test.safetensors"
    sha = save_weights(model, path)
    return path, sha, model


def test_save_returns_the_files_sha256(saved):
    path, sha, _ = saved
    assert sha == hashlib.sha256(path.read_bytes()).hexdigest() == file_sha256(path)
    assert not path.with_suffix(".safetensors.tmp").exists()


def test_saved_weights_are_readable_by_everyone_like_any_shipped_file(saved):
    """safetensors writes its files private to their owner (0600): a weights file published
    that way and installed for other users (a shared install, a copied folder) could not be read."""
    path, _, _ = saved
    assert path.stat().st_mode & 0o777 == 0o644


def test_saved_floats_are_fp16_and_integers_kept(saved):
    path, _, model = saved
    state = read_state(path)
    assert set(state) == set(model.state_dict())
    assert state["head.cls_head.weight"].dtype == torch.float16
    assert state["backbone.bn1.num_batches_tracked"].dtype == torch.int64


def test_round_trip_gives_the_same_outputs(saved):
    path, sha, model = saved
    torch.manual_seed(5)
    fresh = randomized(HRNetOCR(CFG), 2)
    before = outputs(fresh)["instances"]
    assert not torch.allclose(before, outputs(model)["instances"], atol=1e-2)
    load_weights(fresh, path, sha)
    for key, value in outputs(model).items():
        loaded = outputs(fresh)[key]
        scale = value.abs().max().item()
        assert torch.allclose(loaded, value, atol=2e-2 * scale + 1e-3), key
    own = model.state_dict()
    for key, value in fresh.state_dict().items():
        assert value.dtype == own[key].dtype


def test_full_precision_round_trip_is_exact(tmp_path):
    model = randomized(HRNetOCR(CFG), 3)
    path = tmp_path / "fp32.safetensors"
    save_weights(model, path, half=False)
    loaded = load_weights(HRNetOCR(CFG).eval(), path).state_dict()
    for key, value in model.state_dict().items():
        assert torch.equal(loaded[key], value), key


def test_flipped_bytes_fail_the_sha256_check(saved, tmp_path):
    path, sha, _ = saved
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # inside the tensor data: still parses, wrong values
    bad = tmp_path / "flipped.safetensors"
    bad.write_bytes(bytes(data))
    with pytest.raises(WeightsError, match="sha256") as err:
        load_weights(HRNetOCR(CFG), bad, sha)
    assert str(bad) in str(err.value)


@pytest.mark.parametrize("keep", [0, 5, 1000, 0.5])
def test_truncated_file_is_a_weights_error(saved, tmp_path, keep):
    path, _, _ = saved
    data = path.read_bytes()
    n = int(len(data) * keep) if isinstance(keep, float) else keep
    bad = tmp_path / "truncated.safetensors"
    bad.write_bytes(data[:n])
    with pytest.raises(WeightsError, match="not a readable safetensors") as err:
        load_weights(HRNetOCR(CFG), bad)  # no sha given: the parser must catch it
    assert str(bad) in str(err.value)


def test_corrupted_header_is_a_weights_error(saved, tmp_path):
    path, _, _ = saved
    data = bytearray(path.read_bytes())
    data[9] ^= 0xFF  # inside the JSON header
    bad = tmp_path / "header.safetensors"
    bad.write_bytes(bytes(data))
    with pytest.raises(WeightsError, match=str(bad).replace("\\", "\\\\")):
        load_weights(HRNetOCR(CFG), bad)


def test_missing_file_is_a_weights_error(tmp_path):
    missing = tmp_path / "nope.safetensors"
    with pytest.raises(WeightsError, match="does not exist") as err:
        load_weights(HRNetOCR(CFG), missing, "0" * 64)
    assert str(missing) in str(err.value)


def test_pickle_is_refused_without_unpickling(saved, tmp_path, monkeypatch):
    """A torch.save pickle renamed .safetensors is refused; torch.load is never called."""
    _, _, model = saved
    pickle = tmp_path / "pickle.safetensors"
    torch.save(model.state_dict(), pickle)

    def forbidden(*args, **kwargs):
        raise AssertionError("torch.load must not be used on weights")

    monkeypatch.setattr(torch, "load", forbidden)
    with pytest.raises(WeightsError) as err:
        load_weights(HRNetOCR(CFG), pickle)
    assert str(pickle) in str(err.value)


def test_loading_never_calls_torch_load(saved, monkeypatch):
    path, sha, _ = saved

    def forbidden(*args, **kwargs):
        raise AssertionError("torch.load must not be used on weights")

    monkeypatch.setattr(torch, "load", forbidden)
    load_weights(HRNetOCR(CFG), path, sha)


def test_other_backbone_is_a_weights_error_naming_the_file(saved):
    path, sha, _ = saved
    with pytest.raises(WeightsError, match="does not fit the architecture") as err:
        load_weights(HRNetOCR(NetConfig(backbone="hrnet_w18_small_v2")), path, sha)
    assert str(path) in str(err.value)


def test_wrong_shapes_only_are_a_weights_error(saved):
    """Same tensor names, other OCR width: only the shapes differ."""
    path, sha, _ = saved
    model = HRNetOCR(NetConfig(backbone="hrnet_w18_small", ocr_width=16))
    before = {k: v.clone() for k, v in model.state_dict().items()}
    with pytest.raises(WeightsError, match="wrong shapes") as err:
        load_weights(model, path, sha)
    assert str(path) in str(err.value)
    for key, value in model.state_dict().items():  # nothing was half-loaded
        assert torch.equal(value, before[key]), key


def test_ritm_weights_do_not_load_into_focalclick(saved):
    path, sha, _ = saved
    with pytest.raises(WeightsError, match="missing"):
        load_weights(FocalClickNet(CFG), path, sha)
