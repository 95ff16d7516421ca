"""Edits made by hand, with napari's own Labels tools (brush, eraser, fill, polygon), noticed on
the layers the widget writes to, so they are measured and saved as accepts are.

napari emits a Labels layer's `paint` event once per finished stroke (for our own `data_setitem`
writes too: those come inside `ours()` and are left to the annotator, which handles them
already), and for a brush stroke before the pixels are written. So a hand edit is reported once
the user pauses, QUIET_MS after the last stroke: `on_settled(layer, slices)`, with the slices
along axis 0 of a 3D layer that the strokes touched (None: a 2D layer, or not known). A run of
strokes costs one measurement and one snapshot of the volume, not one each.

napari's own undo and redo of a Labels layer (Ctrl+Z, Ctrl+Shift+Z) emit no `paint` event, only
`set_data`, which every refresh and every change of slice emits too. They are told apart by the
layer's history: an undo moves one item from its undo to its redo history, a redo moves it back,
and that item's atoms name the slices. (The history is napari's private state, read on the layer
itself: a napari without it leaves undo and redo to be saved with the next edit.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any
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


def _histories(layer: Labels) -> tuple[Sequence[Any], Sequence[Any]] | None:
    """`layer`'s undo and redo histories (None: a napari without them). napari has no public
    undo event; the widget reads it on the layer itself (widget.layers.unproxied): napari's
    proxy warns that private state is closing to plugins."""
    undo = getattr(layer, "_undo_history", None)
    redo = getattr(layer, "_redo_history", None)
    return None if undo is None or redo is None else (undo, redo)


def history_lengths(layer: Labels) -> tuple[int, int] | None:
    """Lengths of `layer`'s undo and redo histories (None: a napari without them)."""
    histories = _histories(layer)
    return None if histories is None else (len(histories[0]), len(histories[1]))


def replayed_atoms(
    layer: Labels, before: tuple[int, int], after: tuple[int, int]
) -> list[Any] | None:
    """The history atoms an undo or redo replayed between history lengths `before` and `after`
    (None: the histories did not change as an undo or a redo changes them)."""
    (undo, redo), (undo_now, redo_now) = before, after
    histories = _histories(layer)
    if histories is None:
        return None
    if undo_now == undo - 1 and redo_now == redo + 1:
        return list(histories[1][-1])
    if undo_now == undo + 1 and redo_now == redo - 1:
        return list(histories[0][-1])
    return None


class HandEdits:
    """Watches Labels layers for strokes painted by hand."""

    def __init__(self, on_settled: Callable[[Labels, tuple[int, ...] | None], None]) -> None:
        self._on_settled = on_settled
        self._watched: WeakSet[Labels] = WeakSet()
        self._waiting: WeakKeyDictionary[Labels, set[int] | None] = WeakKeyDictionary()
        self._history: WeakKeyDictionary[Labels, tuple[int, int] | None] = WeakKeyDictionary()
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
        self._history[layer] = history_lengths(layer)
        layer.events.paint.connect(self._painted)
        layer.events.set_data.connect(self._data_set)

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
        # at the interpreter's exit (the app quit, the viewer never closed) Qt may delete the
        # timer before the dock's teardown closes us; what waits is reported all the same
        with suppress(RuntimeError):
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
            layer.events.set_data.disconnect(self._data_set)
        self._watched.clear()

    def _painted(self, event) -> None:
        layer = event.source
        self._history[layer] = history_lengths(layer)
        if not self._ours:
            self._note(layer, painted_slices(layer, event.value))

    def _data_set(self, event) -> None:
        """A refresh, or napari's undo or redo: told apart by the layer's history."""
        layer = event.source
        before, after = self._history.get(layer), history_lengths(layer)
        self._history[layer] = after
        if self._ours or before is None or after is None:
            return
        atoms = replayed_atoms(layer, before, after)
        if atoms is not None:
            self._note(layer, painted_slices(layer, atoms))

    def _note(self, layer: Labels, slices: set[int] | None) -> None:
        """Add `slices` of `layer` (None: all) to what the next report holds."""
        if layer in self._waiting:
            before = self._waiting[layer]
            slices = None if before is None or slices is None else before | slices
        self._waiting[layer] = slices
        self._timer.start()
