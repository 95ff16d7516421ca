"""Edits made by hand, with napari's own Labels tools (brush, eraser, fill, polygon), noticed on
the layers the widget writes to, so they are measured and saved as accepts are.

napari emits a Labels layer's `paint` event once per finished stroke (for our own `data_setitem`
writes too: those come inside `ours()` and are left to the annotator, which handles them
already), and for a brush stroke before the pixels are written. So a hand edit is reported once
the user pauses, QUIET_MS after the last stroke: `on_settled(layer, slices)`, with the slices
along axis 0 of a 3D layer that the strokes touched (None: a 2D layer, or not known). A run of
strokes costs one measurement and one snapshot of the volume, not one each. napari's own Labels
undo emits no `paint` event (only `set_data`, which other changes emit too); it is saved with the
next edit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from weakref import WeakKeyDictionary, WeakSet

import numpy as np
from napari.layers import Labels
from qtpy.QtCore import QTimer

QUIET_MS = 1000
"""The pause after the last hand stroke before its layer is measured and saved."""


def painted_slices(layer: Labels, atoms) -> set[int] | None:
    """Slice numbers along axis 0 that a paint event's history atoms touched (a 3D layer), or
    None (a 2D layer, or an atom of a kind this napari version does not describe)."""
    if layer.ndim != 3:
        return None
    slices: set[int] = set()
    for atom in atoms:
        key = getattr(atom, "slice_key", None)  # a mask-based edit (paint, fill, polygon)
        if key is not None and isinstance(key[0], slice):
            slices.update(range(*key[0].indices(layer.data.shape[0])))
        elif isinstance(atom, tuple) and len(atom) == 3:  # data_setitem: (indices, before, after)
            slices.update(int(z) for z in np.unique(np.asarray(atom[0][0])))
        else:
            return None
    return slices


class HandEdits:
    """Watches Labels layers for strokes painted by hand."""

    def __init__(self, on_settled: Callable[[Labels, tuple[int, ...] | None], None]) -> None:
        self._on_settled = on_settled
        self._watched: WeakSet[Labels] = WeakSet()
        self._waiting: WeakKeyDictionary[Labels, set[int] | None] = WeakKeyDictionary()
        self._ours = 0
        self._timer = QTimer()
        self._timer.setSingleShot(True)
        self._timer.setInterval(QUIET_MS)
        self._timer.timeout.connect(self.flush)

    def watch(self, layer: Labels | None) -> None:
        """Notice hand edits on `layer` from now on (once per layer; None: nothing)."""
        if layer is None or layer in self._watched:
            return
        self._watched.add(layer)
        layer.events.paint.connect(self._painted)

    @contextmanager
    def ours(self) -> Iterator[None]:
        """The widget's own writes: not hand edits."""
        self._ours += 1
        try:
            yield
        finally:
            self._ours -= 1

    def flush(self) -> None:
        """Report every layer edited by hand since the last report, now."""
        self._timer.stop()
        waiting = list(self._waiting.items())
        self._waiting.clear()
        for layer, slices in waiting:
            self._on_settled(layer, None if slices is None else tuple(sorted(slices)))

    def close(self) -> None:
        """Report what waits, then stop watching."""
        self.flush()
        for layer in list(self._watched):
            layer.events.paint.disconnect(self._painted)
        self._watched.clear()

    def _painted(self, event) -> None:
        if self._ours:
            return
        layer = event.source
        slices = painted_slices(layer, event.value)
        if layer in self._waiting:
            before = self._waiting[layer]
            slices = None if before is None or slices is None else before | slices
        self._waiting[layer] = slices
        self._timer.start()
