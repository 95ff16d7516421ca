"""Starting weights for `--init-from` (training/export.init_from): same architecture, a RITM
network into FocalClick's coarse part and back; anything else is a WeightsError."""

from __future__ import annotations

import pytest
import torch

from napari_everyclick.core.errors import WeightsError
from napari_everyclick.models.build import build_model
from napari_everyclick.models.hrnet_ocr import NetConfig
from napari_everyclick.models.weights import save_weights
from napari_everyclick.training.export import init_from

NET = NetConfig(backbone="hrnet_w18_small")


def perturbed(kind: str, seed: int) -> torch.nn.Module:
    torch.manual_seed(seed)
    model = build_model(kind, NET)
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for value in model.state_dict().values():
            if value.is_floating_point():
                value.add_(torch.randn(value.shape, generator=gen))
    return model


def close(a: torch.Tensor, b: torch.Tensor) -> bool:
    return torch.allclose(a.float(), b.float(), atol=1e-2 * (1 + b.abs().max().item()))


@pytest.fixture(scope="module")
def ritm_file(tmp_path_factory):
    model = perturbed("ritm", 1)
    path = tmp_path_factory.mktemp("init") / "ritm.safetensors"
    save_weights(model, path)
    return path, model


def test_ritm_weights_seed_focalclicks_coarse_network(ritm_file):
    path, ritm = ritm_file
    focal = perturbed("focalclick", 2)
    refiner_before = {k: v.clone() for k, v in focal.refiner.state_dict().items()}
    left = init_from(focal, path)
    assert left == sorted(f"refiner.{k}" for k in focal.refiner.state_dict())
    coarse = focal.coarse.state_dict()
    for key, value in ritm.state_dict().items():
        assert close(coarse[key], value), key
    for key, value in focal.refiner.state_dict().items():
        assert torch.equal(value, refiner_before[key]), key


def test_focalclick_weights_seed_a_ritm_network(tmp_path):
    focal = perturbed("focalclick", 3)
    path = tmp_path / "focal.safetensors"
    save_weights(focal, path)
    ritm = perturbed("ritm", 4)
    assert init_from(ritm, path) == []
    state = ritm.state_dict()
    for key, value in focal.coarse.state_dict().items():
        assert close(state[key], value), key


def test_same_architecture(ritm_file):
    path, ritm = ritm_file
    other = perturbed("ritm", 5)
    assert init_from(other, path) == []
    state = other.state_dict()
    for key, value in ritm.state_dict().items():
        assert close(state[key], value), key


def test_other_backbone_is_refused(ritm_file):
    path, _ = ritm_file
    with pytest.raises(WeightsError, match="does not fit"):
        init_from(build_model("focalclick", NetConfig(backbone="hrnet_w18_small_v2")), path)
    with pytest.raises(WeightsError, match="does not fit"):
        init_from(build_model("ritm", NetConfig(ocr_width=16)), path)


def test_missing_file_is_refused(tmp_path):
    with pytest.raises(WeightsError, match="does not exist"):
        init_from(build_model("ritm", NET), tmp_path / "nothing.safetensors")


def test_lineage_reads_the_card_beside_the_starting_weights(tmp_path):
    """A run started with --init-from counts the training behind its starting weights."""
    import json

    from napari_everyclick.training.loop import lineage

    weights = tmp_path / "m.safetensors"
    weights.write_bytes(b"")
    assert lineage(weights) == {"weights": str(weights)}
    card = {"name": "m", "training": {"steps": 100, "cpu_minutes": 30.0, "total_cpu_minutes": 50.0}}
    weights.with_suffix(".json").write_text(json.dumps(card))
    info = lineage(weights)
    assert info["name"] == "m" and info["steps"] == 100 and info["total_cpu_minutes"] == 50.0


def test_lineage_of_an_interpolated_start_names_its_parents(tmp_path):
    """A run started from an `everyclick interpolate` result recorded only the end parent's
    steps, as if the start were that checkpoint; now the start's sha256 and its interpolation
    (both parents and the share) go into the lineage."""
    import json

    from napari_everyclick.training.loop import lineage

    weights = tmp_path / "mix.safetensors"
    weights.write_bytes(b"")
    mix = {"start": {"card": "a", "sha256": "1"}, "end": {"card": "b", "sha256": "2"}}
    training = {"steps": 100, "total_cpu_minutes": 50.0, "interpolation": mix}
    card = {"name": "mix", "sha256": "3", "training": training}
    weights.with_suffix(".json").write_text(json.dumps(card))
    info = lineage(weights)
    assert info["sha256"] == "3" and info["interpolation"] == mix
    assert info["steps"] == 100 and info["total_cpu_minutes"] == 50.0
