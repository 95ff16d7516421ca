"""The hand-over from a network to a classical method: who answers which click, what the
refiner's answer carries on, and card rules that are refused."""

from __future__ import annotations

import numpy as np
import pytest

from napari_everyclick.core.classical.flood import FloodSegmenter
from napari_everyclick.core.clicks import Click
from napari_everyclick.core.handover import (
    ANSWERED_BY,
    Handover,
    HandoverRule,
    outline_contrast_hu,
)
from napari_everyclick.core.segmenter import Prediction, PreparedSlice
from napari_everyclick.core.session import Session, prepare_slice


class Recorder:
    """A stand-in network: answers a box, records the clicks and previous it was given."""

    name = "ritm-fake"
    device = "cuda"

    def __init__(self) -> None:
        self.calls: list[tuple[int, Prediction | None]] = []

    def prepare(self, slice_hu, window) -> PreparedSlice:
        image = prepare_slice(slice_hu, window)
        return PreparedSlice(image.hu, image.window, image.windowed, {"channels": "net"})

    def predict(self, image, clicks, previous) -> Prediction:
        assert image.extra["channels"] == "net"
        self.calls.append((len(clicks), previous))
        mask = np.zeros(image.shape, dtype=bool)
        mask[20:40, 20:40] = True
        return Prediction(mask=mask, probability=mask.astype(np.float32) * 0.9)


def drag(y: float, x: float, positive: bool = True) -> Click:
    return Click(y, x, positive, 6.0)


def plain(y: float, x: float, positive: bool = True) -> Click:
    return Click(y, x, positive, 5.0)


def lesion_slice() -> np.ndarray:
    hu = np.full((64, 64), -100.0, np.float32)
    hu[18:46, 18:46] = 60.0
    return hu


@pytest.mark.parametrize(
    "clicks, network",
    [
        ([drag(1, 1)], True),
        ([drag(1, 1), drag(2, 2)], True),
        ([drag(1, 1), drag(2, 2), drag(3, 3)], False),
        ([plain(1, 1)] * 4, True),
        ([plain(1, 1)] * 5, False),
        ([plain(1, 1)], True),
        ([drag(1, 1), plain(2, 2)], False),  # the kinds mix: flood fill refines better
        ([plain(1, 1), drag(2, 2)], False),
        ([plain(1, 1), plain(2, 2), drag(3, 3), plain(4, 4)], False),
        # the kind is the gesture's, not its radius's: a 3-px static radius, a 5-px drag
        ([Click(1, 1, True, 3.0, plain=True)] * 4, True),
        ([Click(1, 1, True, 5.0, plain=False)] * 3, False),
    ],
)
def test_the_network_answers_sessions_of_one_kind_up_to_that_kinds_limit(clicks, network):
    """Before: the newest click's kind alone decided, so plain clicks after a drag went to the
    network up to click 8, which refines them worse than flood fill (val, docs/models.md)."""
    assert HandoverRule(drag_clicks=2, plain_clicks=4).network_answers(clicks) is network


def test_the_refiner_edits_the_networks_mask_and_passes_its_mask_on_as_the_probability():
    network = Recorder()
    session = Session(Handover(network, FloodSegmenter(), HandoverRule(drag_clicks=1)))
    session.set_image(lesion_slice(), window=(40, 400))
    first = session.click(drag(30, 30))
    assert first[20:40, 20:40].all() and first.sum() == 400
    assert session.prediction.state[ANSWERED_BY] == "ritm-fake"
    grown = session.click(drag(42, 42))  # flood fill adds the rest of the bright square
    assert grown[20:40, 20:40].all() and grown[42, 42] and grown.sum() > first.sum()
    assert not grown[50:, :].any()
    assert len(network.calls) == 1 and session.prediction.state[ANSWERED_BY] == "flood"
    np.testing.assert_array_equal(session.prediction.probability, grown.astype(np.float32))
    session.undo()
    session.undo()
    session.click(drag(30, 30))
    assert len(network.calls) == 2 and session.prediction.state[ANSWERED_BY] == "ritm-fake"


