"""Building segmenters for the widget: device only for models, Progressive Merge, the prepared
slice cached per slice and window, and the default method."""

from __future__ import annotations

import dataclasses

import numpy as np

from napari_everyclick.core.handover import Handover, HandoverRule
from napari_everyclick.core.windowing import Window
from napari_everyclick.methods import MethodInfo
from napari_everyclick.widget.segmenters import (
    MethodChoice,
    SegmenterPool,
    default_method,
    device_of,
)

from .fakes import DiskLike


@dataclasses.dataclass(frozen=True)
class Config:
    progressive_merge: bool = False


class FakeModel(DiskLike):
    def __init__(self, device: str) -> None:
        super().__init__()
        self.device = device
        self.config = Config()
        self.prepared = 0

    def prepare(self, slice_hu, window):
        self.prepared += 1
        return super().prepare(slice_hu, window)


def test_pool_builds_once_passes_device_to_models_only_and_sets_merge():
    built = []

    def factory(name, **options):
        built.append((name, options))
        return FakeModel(options["device"]) if "device" in options else DiskLike()

    pool = SegmenterPool(factory, learned={"focalclick-x"})
    assert not pool.is_built(MethodChoice("flood", "cuda"))
    flood = pool.segmenter(MethodChoice("flood", "cuda"))
    assert pool.is_built(MethodChoice("flood", "cuda"))
    assert not pool.is_built(MethodChoice("flood", "cpu"))
    assert pool.segmenter(MethodChoice("flood", "cuda")) is flood
    model = pool.segmenter(MethodChoice("focalclick-x", "cpu", progressive_merge=True))
    assert built == [("flood", {}), ("focalclick-x", {"device": "cpu"})]
    assert model.config.progressive_merge is True
    pool.segmenter(MethodChoice("focalclick-x", "cpu", progressive_merge=False))
    assert model.config.progressive_merge is False


def test_a_choice_without_merge_keeps_the_card_setting_and_merge_reaches_a_handed_over_net():
    """Before: a choice's Progressive Merge defaulted to on and was forced on every learned
    model, RITM too (its box greyed out but ticked), unlike the cards' measured setting."""
    pool = SegmenterPool(lambda name, **kw: FakeModel("cpu"), learned={"ritm-x"})
    model = pool.segmenter(MethodChoice("ritm-x", "cpu"))
    assert model.config.progressive_merge is False
    network = FakeModel("cpu")
    wrapped = Handover(network, DiskLike(), HandoverRule())
    pool = SegmenterPool(lambda name, **kw: wrapped, learned={"focalclick-x"})
    assert pool.segmenter(MethodChoice("focalclick-x", "cpu", True)) is wrapped
    assert network.config.progressive_merge is True
    assert device_of(wrapped) == "cpu"


def test_prepared_slice_is_reused_per_slice_and_window():
    pool = SegmenterPool(lambda name, **kw: FakeModel("cpu"), learned={"m"})
    model = pool.segmenter(MethodChoice("m"))
    hu = np.full((16, 16), -200.0, np.float32)
    window = Window(40.0, 400.0)
    first = pool.prepared(model, "z1", window, lambda: hu)
    assert pool.prepared(model, "z1", window, lambda: hu) is first
    pool.prepared(model, "z1", Window(-600.0, 1500.0), lambda: hu)
    pool.prepared(model, "z2", Window(-600.0, 1500.0), lambda: hu)
    assert model.prepared == 3


def test_default_method_is_the_model_that_beats_flood_by_most_else_flood():
    """Before: a FocalClick model that beat flood fill won over any RITM one, however much
    lower the RITM card's error."""
    classical = [MethodInfo("disk", "classical", ""), MethodInfo("flood", "classical", "")]
    assert default_method(classical) == "flood"
    weaker = MethodInfo("focalclick-weak", "learned", "", beats_flood=False, val_error=0.09)
    assert default_method([*classical, weaker]) == "flood"
    ritm = MethodInfo("ritm-a", "learned", "", beats_flood=True, val_error=0.120)
    assert default_method([*classical, weaker, ritm]) == "ritm-a"
    focal = MethodInfo("focalclick-b", "learned", "", beats_flood=True, val_error=0.123)
    assert default_method([*classical, weaker, ritm, focal]) == "ritm-a"
    best = MethodInfo("focalclick-c", "learned", "", beats_flood=True, val_error=0.110)
    assert default_method([*classical, ritm, focal, best]) == "focalclick-c"


def test_device_of_a_classical_method_a_model_and_a_predictor_with_a_runner():
    class Runner:
        device = "cuda"

    class Predictor(DiskLike):
        runner = Runner()

    assert device_of(DiskLike()) == "cpu"
    assert device_of(FakeModel("cuda:0")) == "cuda:0"
    assert device_of(Predictor()) == "cuda"
