"""Click sampling for training (count distribution, RITM multi-point sampler) and the JSON
training config (unknown keys are errors)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from napari_everyclick.core.clicker import padded_distance
from napari_everyclick.training.clicks import draw_click_count, multipoint_clicks
from napari_everyclick.training.config import (
    AugmentConfig,
    DataConfig,
    OptimConfig,
    TrainConfig,
    load_config,
)

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


@pytest.mark.parametrize("max_clicks, decay", [(24, 0.7), (5, 0.5)])
def test_click_count_is_in_range_and_decays(max_clicks, decay):
    rng = np.random.default_rng(0)
    n = 8000
    counts = np.array([draw_click_count(max_clicks, decay, rng) for _ in range(n)])
    assert counts.min() == 1 and counts.max() <= max_clicks
    freq = np.bincount(counts, minlength=max_clicks + 1)[1:] / n
    expected = decay ** np.arange(max_clicks)
    expected /= expected.sum()
    assert np.abs(freq - expected).max() < 0.025  # ~5 standard errors
    assert (np.diff(freq[:4]) < 0).all()  # decaying
    assert freq[1] / freq[0] == pytest.approx(decay, abs=0.05)


def test_click_count_single():
    rng = np.random.default_rng(0)
    assert {draw_click_count(1, 0.7, rng) for _ in range(20)} == {1}


def ellipse(shape=(64, 80), cy=30, cx=40, ry=14, rx=22) -> np.ndarray:
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    return (yy - cy) ** 2 / ry**2 + (xx - cx) ** 2 / rx**2 <= 1


@pytest.mark.parametrize("seed", range(8))
def test_multipoint_clicks_positives_inside_negatives_outside(seed):
    target = ellipse()
    rng = np.random.default_rng(seed)
    clicks = multipoint_clicks(target, 5.0, rng)
    assert clicks[0].positive
    dist = padded_distance(target)
    first = clicks[0]
    assert dist[int(first.y), int(first.x)] > dist.max() / 1.7  # a central first click
    seen_negative = False
    for click in clicks:
        assert click.radius == 5.0
        assert click.y == int(click.y) and click.x == int(click.x)
        inside = target[int(click.y), int(click.x)]
        if click.positive:
            assert not seen_negative  # positives first, then negatives
            assert inside
        else:
            seen_negative = True
            assert not inside
    assert len(clicks) <= 1 + 2 * 11


def test_multipoint_click_counts_vary():
    rng = np.random.default_rng(0)
    target = ellipse()
    sizes = [len(multipoint_clicks(target, 5.0, rng)) for _ in range(60)]
    positives = [sum(c.positive for c in multipoint_clicks(target, 5.0, rng)) for _ in range(60)]
    assert min(sizes) >= 1 and len(set(sizes)) > 3
    assert min(positives) >= 1 and max(positives) > 1


def test_multipoint_clicks_small_object_uses_the_mask_itself():
    target = np.zeros((32, 32), bool)
    target[10:14, 10:14] = True  # erosion would leave nothing
    rng = np.random.default_rng(1)
    for _ in range(20):
        for click in multipoint_clicks(target, 2.0, rng):
            assert target[int(click.y), int(click.x)] == click.positive


def test_shipped_configs_load():
    tiny = load_config(CONFIGS / "tiny.json")
    assert isinstance(tiny, TrainConfig)
    assert tiny.name == "tiny" and tiny.kind == "focalclick"
    assert isinstance(tiny.data, DataConfig) and tiny.data.structure_prob == 0.0
    assert isinstance(tiny.optim, OptimConfig) and tiny.optim.batch_size == 2
    assert tiny.optim.lr == OptimConfig().lr  # defaults fill what the file leaves out
    assert isinstance(tiny.augment, AugmentConfig)
    assert tiny.predictor["crop"]["net_size"] == 64
    for path in CONFIGS.rglob("*.json"):  # configs/ablation too
        assert load_config(path).name


def write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(data))
    return path


def test_round_trip_through_to_dict(tmp_path):
    config = load_config(CONFIGS / "tiny.json")
    again = load_config(write(tmp_path, config.to_dict()))
    assert again == config


@pytest.mark.parametrize(
    "data, key",
    [
        ({"name": "x", "max_step": 3}, "max_step"),
        ({"name": "x", "optim": {"lrr": 0.1}}, "lrr"),
        ({"name": "x", "data": {"root": ".", "split": "train"}}, "split"),
        ({"name": "x", "clicks": {"max_clicks": 3, "decay": 0.7, "sampler_": "x"}}, "sampler_"),
    ],
)
def test_unknown_keys_are_rejected(tmp_path, data, key):
    with pytest.raises(ValueError, match=key):
        load_config(write(tmp_path, data))


def test_name_is_required(tmp_path):
    with pytest.raises(TypeError):
        load_config(write(tmp_path, {"kind": "ritm"}))
