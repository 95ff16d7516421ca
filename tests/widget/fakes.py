"""Fake segmenters for the widget tests: deterministic, optionally slow or failing."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

import numpy as np

from napari_everyclick.core.clicks import Click
from napari_everyclick.core.disks import apply_clicks_to_mask
from napari_everyclick.core.segmenter import Prediction, PreparedSlice
from napari_everyclick.core.session import prepare_slice
from napari_everyclick.core.windowing import Window


class DiskLike:
    """The `disk` method's rule (previous mask + newest click's disk), with a call log.

    delay_s: sleep per prediction (a slow model). gate: if set, every prediction waits for it.
    fail_on: raise RuntimeError on this call number (1-based).
    """

    name = "fake"

    def __init__(
        self,
        delay_s: float = 0.0,
        gate: threading.Event | None = None,
        fail_on: int | None = None,
    ) -> None:
        self.delay_s = delay_s
        self.gate = gate
        self.fail_on = fail_on
        self.calls = 0
        self.threads: list[str] = []

    def prepare(self, slice_hu: np.ndarray, window: Window) -> PreparedSlice:
        return prepare_slice(slice_hu, window)

    def predict(
        self, image: PreparedSlice, clicks: Sequence[Click], previous: Prediction | None
    ) -> Prediction:
        self.calls += 1
        self.threads.append(threading.current_thread().name)
        if self.gate is not None:
            self.gate.wait(10.0)
        if self.delay_s:
            time.sleep(self.delay_s)
        if self.fail_on is not None and self.calls == self.fail_on:
            raise RuntimeError("the fake model crashed")
        base = previous.mask if previous is not None else np.zeros(image.shape, dtype=bool)
        return Prediction(mask=apply_clicks_to_mask(base, clicks[-1:]))


def sequential_mask(shape: tuple[int, int], clicks: Sequence[Click]) -> np.ndarray:
    """What DiskLike gives after `clicks` applied one by one (the reference answer)."""
    return apply_clicks_to_mask(np.zeros(shape, dtype=bool), clicks)
