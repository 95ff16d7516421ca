"""Broken model files in the weights folder: each learned method refuses to load with a
WeightsError naming its file (API), exit code 2 with the message (CLI), an error notification
(widget); the classical methods stay listed and working throughout, and no weights file is ever
unpickled. Also the CLI on a file that is not CT."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import skimage.io
import torch
from evaluation.conftest import disk_mask, write_case
from widget import canvas
from widget.conftest import MASS, MASS_Z, wait_idle

from napari_everyclick.cli import main
from napari_everyclick.core.clicks import Click
from napari_everyclick.core.errors import WeightsError
from napari_everyclick.inference.factory import segmenter_from_card
from napari_everyclick.inference.predictor import PredictorConfig
from napari_everyclick.methods import available_methods, make_segmenter, open_session
from napari_everyclick.models import cards
from napari_everyclick.models.build import build_model
from napari_everyclick.models.hrnet_ocr import NetConfig
from napari_everyclick.models.weights import file_sha256
from napari_everyclick.training.export import write_model
from napari_everyclick.widget.layers import PREVIEW_LAYER

NET = NetConfig(backbone="hrnet_w18_small")
CLASSICAL = ["disk", "flood", "snake"]

BROKEN = {  # method name -> what its WeightsError says
    "ritm-flipped": r"has sha256 .*but its card says",
    "ritm-truncated": r"has sha256 .*but its card says",
    "ritm-resigned-truncated": r"not a readable safetensors file",
    "ritm-missing": r"does not exist",
    "ritm-pickle": r"not a readable safetensors file",
    "ritm-other-architecture": r"does not fit the architecture",
    "focalclick-flipped": r"has sha256 .*but its card says",
}


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Path:
    """A valid card and its weights (an untrained RITM network)."""
    folder = tmp_path_factory.mktemp("good")
    torch.manual_seed(0)
    return write_model(
        build_model("ritm", NET),
        folder,
        "ritm-good",
        "ritm",
        NET.to_dict(),
        PredictorConfig.from_dict({"crop": {"net_size": 64}}).to_dict(),
        training={"steps": 0},
        metrics={},
        static_prob=0.5,
    )


def copy_card(good: Path, folder: Path, name: str, weights: bytes | None, resign: bool = False):
    """A copy of the good card called `name`, with `weights` as its file (None: no file); the
    card's sha256 is the good file's unless `resign` (someone updated the card to match)."""
    card = json.loads(good.read_text())
    card["name"], card["weights"] = name, f"{name}.safetensors"
    path = folder / card["weights"]
    if weights is not None:
        path.write_bytes(weights)
        if resign:
            card["sha256"] = file_sha256(path)
    (folder / f"{name}.json").write_text(json.dumps(card))
    return card


@pytest.fixture(scope="module")
def broken_zoo(good, tmp_path_factory) -> Path:
    """A weights folder where every learned model is broken in its own way, plus two unreadable
    cards."""
    folder = tmp_path_factory.mktemp("zoo")
    data = good.with_suffix(".safetensors").read_bytes()
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 0xFF
    copy_card(good, folder, "ritm-flipped", bytes(flipped))
    copy_card(good, folder, "focalclick-flipped", bytes(flipped))
    copy_card(good, folder, "ritm-truncated", data[: len(data) // 2])
    copy_card(good, folder, "ritm-resigned-truncated", data[: len(data) // 2], resign=True)
    copy_card(good, folder, "ritm-missing", None)
    pickled = folder / "pickled.pt"
    torch.save(build_model("ritm", NET).state_dict(), pickled)
    copy_card(good, folder, "ritm-pickle", pickled.read_bytes(), resign=True)
    pickled.unlink()
    card = copy_card(good, folder, "ritm-other-architecture", data)
    card["architecture"]["ocr_width"] = 16
    (folder / "ritm-other-architecture.json").write_text(json.dumps(card))
    (folder / "ritm-garbage.json").write_text('{"name": "ritm-garbage", ')
    (folder / "ritm-partial.json").write_text(json.dumps({"name": "ritm-partial"}))
    return folder


@pytest.fixture
def weights_dir(broken_zoo, monkeypatch) -> Path:
    monkeypatch.setattr(cards, "WEIGHTS_DIR", broken_zoo)
    return broken_zoo


@pytest.fixture
def no_torch_load(monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("torch.load must never be called on a weights file")

    monkeypatch.setattr(torch, "load", forbidden)


def test_the_good_card_loads(good, monkeypatch, no_torch_load):
    monkeypatch.setattr(cards, "WEIGHTS_DIR", good.parent)
    segmenter = make_segmenter("ritm-good", device="cpu", backend="torch")
    assert segmenter.name == "ritm-good"


def test_broken_cards_leave_the_classical_methods(weights_dir):
    with pytest.warns(UserWarning) as record:
        names = [m.name for m in available_methods()]
    assert names[:3] == CLASSICAL
    assert sorted(names[3:]) == sorted(BROKEN)  # unreadable cards are skipped ...
    skipped = " ".join(str(w.message) for w in record)
    assert "ritm-garbage.json" in skipped and "ritm-partial.json" in skipped  # ... by name
    session = open_session("flood")
    session.set_image(np.full((32, 32), -100, np.int16))
    assert session.click(Click(16.0, 16.0, True, 4.0)).any()


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_each_broken_model_is_a_weights_error_naming_its_file(weights_dir, no_torch_load, name):
    with pytest.raises(WeightsError, match=BROKEN[name]) as err:
        make_segmenter(name, device="cpu", backend="torch")
    assert str(weights_dir / f"{name}.safetensors") in str(err.value)


def test_a_card_with_a_bad_predictor_setting_is_refused_when_it_loads(good, tmp_path):
    """Before: the card loaded and the first plain click raised from deep in the predictor."""
    card = copy_card(
        good, tmp_path, "ritm-bad-threshold", good.with_suffix(".safetensors").read_bytes()
    )
    card["predictor"]["first_plain_click_threshold"] = 1.5
    (tmp_path / "ritm-bad-threshold.json").write_text(json.dumps(card))
    with pytest.raises(WeightsError, match="first_plain_click_threshold must lie in") as err:
        segmenter_from_card(cards.read_card(tmp_path / "ritm-bad-threshold.json"), "cpu")
    assert str(tmp_path / "ritm-bad-threshold.json") in str(err.value)


@pytest.fixture
def case(tmp_path) -> Path:
    labels = np.zeros((1, 40, 48), np.uint8)
    labels[0][disk_mask(20, 24, 6)] = 1
    return write_case(tmp_path / "case.npz", labels)


def test_cli_models_and_evaluate_with_broken_weights(weights_dir, case, tmp_path, capsys):
    with pytest.warns(UserWarning):
        assert main(["models"]) == 0
    listed = capsys.readouterr().out.split("\n")
    assert [line.split()[0] for line in listed[:3]] == CLASSICAL
    out = tmp_path / "out"
    argv = ["evaluate", "--method", "ritm-flipped", "--data", str(case), "--out", str(out)]
    assert main([*argv, "--device", "cpu"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("everyclick evaluate: error: weights file ")
    assert "ritm-flipped.safetensors" in err and "sha256" in err and "Traceback" not in err
    assert not out.exists()
    argv[2] = "flood"
    assert main([*argv, "--clicks", "2"]) == 0  # the classical methods still work


def test_cli_on_a_photo_exits_2_with_a_message(tmp_path, capsys):
    photo = tmp_path / "photo.png"
    skimage.io.imsave(photo, np.zeros((16, 16, 3), np.uint8), check_contrast=False)
    argv = ["--method", "flood", "--data", str(photo), "--out", str(tmp_path / "o")]
    assert main(["evaluate", *argv]) == 2
    err = capsys.readouterr().err
    assert "photo.png is neither an .npz case nor a folder with manifest.json" in err
    assert main(["benchmark", *argv[:4], "--out", str(tmp_path / "b.json")]) == 2
    assert "photo.png" in capsys.readouterr().err


def test_the_widget_reports_a_broken_model_and_flood_still_works(
    weights_dir, phantom_viewer, dock_with, qtbot, notifications
):
    with pytest.warns(UserWarning):
        widget = dock_with()
    combo = widget.controls.method_combo
    methods = [combo.itemText(i) for i in range(combo.count())]
    assert methods[:3] == CLASSICAL and "focalclick-flipped" in methods
    combo.setCurrentText("focalclick-flipped")  # a model whose weights file was altered
    assert widget.settings.method.name == "focalclick-flipped"
    viewer, image = phantom_viewer, phantom_viewer.layers["CT phantom"]
    cy, cx = MASS.center[1], MASS.center[2]
    canvas.drag(viewer, image, (MASS_Z, cy, cx), (MASS_Z, cy, cx + 8))
    wait_idle(qtbot, widget, timeout=60_000)
    ((severity, message),) = notifications.take()
    assert severity == "error" and "focalclick-flipped could not predict" in message
    assert "focalclick-flipped.safetensors" in message and "sha256" in message
    assert widget.annotator.editor.clicks == []
    combo.setCurrentText("flood")
    canvas.drag(viewer, image, (MASS_Z, cy, cx), (MASS_Z, cy, cx + 8))
    wait_idle(qtbot, widget)
    assert viewer.layers[PREVIEW_LAYER].data.any() and notifications.take() == []


def test_nothing_is_downloaded_or_unpickled_by_the_package():
    """A source scan: no pickle loading of weights, no network fetches, no pretrained
    downloads anywhere in the package (models are built from configs, weights come from
    safetensors files beside their cards)."""
    import re

    import napari_everyclick

    root = Path(napari_everyclick.__file__).parent
    forbidden = {
        r"torch\.load\((?![^)]*weights_only\s*=\s*True)": "torch.load without weights_only=True",
        r"pickle\.loads?\(": "pickle",
        r"allow_pickle\s*=\s*True": "numpy pickles",
        r"torch\.hub": "torch.hub",
        r"hf_hub_download|huggingface_hub|from_pretrained": "Hugging Face downloads",
        r"load_state_dict_from_url|download_url": "downloads by URL",
        r"urlopen|urlretrieve|requests\.|httpx|urllib\.request": "network access",
        r"pretrained\s*=\s*True": "pretrained downloads",
    }
    found = []
    for path in sorted(root.rglob("*.py")):
        text = path.read_text()
        for pattern, what in forbidden.items():
            for match in re.finditer(pattern, text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(root)}:{line}: {what}")
    assert found == []
    shipped = [p for p in (root / "weights").iterdir()] if (root / "weights").is_dir() else []
    assert all(p.suffix in (".safetensors", ".json") for p in shipped), shipped
