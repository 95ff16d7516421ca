"""The tiny-config training run on real CT (CI's end-to-end training test): a RITM run, a
FocalClick run started from the RITM weights, its card loaded into a working predictor, and a
resumed run that continues from the checkpoint.

The FocalClick run validates through the default CPU backend (ONNX Runtime when installed), as
real training does; the RITM run validates with torch to save an export.

The data root is a manifest in tmp_path naming two train cases and one val case of the shared
data by absolute path (nothing is copied), so loading takes a fraction of a second.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import io
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from napari_everyclick.core.clicks import Click
from napari_everyclick.core.handover import Handover, HandoverRule
from napari_everyclick.core.session import Session
from napari_everyclick.evaluation.runner import evaluate_segmenter
from napari_everyclick.evaluation.samples import iter_samples
from napari_everyclick.inference import factory
from napari_everyclick.inference.factory import segmenter_from_card
from napari_everyclick.models.cards import read_card
from napari_everyclick.models.refiner import Refiner
from napari_everyclick.models.weights import read_state
from napari_everyclick.training.config import load_config
from napari_everyclick.training.loop import Validator, train

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


@pytest.fixture(scope="module")
def data_root(shared_data: Path, tmp_path_factory) -> Path:
    entries = json.loads((shared_data / "manifest.json").read_text())
    train_cases = [e for e in entries if e["split"] == "train"][:2]
    val_cases = [e for e in entries if e["split"] == "val"][:1]
    root = tmp_path_factory.mktemp("data")
    subset = [{**e, "path": str(shared_data / e["path"])} for e in train_cases + val_cases]
    (root / "manifest.json").write_text(json.dumps(subset))
    return root


def write_config(folder: Path, data_root: Path, **changes) -> Path:
    """configs/tiny.json with the brief's tiny settings and `changes` on top."""
    config = json.loads((CONFIGS / "tiny.json").read_text())
    config.update(
        {
            "out": str(folder / "runs"),
            "max_steps": 2,
            "val_samples": 2,
            "val_clicks": 2,
            "workers": 0,
            "threads": 1,
        }
    )
    config["data"] = {"root": str(data_root), "structure_prob": 0.0}
    config["optim"] = {"batch_size": 2}
    config["predictor"] = {"crop": {"net_size": 64}, "focus": {"refine_size": 64}}
    config.update(changes)
    path = folder / f"{config['name']}.json"
    path.write_text(json.dumps(config))
    return path


def checkpoint_step(folder: Path) -> int:
    return int(torch.load(folder / "checkpoint.pt", map_location="cpu", weights_only=True)["step"])


@pytest.fixture(scope="module")
def runs(data_root, tmp_path_factory) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("train")
    ritm_config = write_config(work, data_root, name="tiny-ritm", kind="ritm", max_steps=1)
    with pytest.MonkeyPatch.context() as patch:  # validate with torch: the ONNX export of
        patch.setattr(factory, "onnx_available", lambda: False)  # every net costs seconds
        ritm = train(load_config(ritm_config))
    handover = {"refiner": "flood", "drag_clicks": 1, "plain_clicks": 1}  # validates click 2 too
    focal_config = write_config(work, data_root, name="tiny-focal", handover=handover)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        focal = train(load_config(focal_config), init_from=str(ritm / "tiny-ritm.safetensors"))
    return {"ritm": ritm, "focal": focal, "focal_config": focal_config, "out": printed.getvalue()}


def test_runs_write_weights_card_checkpoint_and_logs(runs):
    for name, key, steps in (("tiny-ritm", "ritm", 1), ("tiny-focal", "focal", 2)):
        folder = runs[key]
        assert folder.name == name
        for file in (
            f"{name}.safetensors",
            f"{name}.json",
            "checkpoint.pt",
            "val.csv",
            "config.json",
            "curves.png",
        ):
            assert (folder / file).is_file(), file
        assert checkpoint_step(folder) == steps
        card = read_card(folder / f"{name}.json")
        assert card.kind == ("ritm" if key == "ritm" else "focalclick")
        assert card.data["training"]["steps"] == steps
        metrics = card.data["metrics"]["val_subset_during_training"]
        assert 0.0 <= metrics["iou1_avg"] <= 1.0 and 0.0 <= metrics["score"] <= 1.0


