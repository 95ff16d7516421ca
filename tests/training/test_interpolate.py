"""`everyclick interpolate`: the weights between two cards of one network, written as a run
folder `publish` takes; different networks and shares outside [0, 1] are refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from napari_everyclick.cli import main
from napari_everyclick.core.errors import WeightsError
from napari_everyclick.inference.predictor import PredictorConfig
from napari_everyclick.models.build import build_model
from napari_everyclick.models.cards import read_card
from napari_everyclick.models.hrnet_ocr import NetConfig
from napari_everyclick.models.weights import file_sha256, read_state
from napari_everyclick.training.export import write_model
from napari_everyclick.training.interpolate import interpolate
from napari_everyclick.training.publish import publish, ship_file

NET = NetConfig(backbone="hrnet_w18_small")


def write(
    folder: Path,
    name: str,
    fill: float,
    kind: str = "ritm",
    threshold: float = 0.3,
    handover: dict | None = None,
) -> Path:
    model = build_model(kind, NET)
    with torch.no_grad():
        for p in model.parameters():
            p.fill_(fill)
    predictor = PredictorConfig.from_dict({"first_plain_click_threshold": threshold}).to_dict()
    return write_model(
        model,
        folder,
        name,
        kind,
        NET.to_dict(),
        predictor,
        training={"steps": 10, "total_cpu_minutes": 5.0},
        metrics={"val_avg": {"iou_at": [0.5]}},
        static_prob=0.4,
        handover=handover,
    )


HANDOVER = {"refiner": "flood", "drag_clicks": 2, "plain_clicks": 8}


@pytest.fixture(scope="module")
def pair(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("pair")
    return write(folder, "start", 0.0), write(folder, "end", 1.0, threshold=0.25, handover=HANDOVER)


def test_interpolate_writes_the_mix_with_the_end_settings_and_its_origin(pair, tmp_path):
    start, end = pair
    card_path = interpolate(start, end, 0.25, tmp_path / "mix", "ritm-mix")
    card = read_card(card_path)
    assert card.name == "ritm-mix" and card.kind == "ritm"
    assert card.data["sha256"] == file_sha256(card.weights_path)
    weight = next(k for k in read_state(card.weights_path) if k.endswith("weight"))
    assert torch.allclose(read_state(card.weights_path)[weight].float(), torch.tensor(0.25))
    assert card.data["predictor"]["first_plain_click_threshold"] == 0.25
    assert card.data["handover"] == HANDOVER and "handover" not in read_card(start).data
    assert card.data["training"]["total_cpu_minutes"] == 5.0
    origin = card.data["training"]["interpolation"]
    assert origin["share_of_end"] == 0.25
    assert origin["start"]["card"] == "start" and origin["end"]["card"] == "end"
    assert card.data["metrics"] == {}


def test_interpolate_refuses_other_networks_and_bad_shares(pair, tmp_path):
    start, _ = pair
    other = write(tmp_path, "fc", 1.0, kind="focalclick")
    with pytest.raises(WeightsError, match="not the same network"):
        interpolate(start, other, 0.5, tmp_path / "x", "x")
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        interpolate(start, start, 1.5, tmp_path / "x", "x")


def test_interpolate_command(pair, tmp_path, capsys):
    start, end = pair
    out = tmp_path / "cli"
    argv = ["interpolate", str(start), str(end), "--share", "0.5", "--out", str(out)]
    assert main([*argv, "--name", "ritm-cli"]) == 0
    card = json.loads((out / "ritm-cli.json").read_text())
    assert card["training"]["interpolation"]["share_of_end"] == 0.5
    assert "everyclick publish" in capsys.readouterr().out


def test_interpolate_command_refuses_a_share_outside_0_1_as_a_usage_error(pair, tmp_path, capsys):
    start, end = pair
    argv = ["interpolate", str(start), str(end), "--out", str(tmp_path / "x"), "--name", "x"]
    with pytest.raises(SystemExit) as stop:
        main([*argv, "--share", "1.5"])
    assert stop.value.code == 2
    assert "must lie in [0, 1]" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_a_shipped_file_is_readable_by_everyone_whatever_the_runs_mode(tmp_path):
    """Runs written before weights were saved 0644 hold 0600 safetensors; publish copied the
    mode with the file (shutil.copy2), into weights/ and from there into the wheel."""
    private = tmp_path / "run" / "m.safetensors"
    private.parent.mkdir()
    private.write_bytes(b"weights")
    private.chmod(0o600)
    zoo = tmp_path / "zoo"
    zoo.mkdir()
    (zoo / "m.safetensors").write_bytes(b"old")
    (zoo / "m.safetensors").chmod(0o600)  # an earlier private copy is replaced, mode too
    shipped = ship_file(private, zoo)
    assert shipped.read_bytes() == b"weights" and shipped.stat().st_mode & 0o777 == 0o644


def test_publish_refuses_a_folder_with_two_cards_instead_of_picking_one(pair, tmp_path):
    """An interpolation written into a folder that already holds a card left `publish` to ship
    whichever card sorted first."""
    start, _ = pair
    with pytest.raises(WeightsError, match="2 model cards.*end.json.*start.json"):
        publish(start.parent, dest=tmp_path / "zoo")
    assert not (tmp_path / "zoo").exists()
