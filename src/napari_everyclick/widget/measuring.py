"""Keeping the measurement table of the target labels current, and the RECIST axes lines.

A full pass when the target changes (or on request), then only the slices an edit touched: an
accept, or strokes painted by hand (widget.hand_edits; `core.measurements.MeasurementTable`).
The rows go to the table view and, when asked, the long and short axes are drawn in the
"everyclick: RECIST axes" layer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
from napari.layers import Image, Labels, Shapes

from ..core.measurements import LesionMeasurement, MeasurementTable
from .layers import AXES_LAYER, draw_axes, ensure_axes_layer, find_layer


class LabelMeasurements:
    """Measurements of one Labels layer (2D or 3D) for one viewer.

    on_rows(rows): called with the LesionMeasurement rows after every change.
    """

    def __init__(self, viewer, on_rows: Callable[[list[LesionMeasurement]], None]) -> None:
        self.viewer = viewer
        self._on_rows = on_rows
        self.image: Image | None = None
        self.target: Labels | None = None
        self.table: MeasurementTable | None = None
        self.draw_axes = False

    @property
    def rows(self) -> list[LesionMeasurement]:
        return self.table.lesions() if self.table is not None else []

    def reset(self, image: Image | None, target: Labels | None) -> None:
        """Measure `target` from scratch (spacing from its scale, in mm); None clears."""
        self.image, self.target, self.table = image, target, None
        if target is not None and image is not None and target.ndim in (2, 3):
            self.table = MeasurementTable(target.scale)
            self.table.update(np.asarray(target.data))
        self._publish()

    def update(self, slices: Iterable[int] | None) -> None:
        """Re-measure the slices an edit touched (all when None, and for a 2D layer)."""
        if self.table is None or self.target is None:
            return
        self.table.update(np.asarray(self.target.data), None if slices is None else tuple(slices))
        self._publish()

    def set_draw_axes(self, on: bool) -> None:
        """Draw (or remove) the RECIST axes lines."""
        self.draw_axes = on
        if on:
            self._publish()
            return
        layer = find_layer(self.viewer, AXES_LAYER, Shapes)
        if layer is not None:
            self.viewer.layers.remove(layer)

    def _publish(self) -> None:
        rows = self.rows
        self._on_rows(rows)
        if self.draw_axes and self.image is not None:
            draw_axes(ensure_axes_layer(self.viewer, self.image), rows)
