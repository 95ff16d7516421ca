"""The models that ship in the wheel: one RITM and one FocalClick, each opened by name through
`open_session` (sha256 and shapes checked on load) and outlining a phantom lesion, each card
carrying the val figures of `everyclick evaluate` and the data's citations."""

from __future__ import annotations

import numpy as np
import pytest

from napari_everyclick import Click, open_session
from napari_everyclick.core.metrics import iou
from napari_everyclick.core.phantom import make_phantom
from napari_everyclick.models.cards import list_cards

SHIPPED = list_cards()


def test_a_ritm_and_a_focalclick_model_ship():
    kinds = {card.kind for card in SHIPPED}
    assert {"ritm", "focalclick"} <= kinds
    assert all(card.name.startswith(card.kind) for card in SHIPPED)


@pytest.mark.parametrize("card", SHIPPED, ids=[c.name for c in SHIPPED])
def test_card_holds_val_figures_training_and_citations(card):
    metrics = card.data["metrics"]
    for key in ("val_avg", "val_static", "disk_val_avg", "flood_val_avg"):
        assert len(metrics[key]["iou_at"]) == 5 and 0.0 < metrics[key]["iterative_iou_error"] < 1.0
        assert metrics[key]["n_samples"] > 0 and metrics[key]["clicks"] == 20
    assert card.data["training"]["total_cpu_minutes"] > 0 and card.data["command"]
    assert any("10.7937/K9/TCIA.2015.7GO2GSKS" in source for source in card.data["data"]["sources"])


@pytest.mark.parametrize("card", SHIPPED, ids=[c.name for c in SHIPPED])
def test_opens_by_name_and_outlines_a_phantom_lesion(card):
    phantom = make_phantom(shape=(8, 160, 160))
    lesion = max(phantom.lesions, key=lambda le: le.semi_axes[1])
    z, cy, cx = (int(round(v)) for v in lesion.center)
    truth = phantom.labels[z] == lesion.label
    session = open_session(card.name, device="cpu")
    session.set_image(phantom.hu[z], window=phantom.window)
    radius = float(np.sqrt(truth.sum() / np.pi))
    mask = session.click(Click(float(cy), float(cx), True, radius))
    assert mask.shape == truth.shape and mask.dtype == bool
    assert iou(mask, truth) > 0.5
