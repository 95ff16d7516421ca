"""Model cards written by training's export, found by name, loaded into a working predictor;
broken cards and weights are refused with WeightsError, unknown names with UnknownMethodError."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from napari_everyclick.core.classical.flood import FloodSegmenter
from napari_everyclick.core.clicks import Click
from napari_everyclick.core.disks import disk_union
from napari_everyclick.core.errors import UnknownMethodError, WeightsError
from napari_everyclick.core.handover import Handover, HandoverRule
from napari_everyclick.core.session import Session
from napari_everyclick.inference.factory import segmenter_from_card
from napari_everyclick.inference.predictor import FocalClickPredictor, PredictorConfig
from napari_everyclick.methods import make_segmenter, open_session
from napari_everyclick.models.build import build_model
from napari_everyclick.models.cards import ModelCard, find_card, list_cards, read_card
from napari_everyclick.models.hrnet_ocr import NetConfig
from napari_everyclick.models.weights import file_sha256
from napari_everyclick.training.export import write_model

NET = NetConfig(backbone="hrnet_w18_small")
PREDICTOR = {"crop": {"net_size": 64}, "focus": {"refine_size": 64}}


def write(folder: Path, name: str, kind: str = "ritm") -> Path:
    torch.manual_seed(0)
    return write_model(
        build_model(kind, NET),
        folder,
        name,
        kind,
        NET.to_dict(),
        PredictorConfig.from_dict(PREDICTOR).to_dict(),
        training={"steps": 0},
        metrics={"val_avg": {"iou_at": [0.5, 0.7]}},
        static_prob=0.4,
    )


def ct_slice() -> np.ndarray:
    hu = np.random.default_rng(0).normal(-100, 20, (64, 64))
    hu[20:40, 20:44] += 160
    return hu.astype(np.float32)


@pytest.fixture(scope="module")
def zoo(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("zoo")
    write(folder, "ritm-test", "ritm")
    write(folder, "focalclick-test", "focalclick")
    return folder


def test_write_model_writes_weights_and_card(zoo):
    card = read_card(zoo / "ritm-test.json")
    assert isinstance(card, ModelCard)
    assert card.name == "ritm-test" and card.kind == "ritm"
    assert card.weights_path == zoo / "ritm-test.safetensors"
    assert card.data["sha256"] == file_sha256(card.weights_path)
    assert card.architecture == NET.to_dict()
    assert card.data["clicks"] == "hybrid"
    assert card.data["predictor"]["crop"]["net_size"] == 64
    assert "ritm" in card.summary() and "val IoU@1 0.500" in card.summary()
    assert not list(zoo.glob("*.tmp"))


def test_list_and_find_cards(zoo):
    assert [c.name for c in list_cards(zoo)] == ["focalclick-test", "ritm-test"]
    assert find_card("focalclick-test", zoo).kind == "focalclick"
    assert find_card("no-such-model", zoo) is None


@pytest.mark.parametrize(
    "metrics, beats",
    [
        (
            {
                "val_avg": {"iterative_iou_error": 0.11},
                "flood_val_avg": {"iterative_iou_error": 0.12},
            },
            True,
        ),
        (
            {
                "val_avg": {"iterative_iou_error": 0.15},
                "flood_val_avg": {"iterative_iou_error": 0.12},
            },
            False,
        ),
        ({"val_avg": {"iterative_iou_error": 0.11}}, False),  # not published against flood
        ({}, False),
    ],
)
def test_a_card_beats_flood_only_when_its_val_error_is_lower(metrics, beats, tmp_path):
    card = ModelCard(tmp_path / "m.json", {"name": "m", "kind": "ritm", "metrics": metrics})
    assert card.beats_flood is beats
    assert ("(flood 0.1200)" in card.summary()) is ("flood_val_avg" in metrics)


@pytest.mark.parametrize(
    "name, kind, predictor_type",
    [("ritm-test", "ritm", None), ("focalclick-test", "focalclick", FocalClickPredictor)],
)
def test_segmenter_from_card_runs_a_click(zoo, name, kind, predictor_type):
    segmenter = segmenter_from_card(find_card(name, zoo), device="cpu", backend="torch")
    assert segmenter.name == name
    if predictor_type is not None:
        assert isinstance(segmenter, predictor_type)
    assert segmenter.config.crop.net_size == 64
    session = Session(segmenter)
    session.set_image(ct_slice(), window=(40, 400))
    click = Click(30.0, 31.0, True, 8.0)
    mask = session.click(click)
    assert mask.shape == (64, 64) and mask.dtype == bool
    # untrained (prior residual, zero classifier): the first answer is the disk
    assert np.array_equal(mask, disk_union([click], (64, 64)))


def test_segmenter_from_card_overrides(zoo):
    card = find_card("ritm-test", zoo)
    default = segmenter_from_card(card, device="cpu", backend="torch")
    assert default.config.flip is False and default.config.progressive_merge is False
    both = segmenter_from_card(
        card, device="cpu", backend="torch", progressive_merge=True, flip=True
    )
    assert both.config.flip is True and both.config.progressive_merge is True
    assert both.config.crop.net_size == 64  # the card's values stay


def test_card_whose_sha256_does_not_match_is_refused(zoo, tmp_path):
    write(tmp_path, "ritm-bad")
    path = tmp_path / "ritm-bad.json"
    data = json.loads(path.read_text())
    data["sha256"] = "0" * 64
    path.write_text(json.dumps(data))
    card = read_card(path)
    with pytest.raises(WeightsError, match="sha256") as err:
        segmenter_from_card(card, device="cpu", backend="torch")
    assert "ritm-bad.safetensors" in str(err.value)


def test_card_with_missing_weights_is_refused(tmp_path):
    write(tmp_path, "ritm-gone")
    (tmp_path / "ritm-gone.safetensors").unlink()
    with pytest.raises(WeightsError, match="does not exist"):
        segmenter_from_card(read_card(tmp_path / "ritm-gone.json"), device="cpu", backend="torch")


def test_card_of_unknown_kind_is_refused(tmp_path):
    path = write(tmp_path, "unet-x")
    data = json.loads(path.read_text())
    data["kind"] = "unet"
    path.write_text(json.dumps(data))
    with pytest.raises(WeightsError, match="unknown kind"):
        segmenter_from_card(read_card(path), device="cpu", backend="torch")


def test_broken_cards_are_skipped_with_a_warning(zoo, tmp_path):
    for source in zoo.iterdir():
        (tmp_path / source.name).write_bytes(source.read_bytes())
    (tmp_path / "broken.json").write_text('{"name": "ritm-broken", ')
    (tmp_path / "partial.json").write_text(json.dumps({"name": "ritm-partial", "kind": "ritm"}))
    (tmp_path / "list.json").write_text("[1, 2]")
    with pytest.warns(UserWarning) as record:
        cards = list_cards(tmp_path)
    assert [c.name for c in cards] == ["focalclick-test", "ritm-test"]
    messages = " ".join(str(w.message) for w in record)
    assert "broken.json" in messages and "cannot be read" in messages
    assert "partial.json" in messages and "lacks weights, sha256, architecture" in messages
    assert "list.json" in messages and "not a JSON object" in messages


def test_read_card_errors_name_the_file(tmp_path):
    missing = tmp_path / "absent.json"
    with pytest.raises(WeightsError, match="absent.json"):
        read_card(missing)


def test_make_segmenter_unknown_name():
    with pytest.raises(UnknownMethodError, match="no-such-method") as err:
        make_segmenter("no-such-method")
    assert isinstance(err.value, KeyError)
    assert "disk" in str(err.value)  # the message lists what is available
    with pytest.raises(UnknownMethodError):
        open_session("ritm-does-not-exist")


def test_make_segmenter_finds_a_card_in_the_zoo(zoo, monkeypatch):
    from napari_everyclick.models import cards

    monkeypatch.setattr(cards, "WEIGHTS_DIR", zoo)
    segmenter = make_segmenter("ritm-test", device="cpu", backend="torch")
    assert segmenter.name == "ritm-test"
    assert segmenter.config.crop.net_size == 64


def test_make_segmenter_opens_a_card_by_path(zoo):
    """A run's card opens by its path (to evaluate it before it ships); a missing one is named."""
    segmenter = make_segmenter(str(zoo / "focalclick-test.json"), device="cpu", backend="torch")
    assert segmenter.name == "focalclick-test"
    with pytest.raises(WeightsError, match="nowhere.json"):
        make_segmenter(str(zoo / "nowhere.json"))


