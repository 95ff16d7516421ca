"""A segmentation session on one slice: click history, previous mask, undo and reset.

    s = open_session("flood")
    s.set_image(slice_hu, window=(40, 400))
    mask = s.click(Click(y=120.0, x=88.0, positive=True, radius=14.0))
    s.undo(); s.reset()
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from .clicks import Click
from .errors import EveryClickError
from .image import validate_mask, validate_slice
from .segmenter import Prediction, PreparedSlice, Segmenter
from .windowing import DEFAULT_WINDOW, Window, apply_window, as_window


def prepare_slice(slice_hu: np.ndarray, window: Window) -> PreparedSlice:
    """The common per-slice preparation: HU as float32 and the windowed image in [0, 1]."""
    return PreparedSlice(hu=slice_hu, window=window, windowed=apply_window(slice_hu, window))


class Session:
    """Holds one object being outlined on one slice with one method.

    Every click produces a new Prediction pushed on a stack, so `undo` restores the previous mask
    exactly, any number of levels deep, and `reset` returns to the initial mask (empty, or the
    one given to `set_image`, e.g. when propagating from a neighbouring slice).
    """

    def __init__(self, segmenter: Segmenter) -> None:
        self.segmenter = segmenter
        self._image: PreparedSlice | None = None
        self._initial: Prediction | None = None
        self._clicks: list[Click] = []
        self._history: list[Prediction] = []
        self.last_latency_ms: float | None = None

    @property
    def method(self) -> str:
        return self.segmenter.name

    @property
    def shape(self) -> tuple[int, int]:
        return self._require_image().shape

    @property
    def window(self) -> Window:
        return self._require_image().window

    @property
    def clicks(self) -> tuple[Click, ...]:
        return tuple(self._clicks)

    @property
    def prediction(self) -> Prediction | None:
        """The newest prediction (the initial mask's, if no click yet), or None."""
        return self._history[-1] if self._history else self._initial

    @property
    def mask(self) -> np.ndarray:
        """The current bool (H, W) mask; empty before any click."""
        current = self.prediction
        if current is None:
            return np.zeros(self.shape, dtype=bool)
        return current.mask.copy()

    def set_image(
        self,
        slice_hu: np.ndarray,
        window: Window | tuple[float, float] | str = DEFAULT_WINDOW,
        initial_mask: np.ndarray | None = None,
    ) -> None:
        """Start a new object on a 2D slice in HU, optionally from an initial bool mask."""
        hu = validate_slice(slice_hu)
        win = as_window(window)
        initial = None
        if initial_mask is not None:
            initial = Prediction.from_mask(validate_mask(initial_mask, hu.shape, "initial mask"))
        self._image = self.segmenter.prepare(hu, win)
        self._initial = initial
        self._clicks.clear()
        self._history.clear()

    def set_window(self, window: Window | tuple[float, float] | str) -> None:
        """Change the window used for later clicks; the current object and history stay."""
        image = self._require_image()
        self._image = self.segmenter.prepare(image.hu, as_window(window))

    def click(self, click: Click) -> np.ndarray:
        """Add a click and return the new bool (H, W) mask."""
        image = self._require_image()
        click.check_inside(image.shape)
        clicks = [*self._clicks, click]
        start = time.perf_counter()
        prediction = self.segmenter.predict(image, clicks, self.prediction)
        self.last_latency_ms = (time.perf_counter() - start) * 1000.0
        self._clicks = clicks
        self._history.append(prediction)
        return prediction.mask.copy()

    def undo(self) -> np.ndarray:
        """Drop the newest click; return the mask as it was before it (exactly)."""
        if self._clicks:
            self._clicks.pop()
            self._history.pop()
        return self.mask

    def reset(self) -> None:
        """Drop every click of the current object; back to the initial mask."""
        self._clicks.clear()
        self._history.clear()

    def replay(self, clicks: Sequence[Click]) -> np.ndarray:
        """Reset, then apply `clicks` in order; return the final mask."""
        self.reset()
        for click in clicks:
            self.click(click)
        return self.mask

    def _require_image(self) -> PreparedSlice:
        if self._image is None:
            raise EveryClickError("no image: call set_image(slice_hu, window) first")
        return self._image
