"""The registry of segmentation methods: names `open_session` takes, classical and learned.

Classical methods are always available. Learned ones (names starting `ritm-` / `focalclick-`)
come from the model cards in the package's `weights/` folder; torch is imported only when one
is opened. `ritm-random` and `focalclick-random` build untrained networks (benchmarks, tests).
A path to a card (`runs/NAME/NAME.json`) opens that model, e.g. to evaluate a run before it ships.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .core.classical.disk import DiskSegmenter
from .core.errors import UnknownMethodError
from .core.segmenter import Segmenter
from .core.session import Session


@dataclass(frozen=True)
class MethodInfo:
    """One line of `everyclick models`: the exact name, its kind and a short summary."""

    name: str
    kind: str  # "classical" or "learned"
    summary: str
    beats_flood: bool = False  # a learned model whose card shows a lower val error than flood
    val_error: float | None = None  # its card's val Iterative IoU Error @20 (avg radius)


def _flood(**options: Any) -> Segmenter:
    from .core.classical.flood import FloodSegmenter

    return FloodSegmenter(**options)


def _snake(**options: Any) -> Segmenter:
    from .core.classical.snake import SnakeSegmenter

    return SnakeSegmenter(**options)


CLASSICAL: dict[str, tuple[Callable[..., Segmenter], str]] = {
    "disk": (DiskSegmenter, "baseline: the clicked disks themselves, nothing else"),
    "flood": (_flood, "flood fill; tolerance from the intensities inside the disk"),
    "snake": (_snake, "active contour started from the disk's circle"),
}


def _classical() -> dict[str, tuple[Callable[..., Segmenter], str]]:
    """The classical methods: name -> (factory, summary)."""
    return CLASSICAL


def available_methods() -> list[MethodInfo]:
    """Every method that can be opened here, classical first, then the shipped models."""
    infos = [MethodInfo(n, "classical", s) for n, (_, s) in _classical().items()]
    from .models.cards import list_cards

    infos += [
        MethodInfo(card.name, "learned", card.summary(), card.beats_flood, card.val_error())
        for card in list_cards()
    ]
    return infos


def make_segmenter(name: str, **options: Any) -> Segmenter:
    """Build the segmenter called `name`; options go to its constructor (e.g. device)."""
    classical = _classical()
    if name in classical:
        return classical[name][0](**options)
    kind, _, rest = name.partition("-")
    if rest == "random" and kind in ("ritm", "focalclick"):
        from .inference.factory import random_segmenter

        options.pop("handover", None)  # no card, so no hand-over: the network answers every click
        return random_segmenter(kind, **options)
    from .models.cards import find_card, read_card

    card = read_card(Path(name)) if name.endswith(".json") else find_card(name)
    if card is None:
        known = [m.name for m in available_methods()]
        raise UnknownMethodError(f"no method named {name!r}; available: {', '.join(known)}")
    from .inference.factory import segmenter_from_card

    return segmenter_from_card(card, **options)


def open_session(name: str = "flood", **options: Any) -> Session:
    """A Session with the method `name` (see `everyclick models` for the names)."""
    return Session(make_segmenter(name, **options))