def test_card_records_the_commit(zoo):
    card = read_card(zoo / "ritm-test.json")
    commit = card.data["commit"]
    assert commit is None or (len(commit) == 40 and int(commit, 16) >= 0)
    assert card.data["written"] and card.data["static_click_share"] == 0.4


def card_with_handover(folder: Path, rule: dict) -> ModelCard:
    path = write(folder, "ritm-handover")
    data = json.loads(path.read_text())
    data["handover"] = rule
    path.write_text(json.dumps(data))
    return read_card(path)


def test_a_card_with_a_hand_over_opens_behind_it_unless_asked_not_to(tmp_path):
    card = card_with_handover(tmp_path, {"refiner": "flood", "drag_clicks": 1, "plain_clicks": 3})
    segmenter = segmenter_from_card(card, device="cpu", backend="torch")
    assert isinstance(segmenter, Handover) and segmenter.name == "ritm-handover"
    assert "network for 1 drags / 3 plain clicks, then flood" in card.summary()
    assert segmenter.rule == HandoverRule("flood", 1, 3)
    assert isinstance(segmenter.refiner, FloodSegmenter)
    assert segmenter.network.config.crop.net_size == 64
    alone = segmenter_from_card(card, device="cpu", backend="torch", handover=False)
    assert not isinstance(alone, Handover) and alone.config.crop.net_size == 64


