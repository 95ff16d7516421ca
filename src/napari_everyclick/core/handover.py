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

With `drag_edge_hu`, drags past the first stay with the network only where its answer so far
separates tissues: the median HU 3 px inside its outline and 3-8 px outside it differ by at
least that many HU (`outline_contrast_hu`). Where they do not (on our sarcomas, as dense as the
muscle around them), flood fill refines the first drag better (+0.02 IoU at click 2 on val);
where they do (a lesion whose edge the CT shows), the network's second drag is the better one.

`Handover` is a Segmenter around two segmenters; which one answers depends only on the clicks
(their count and kinds) and, with `drag_edge_hu`, on the slice and the answer before, so undo
and redo replay it exactly.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

import numpy as np
from scipy import ndimage as ndi

from .clicks import Click
from .geometry import Box, mask_box
from .segmenter import Prediction, PreparedSlice, Segmenter
from .windowing import Window

REFINER_SLICE = "handover_refiner"
"""Key of the refiner's own prepared slice in the network's `PreparedSlice.extra`."""

ANSWERED_BY = "answered_by"
"""Key of a hand-over's `Prediction.state`: the name of the method that answered the click."""


INSIDE_PX = 3
"""`outline_contrast_hu` reads the inside this far (pixels) within the outline..."""
RING_PX = (3, 8)
"""...and the outside in this ring (pixels) around it."""


def outline_contrast_hu(hu: np.ndarray, mask: np.ndarray) -> float | None:
    """|median HU inside `mask` (INSIDE_PX within its outline; all of it when that leaves under
    10 pixels) - median HU in the ring RING_PX outside it|, in HU; None for an empty mask."""
    box = mask_box(mask)
    if box is None:
        return None
    m = RING_PX[1] + 1  # the ring's reach, and a pixel of background for the erosion
    box = Box(box.y0 - m, box.x0 - m, box.y1 + m, box.x1 + m).intersection(Box(0, 0, *mask.shape))
    hu, mask = hu[box.slices], mask[box.slices]
    inside = ndi.binary_erosion(mask, iterations=INSIDE_PX)
    if inside.sum() < 10:
        inside = mask
    ring = ndi.binary_dilation(mask, iterations=RING_PX[1]) & ~ndi.binary_dilation(
        mask, iterations=RING_PX[0]
    )
    if not ring.any():  # the mask fills the slice
        return None
    return float(abs(np.median(hu[inside]) - np.median(hu[ring])))


@dataclass(frozen=True)
class HandoverRule:
    """Who answers click n of a session: the network while every click so far is of the first
    click's kind and n <= `drag_clicks` (drags) or n <= `plain_clicks` (plain clicks); the
    classical method `refiner` once the limit is passed or the kinds mix. `drag_edge_hu`
    (None: no such condition): a drag past the first goes to the network only when the answer
    before it has an `outline_contrast_hu` of at least that many HU. `refiner_settings`: the
    refiner's own settings in this place, where they differ from its defaults as a method of
    its own (keyword arguments of its constructor, numbers)."""

    refiner: str = "flood"
    drag_clicks: int = 2
    plain_clicks: int = 8
    drag_edge_hu: float | None = None
    refiner_settings: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        problems = [
            f"{name} must be a whole number >= 1, got {value}"
            for name, value in (
                ("drag_clicks", self.drag_clicks),
                ("plain_clicks", self.plain_clicks),
            )
            if not isinstance(value, int) or value < 1
        ]
        edge = self.drag_edge_hu
        if edge is not None and (not isinstance(edge, int | float) or not edge >= 0):
            problems.append(f"drag_edge_hu must be a number of HU >= 0 or null, got {edge}")
        settings = self.refiner_settings
        if not isinstance(settings, dict) or not all(
            isinstance(value, int | float) and not isinstance(value, bool)
            for value in settings.values()
        ):
            problems.append(f"refiner_settings must map names to numbers, got {settings}")
        if problems:
            raise ValueError("; ".join(problems))

    def network_answers(self, clicks: Sequence[Click], edge_hu: float | None = None) -> bool:
        """True when the network answers the newest of `clicks` (all clicks so far). `edge_hu`:
        the `outline_contrast_hu` of the answer before it (None: not known, or no answer)."""
        plain = clicks[0].plain
        if any(click.plain != plain for click in clicks[1:]):
            return False
        if len(clicks) > (self.plain_clicks if plain else self.drag_clicks):
            return False
        if plain or len(clicks) == 1 or self.drag_edge_hu is None:
            return True
        return edge_hu is not None and edge_hu >= self.drag_edge_hu

    def needs_edge(self, clicks: Sequence[Click]) -> bool:
        """Whether `network_answers` for `clicks` depends on the answer's edge (so the edge is
        measured only for the clicks it decides, not for every later one)."""
        if self.drag_edge_hu is None or len(clicks) == 1 or clicks[0].plain:
            return False
        return self.network_answers(clicks, edge_hu=math.inf)

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
        edge_hu = None
        if previous is not None and self.rule.needs_edge(clicks):
            edge_hu = outline_contrast_hu(image.hu, previous.mask)
        if self.rule.network_answers(clicks, edge_hu):
            answer = self.network.predict(image, clicks, previous)
            state = {**answer.state, ANSWERED_BY: self.network.name}
            return replace(answer, state=state)
        answer = self.refiner.predict(image.extra[REFINER_SLICE], clicks, previous)
        state = {**answer.state, ANSWERED_BY: self.refiner.name}
        return replace(Prediction.from_mask(answer.mask), state=state, timings_ms=answer.timings_ms)
