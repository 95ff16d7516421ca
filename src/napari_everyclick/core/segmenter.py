"""The one interface every method implements, classical or learned.

A segmenter is stateless between calls: `prepare` turns a slice in HU plus a window into whatever
the method caches per slice, and `predict` maps (prepared slice, all clicks so far, previous
prediction) to a new prediction. The session, the evaluation CLI, training validation and the
widget all call exactly this, so what we measure is what users get. Undo is popping a stack.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np

from .clicks import Click
from .windowing import Window


@dataclass(frozen=True)
class Prediction:
    """A method's answer after some clicks.

    mask: bool (H, W) in slice pixels. probability: float32 (H, W) in [0, 1] for learned methods
    (fed back as the previous mask), None for classical ones. state: method-specific memory
    carried to the next click (e.g. the zoom-in box). timings_ms: per-stage latency of the call.
    """

    mask: np.ndarray
    probability: np.ndarray | None = None
    state: Mapping[str, Any] = field(default_factory=dict)
    timings_ms: Mapping[str, float] = field(default_factory=dict)

    @classmethod
    def from_mask(cls, mask: np.ndarray) -> Prediction:
        """A prediction that is just a given mask (an initial or propagated object)."""
        m = np.asarray(mask, dtype=bool)
        return cls(mask=m, probability=m.astype(np.float32))


@dataclass(frozen=True)
class PreparedSlice:
    """What every method gets per slice: HU (float32 H, W), the window and the windowed image
    (float32 in [0, 1]); methods may attach their own cached arrays in `extra`."""

    hu: np.ndarray
    window: Window
    windowed: np.ndarray
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def shape(self) -> tuple[int, int]:
        return self.hu.shape  # type: ignore[return-value]


@runtime_checkable
class Segmenter(Protocol):
    """A segmentation method: classical (flood, snake, disk) or learned (RITM, FocalClick)."""

    name: str

    def prepare(self, slice_hu: np.ndarray, window: Window) -> PreparedSlice:
        """Per-slice work done once (windowing, feature caches). slice_hu is validated HU."""
        ...

    def predict(
        self, image: PreparedSlice, clicks: Sequence[Click], previous: Prediction | None
    ) -> Prediction:
        """The mask after `clicks` (all clicks so far, the newest last)."""
        ...