@pytest.mark.parametrize(
    "rule, message",
    [
        ({"refiner": "ritm-test"}, "hands over to 'ritm-test', which is no classical method"),
        ({"drag_clicks": 0}, "bad predictor settings: drag_clicks must be a whole number >= 1"),
        ({"network_clicks": 2}, "unknown hand-over settings: network_clicks"),
        (
            {"refiner_settings": {"static_reach": 3.0}},
            "refiner_settings for flood: .*unexpected keyword argument 'static_reach'",
        ),
    ],
)
def test_a_card_with_a_bad_hand_over_is_refused(tmp_path, rule, message):
    with pytest.raises(WeightsError, match=message):
        segmenter_from_card(card_with_handover(tmp_path, rule), device="cpu", backend="torch")


def test_a_card_s_refiner_settings_reach_its_refiner_and_its_summary(tmp_path):
    rule = {"refiner": "flood", "drag_clicks": 2, "plain_clicks": 8}
    card = card_with_handover(tmp_path, {**rule, "refiner_settings": {"static_refine_reach": 3}})
    segmenter = segmenter_from_card(card, device="cpu", backend="torch")
    assert segmenter.refiner.static_refine_reach == 3
    assert segmenter.refiner.refine_reach == FloodSegmenter().refine_reach  # the rest: defaults
    assert "plain clicks, then flood (static_refine_reach 3)" in card.summary()
    plain = segmenter_from_card(card_with_handover(tmp_path / "plain", rule), device="cpu")
    assert plain.refiner.static_refine_reach == FloodSegmenter().static_refine_reach


def test_a_card_summary_names_the_edge_a_later_drag_needs(tmp_path):
    rule = {"refiner": "flood", "drag_clicks": 2, "plain_clicks": 8, "drag_edge_hu": 10.0}
    card = card_with_handover(tmp_path, rule)
    assert (
        "network for 2 drags (past the first across an edge of >= 10 HU) / 8 plain clicks, "
        "then flood" in card.summary()
    )
    assert segmenter_from_card(card, device="cpu", backend="torch").rule.drag_edge_hu == 10.0