def test_the_outline_contrast_is_the_median_hu_inside_against_the_ring_outside():
    hu = lesion_slice()  # a 60 HU square on -100 HU
    square = np.zeros(hu.shape, bool)
    square[18:46, 18:46] = True
    assert outline_contrast_hu(hu, square) == pytest.approx(160.0)
    assert outline_contrast_hu(np.full(hu.shape, 30.0, np.float32), square) == 0.0
    assert outline_contrast_hu(hu, np.zeros(hu.shape, bool)) is None
    assert outline_contrast_hu(hu, np.ones(hu.shape, bool)) is None  # no outside
    corner = np.zeros(hu.shape, bool)
    corner[:3, :3] = True  # too small to erode, at the border: read whole, ring cut there
    assert outline_contrast_hu(hu, corner) == 0.0


@pytest.mark.parametrize(
    "clicks, edge_hu, network",
    [
        ([drag(1, 1)], None, True),  # the first drag: always the network
        ([drag(1, 1), drag(2, 2)], 12.0, True),
        ([drag(1, 1), drag(2, 2)], 8.0, False),
        ([drag(1, 1), drag(2, 2)], None, False),  # no answer to measure
        ([drag(1, 1), drag(2, 2), drag(3, 3)], 50.0, False),  # past the limit
        ([plain(1, 1), plain(2, 2)], None, True),  # plain clicks: no such condition
    ],
)
def test_with_drag_edge_hu_a_later_drag_stays_with_the_network_only_across_an_edge(
    clicks, edge_hu, network
):
    rule = HandoverRule(drag_clicks=2, plain_clicks=4, drag_edge_hu=10.0)
    assert rule.network_answers(clicks, edge_hu) is network


@pytest.mark.parametrize(
    "clicks, needed",
    [
        ([drag(1, 1)], False),
        ([drag(1, 1), drag(2, 2)], True),
        ([drag(1, 1), drag(2, 2), drag(3, 3)], False),  # past the limit: flood fill regardless
        ([drag(1, 1), plain(2, 2)], False),
        ([plain(1, 1), plain(2, 2)], False),
    ],
)
def test_the_edge_is_measured_only_for_the_clicks_it_decides(clicks, needed):
    """Before: every drag after the first measured the edge, clicks 3 to 20 included."""
    assert HandoverRule(drag_clicks=2, drag_edge_hu=10.0).needs_edge(clicks) is needed
    assert HandoverRule(drag_clicks=2).needs_edge(clicks) is False


@pytest.mark.parametrize("lesion_hu, answers", [(60.0, "ritm-fake"), (-95.0, "flood")])
def test_the_second_drag_goes_where_the_first_answers_edge_says(lesion_hu, answers):
    hu = lesion_slice()
    hu[hu > 0] = lesion_hu  # 160 HU or 5 HU above its surroundings
    session = Session(Handover(Recorder(), FloodSegmenter(), HandoverRule(drag_edge_hu=10.0)))
    session.set_image(hu, window=(40, 400))
    session.click(drag(30, 30))
    session.click(drag(42, 42))
    assert session.prediction.state[ANSWERED_BY] == answers


def test_the_handover_names_and_places_itself_as_its_network():
    handover = Handover(Recorder(), FloodSegmenter(), HandoverRule())
    assert handover.name == "ritm-fake" and handover.device == "cuda"


@pytest.mark.parametrize(
    "data, message",
    [
        ({"drag_clicks": 0}, "drag_clicks must be a whole number >= 1"),
        ({"plain_clicks": 2.5}, "plain_clicks must be a whole number >= 1"),
        ({"drag_clicks": 2, "after": 3}, "unknown hand-over settings: after"),
        ({"drag_edge_hu": -1}, "drag_edge_hu must be a number of HU >= 0 or null"),
        ({"drag_edge_hu": "10"}, "drag_edge_hu must be a number of HU >= 0 or null"),
        ({"refiner_settings": {"reach": "1"}}, "refiner_settings must map names to numbers"),
        ({"refiner_settings": [3.0]}, "refiner_settings must map names to numbers"),
    ],
)
def test_bad_rules_are_refused(data, message):
    with pytest.raises(ValueError, match=message):
        HandoverRule.from_dict(data)


def test_a_rule_round_trips_through_a_dict():
    rule = HandoverRule("snake", 3, 7, 12.5, {"static_refine_reach": 3.0})
    assert HandoverRule.from_dict(rule.to_dict()) == rule
    assert HandoverRule().to_dict()["refiner_settings"] == {}
