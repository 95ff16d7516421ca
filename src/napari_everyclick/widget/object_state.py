"""The object being outlined on one slice: clicks, predictions, undo, and off-thread jobs.

Qt-free and napari-free, so it is unit-tested on its own. The GUI thread owns an ObjectEditor;
a prediction runs elsewhere as a PredictionJob (an immutable snapshot: clicks, the prediction
they start from) through `run_job`, and its result comes back through `finish`.

Why this shape: the segmenter interface is functional, `predict(image, clicks, previous)`, where
`previous` is the prediction after all clicks but the last. So the editor keeps `history[i]` =
the prediction after `clicks[: i + 1]`, exactly as `Session` does, and a job computes the
predictions for the clicks not yet predicted, one after the other. Clicks that arrive while a job
runs are queued (only one job runs at a time) and go into the next job together (coalesced: the
intermediate masks are never shown). A result is applied only for the clicks that still match
the current state, so results made stale by an undo, a reset or a method change are dropped.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable
from dataclasses import dataclass, field

import numpy as np

from ..core.clicks import Click
from ..core.segmenter import Prediction, PreparedSlice, Segmenter


@dataclass(frozen=True)
class PredictionJob:
    """Predict `clicks[start:]` one by one, starting from `base` (the prediction after
    `clicks[:start]`, or the object's initial prediction, or None).

    key: which slice's editor the job belongs to. epoch: the editor's epoch at dispatch.
    cancel: set by the GUI thread when the job became stale; `run_job` stops early.
    """

    key: Hashable
    epoch: int
    clicks: tuple[Click, ...]
    start: int
    base: Prediction | None
    cancel: threading.Event = field(default_factory=threading.Event, compare=False)


def run_job(job: PredictionJob, segmenter: Segmenter, image: PreparedSlice) -> list[Prediction]:
    """Run a job (in a worker thread): the predictions after clicks start+1 .. len(clicks).

    Stops early when `job.cancel` is set; the predictions made so far are returned.
    """
    predictions: list[Prediction] = []
    previous = job.base
    for n in range(job.start + 1, len(job.clicks) + 1):
        if job.cancel.is_set():
            break
        previous = segmenter.predict(image, job.clicks[:n], previous)
        predictions.append(previous)
    return predictions


class ObjectEditor:
    """Clicks, predictions and undo of one object on one slice (GUI thread only).

    initial: the object's starting prediction (e.g. an accepted label being corrected), kept
    by reset. All masks are bool (H, W) in slice pixels.
    """

    def __init__(self, key: Hashable, initial: Prediction | None = None) -> None:
        self.key = key
        self.initial = initial
        self.clicks: list[Click] = []
        self.history: list[Prediction] = []
        self.epoch = 0
        self.running: PredictionJob | None = None

    @property
    def prediction(self) -> Prediction | None:
        """The newest prediction shown to the user (the initial one before any click)."""
        return self.history[-1] if self.history else self.initial

    @property
    def mask(self) -> np.ndarray | None:
        """The newest bool (H, W) mask, or None when there is nothing yet."""
        current = self.prediction
        return None if current is None else np.asarray(current.mask, dtype=bool)

    @property
    def pending(self) -> int:
        """How many clicks still wait for their prediction."""
        return len(self.clicks) - len(self.history)

    @property
    def is_empty(self) -> bool:
        """True when the object has no clicks and no initial mask."""
        return not self.clicks and self.initial is None

    def add(self, click: Click) -> None:
        """Queue a click; the next job predicts it."""
        self.clicks.append(click)

    def undo(self) -> bool:
        """Drop the newest click; the shown mask goes back to the one before it, exactly.

        Returns False when there was no click to undo.
        """
        if not self.clicks:
            return False
        self.clicks.pop()
        if len(self.history) > len(self.clicks):
            self.history.pop()
        self._cancel_if_stale()
        return True

    def reset(self) -> None:
        """Drop every click; back to the initial mask (or nothing)."""
        self.clicks.clear()
        self.history.clear()
        self.epoch += 1
        self._cancel_if_stale()

    def restart(self) -> None:
        """Keep the clicks but drop their predictions (e.g. the method changed): the next job
        predicts every click again with the new method."""
        self.history.clear()
        self.epoch += 1
        self._cancel_if_stale()

    def next_job(self) -> PredictionJob | None:
        """A job for the clicks without a prediction, or None (nothing to do or one running).

        The caller runs it off the GUI thread and hands the result to `finish`.
        """
        if self.running is not None or self.pending <= 0:
            return None
        self.running = PredictionJob(
            key=self.key,
            epoch=self.epoch,
            clicks=tuple(self.clicks),
            start=len(self.history),
            base=self.prediction,
        )
        return self.running

    def finish(self, job: PredictionJob, predictions: list[Prediction]) -> bool:
        """Apply a job's predictions for the clicks that still match; return True if the shown
        mask changed. Predictions made stale by undo / reset / restart are dropped."""
        if job is self.running:
            self.running = None
        if job.epoch != self.epoch or len(self.history) != job.start:
            return False
        applied = 0
        for offset, prediction in enumerate(predictions):
            n = job.start + offset + 1
            if n > len(self.clicks) or tuple(self.clicks[:n]) != job.clicks[:n]:
                break
            self.history.append(prediction)
            applied += 1
        return applied > 0

    def fail(self, job: PredictionJob) -> list[Click]:
        """A job raised: drop the clicks it could not predict (so the state stays consistent)
        and return them."""
        if job is self.running:
            self.running = None
        if job.epoch != self.epoch:
            return []
        dropped = self.clicks[len(self.history) :]
        del self.clicks[len(self.history) :]
        return dropped

    def _cancel_if_stale(self) -> None:
        """Tell the running job to stop when none of its remaining work can be used."""
        job = self.running
        if job is None:
            return
        useless = (
            job.epoch != self.epoch
            or len(self.history) != job.start
            or len(self.clicks) <= job.start
            or self.clicks[job.start] != job.clicks[job.start]
        )
        if useless:
            job.cancel.set()