def test_card_loads_and_runs_a_click(runs, data_root):
    card = read_card(runs["focal"] / "tiny-focal.json")
    segmenter = segmenter_from_card(card, device="cpu", backend="torch")
    assert isinstance(segmenter, Handover)  # the config's hand-over went into the card
    assert segmenter.rule == HandoverRule("flood", 1, 1)
    assert "handover" not in read_card(runs["ritm"] / "tiny-ritm.json").data
    sample = next(iter_samples([data_root], "val"))
    session = Session(segmenter)
    session.set_image(sample.hu, window=sample.window)
    ys, xs = np.nonzero(sample.target)
    mask = session.click(Click(float(np.median(ys)), float(np.median(xs)), True, 6.0))
    assert mask.shape == sample.hu.shape and mask.dtype == bool


def test_init_from_ritm_left_only_the_refiner(runs):
    """The FocalClick run started from the RITM run's weights: init_from filled the whole
    coarse network and left exactly the refiner's tensors at their initial values."""
    refiner_tensors = len(Refiner(2, 64).state_dict())
    assert f"tiny-ritm.safetensors ({refiner_tensors} tensors left" in runs["out"]


def test_resume_continues_from_the_checkpoint(runs, capsys):
    config = load_config(runs["focal_config"])
    config.max_steps = 3
    before = checkpoint_step(runs["focal"])
    folder = train(config, resume=True)
    assert folder == runs["focal"]
    assert "resumed" in capsys.readouterr().out
    assert checkpoint_step(folder) == before + 1 == 3
    # stopping between validations validates the steps trained since the last one
    rows = (folder / "val.csv").read_text().splitlines()[1:]
    assert [int(row.split(",")[0]) for row in rows] == [2, 3]


def train_tiny_ritm(data_root: Path, tmp_path: Path, name: str, **optim) -> tuple[Path, dict]:
    """A 2-step RITM run validated with torch, with `optim` settings on top of the tiny
    config; its folder and checkpoint state."""
    config = load_config(write_config(tmp_path, data_root, name=name, kind="ritm", max_steps=2))
    config.optim = dataclasses.replace(config.optim, **optim)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(factory, "onnx_available", lambda: False)
        folder = train(config)
    return folder, torch.load(folder / "checkpoint.pt", map_location="cpu", weights_only=True)


def test_a_run_with_a_weight_average_validates_and_ships_the_average(data_root, tmp_path):
    folder, state = train_tiny_ritm(data_root, tmp_path, "tiny-average", average_decay=0.5)
    assert state["average"]["updates"] == 2
    shipped = read_state(folder / "tiny-average.safetensors")
    averaged, raw = state["average"]["model"], state["model"]
    moved = [k for k in shipped if k.endswith("weight") and not torch.equal(averaged[k], raw[k])]
    assert moved  # two Adam steps apart, the average is not the raw weights
    for key in moved:
        assert torch.equal(shipped[key].float(), averaged[key].half().float()), key


def test_a_run_with_a_warm_up_trains_its_first_steps_at_a_rising_rate(data_root, tmp_path):
    _, state = train_tiny_ritm(data_root, tmp_path, "tiny-warm", lr=1e-3, warmup_steps=8)
    assert state["optimizer"]["param_groups"][0]["lr"] == pytest.approx(1e-3 * 2 / 8)


def test_a_bad_predictor_setting_fails_before_any_training(data_root, tmp_path):
    """Before: the run trained until its first validation, then raised there."""
    path = write_config(
        tmp_path,
        data_root,
        name="tiny-bad",
        predictor={"crop": {"net_size": 64}, "first_drag_disk_weight": 2.0},
    )
    with pytest.raises(ValueError, match="first_drag_disk_weight must lie in"):
        train(load_config(path))
    assert not (tmp_path / "runs" / "tiny-bad").exists()


