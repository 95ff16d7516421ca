"""A session handed over from a network to a classical method after the network's first clicks.

The networks answer a first click better than flood fill does (they know what a lesion looks
like), but flood fill refines a mask better than they do: it changes only a band along the
boundary near the click, a positive click only adds and a negative one only removes, so later
clicks converge instead of undoing earlier ones. Measured on val (RITM, 20 clicks, docs/models.md
"Inference settings", seventh round): the network's first two drags, then flood fill, gives an
Iterative IoU Error of 0.097 against 0.120 for the network alone and 0.105 for flood fill alone.
With plain clicks, which tell flood fill nothing about size, the network keeps the session
longer (8 clicks). Once a session mixes drags and plain clicks, flood fill refines better from
the second click on, whichever kind came first.

`Handover` is a Segmenter around two segmenters; which one answers depends only on the clicks
(their count and kinds), so undo and redo replay it exactly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

import numpy as np

from .clicks import Click
from .segmenter import Prediction, PreparedSlice, Segmenter
from .windowing import Window

REFINER_SLICE = "handover_refiner"
"""Key of the refiner's own prepared slice in the network's `PreparedSlice.extra`."""

ANSWERED_BY = "answered_by"
"""Key of a hand-over's `Prediction.state`: the name of the method that answered the click."""


@dataclass(frozen=True)
class HandoverRule:
    """Who answers click n of a session: the network while every click so far is of the first
    click's kind and n <= `drag_clicks` (drags) or n <= `plain_clicks` (plain clicks); the
    classical method `refiner` once the limit is passed or the kinds mix."""

    refiner: str = "flood"
    drag_clicks: int = 2
    plain_clicks: int = 8

    def __post_init__(self) -> None:
        problems = [
            f"{name} must be a whole number >= 1, got {value}"
            for name, value in (
                ("drag_clicks", self.drag_clicks),
                ("plain_clicks", self.plain_clicks),
            )
            if not isinstance(value, int) or value < 1
        ]
        if problems:
            raise ValueError("; ".join(problems))

    def network_answers(self, clicks: Sequence[Click]) -> bool:
        """True when the network answers the newest of `clicks` (all clicks so far)."""
        plain = clicks[0].plain
        if any(click.plain != plain for click in clicks[1:]):
            return False
        return len(clicks) <= (self.plain_clicks if plain else self.drag_clicks)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> HandoverRule:
        """The rule a model card records; unknown keys are an error (a card written for newer
        code must not load as something else)."""
        unknown = set(data) - {f.name for f in fields(cls)}
        if unknown:
            raise ValueError(f"unknown hand-over settings: {', '.join(sorted(unknown))}")
        return cls(**data)


class Handover:
    """`network` answers the first clicks, `refiner` the rest, as `rule` says.

    The refiner's answer carries its mask as the probability (0 or 1), so that a learned method
    given it as the previous prediction reads the mask as its prior, as with any other mask.
    """

    def __init__(self, network: Segmenter, refiner: Segmenter, rule: HandoverRule) -> None:
        self.network = network
        self.refiner = refiner
        self.rule = rule
        self.name = network.name

    @property
    def device(self) -> str:
        """Where the network runs (the refiner runs on the CPU)."""
        return str(getattr(self.network, "device", "cpu"))

    def prepare(self, slice_hu: np.ndarray, window: Window) -> PreparedSlice:
        image = self.network.prepare(slice_hu, window)
        refiner_image = self.refiner.prepare(slice_hu, window)
        extra = {**image.extra, REFINER_SLICE: refiner_image}
        return PreparedSlice(image.hu, image.window, image.windowed, extra)

    def predict(
        self, image: PreparedSlice, clicks: Sequence[Click], previous: Prediction | None
    ) -> Prediction:
        if self.rule.network_answers(clicks):
            answer = self.network.predict(image, clicks, previous)
            state = {**answer.state, ANSWERED_BY: self.network.name}
            return replace(answer, state=state)
        answer = self.refiner.predict(image.extra[REFINER_SLICE], clicks, previous)
        state = {**answer.state, ANSWERED_BY: self.refiner.name}
        return replace(Prediction.from_mask(answer.mask), state=state, timings_ms=answer.timings_ms)
