"""One propagation run from the widget: the request, the worker's generator, the bookkeeping.

The worker side (`steps`) reads the volume one slice at a time and yields `PropagationStep`s;
the GUI side writes each accepted slice as it arrives (`write_step`), so the labels fill in
live, and at the end the run's writes become one LabelEdit, undone in one go. Qt-free; the
target is any Labels-like layer (`data`, `data_setitem`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..core.propagation import PropagationStep, propagate, propagate_through
from ..core.windowing import Window
from .label_writes import LabelEdit, merge_edits, paste_into
from .plane import Plane
from .segmenters import MethodChoice, SegmenterPool

BOTH_WAYS = 0


@dataclass
class PropagationRun:
    """Propagate `label` from its pixels `start_mask` on `plane` along the fixed `axis`.

    direction: +1 (next slice), -1 (previous) or BOTH_WAYS (through the lesion). stops: per
    direction that ended, ("up" or "down", the stop rule); stopped_by_user: the user stopped it.
    """

    target: Any
    plane: Plane
    axis: int
    direction: int
    label: int
    start_mask: np.ndarray
    edits: list[LabelEdit] = field(default_factory=list)
    stops: list[tuple[str, str]] = field(default_factory=list)
    stopped_by_user: bool = False

    def steps(
        self,
        read_slice: Callable[[Plane], np.ndarray],
        n_slices: int,
        pool: SegmenterPool,
        choice: MethodChoice,
        window: Window,
    ) -> Iterator[PropagationStep]:
        """The worker's generator. Learned models get the neighbour's mask as their previous
        prediction; classical methods (which add a click to `previous`) start empty."""
        segmenter = pool.segmenter(choice)
        z0 = dict(self.plane.fixed)[self.axis]

        def get_slice(z: int) -> np.ndarray:
            return read_slice(self.plane.at(self.axis, z))

        start = (segmenter, get_slice, n_slices, z0, self.start_mask, window)
        use_previous = pool.is_learned(choice.name)
        if self.direction == BOTH_WAYS:
            yield from propagate_through(*start, use_previous)
        else:
            yield from propagate(*start, self.direction, use_previous)

    def write_step(self, step: PropagationStep, overwrite: bool) -> LabelEdit | None:
        """Write an accepted slice (replacing the label's old pixels there), or note a stop."""
        if step.mask is None:
            self.stops.append(("up" if step.direction > 0 else "down", step.stop))
            return None
        plane = self.plane.at(self.axis, step.z)
        edit = paste_into(self.target, plane, step.mask, self.label, overwrite, replace=True)
        self.edits.append(edit)
        return edit

    def merged(self) -> LabelEdit | None:
        """All the run's writes as one edit (None when nothing was written)."""
        written = [e for e in self.edits if e.size]
        return merge_edits(written, self.label) if written else None

    def summary(self) -> str:
        """E.g. 'label 1 propagated to slices 9-17; stopped (up: changed, down: shrank)'. A run
        that reached the volume's edge found no end of the lesion on that side (on CT where a
        lesion is as dense as its surroundings it often runs past it: docs/evaluation.md), so
        the summary asks for a look at the end slices."""
        slices = sorted({z for e in self.edits if e.size for z in e.slices})
        span = f"slices {slices[0]}-{slices[-1]}" if slices else "no slice"
        reasons = [f"{side}: {rule}" for side, rule in self.stops]
        reasons += ["by you"] if self.stopped_by_user else []
        text = f"label {self.label} propagated to {span}; stopped ({', '.join(reasons)})"
        if any(rule == "edge" for _, rule in self.stops):
            text += "; it found no lesion end before the volume's edge: check the end slices"
        return text