def test_validation_calibrates_the_first_click_and_the_card_carries_the_choice(data_root, tmp_path):
    """Each validation picks the listed first-click settings by click-1 IoU on its val samples;
    val.csv records the choice and the exported card's predictor holds it."""
    grid = {"first_drag_disk_weight": [0.0, 0.5, 1.0], "first_plain_click_threshold": [0.2, 0.5]}
    path = write_config(tmp_path, data_root, name="tiny-calibrated", kind="ritm", max_steps=1)
    config = load_config(path)
    config.calibrate = grid
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(factory, "onnx_available", lambda: False)
        folder = train(config)
    card = read_card(folder / "tiny-calibrated.json")
    row = list(csv.DictReader((folder / "val.csv").read_text().splitlines()))[-1]
    segmenter = segmenter_from_card(card, device="cpu", backend="torch")
    samples = Validator(config).samples
    for key, radius in (
        ("first_drag_disk_weight", "avg"),
        ("first_plain_click_threshold", "static"),
    ):
        ious = []
        for value in grid[key]:
            segmenter.config = dataclasses.replace(segmenter.config, **{key: value})
            rows = evaluate_segmenter(segmenter, samples, 1, radius, progress=False).rows
            ious.append(np.mean([r.ious[0] for r in rows]))
        chosen = grid[key][int(np.argmax(ious))]  # the first of equals, as the validator
        assert card.data["predictor"][key] == chosen == float(row[key])
    assert ious[0] != ious[1]  # a threshold of 0.2 and 0.5 give different plain-click masks


def test_calibrating_an_unknown_setting_is_refused(data_root, tmp_path):
    config = load_config(write_config(tmp_path, data_root, name="tiny-unknown"))
    config.calibrate = {"flip": [0.0, 1.0]}
    with pytest.raises(ValueError, match="calibrate: unknown settings flip"):
        train(config)
    config.calibrate = {"first_plain_click_threshold": [0.5, 1.5]}
    with pytest.raises(ValueError, match="first_plain_click_threshold must lie in"):
        train(config)


def test_a_bad_hand_over_is_refused_before_training(data_root, tmp_path):
    config = load_config(write_config(tmp_path, data_root, name="tiny-bad-handover"))
    config.handover = {"refiner": "ritm-hrnet18s-ct"}
    with pytest.raises(ValueError, match="which is no classical method"):
        train(config)
    config.handover = {"drag_clicks": 0}
    with pytest.raises(ValueError, match="drag_clicks must be a whole number"):
        train(config)
    assert not (tmp_path / "runs" / "tiny-bad-handover" / "checkpoint.pt").exists()


def test_validation_with_lesion_contrast_scores_click_1_on_contrasted_lesions(data_root, tmp_path):
    path = write_config(tmp_path, data_root, name="tiny-contrast", kind="ritm", max_steps=1)
    config = load_config(path)
    config.val_lesion_contrast = [40.0, 80.0]
    config.augment.contrast_prob = 1.0
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(factory, "onnx_available", lambda: False)
        folder = train(config)
    row = {k: float(v) for k, v in next(csv.DictReader((folder / "val.csv").open())).items()}
    k = config.val_clicks
    plain = 0.4 * row["iou1_avg"] + 0.2 * (row[f"iou{k}_avg"] + row["iou1_static"])
    plain += 0.2 * row[f"iou{k}_static"]
    assert row["score"] == pytest.approx((plain + 0.2 * row["iou1_avg_contrast"]) / 1.2)
    validator = Validator(config)
    assert [s.target.sum() for s in validator.contrasted] == [
        s.target.sum() for s in validator.samples
    ]
    assert all((c.hu != s.hu).any() for c, s in zip(validator.contrasted, validator.samples))
