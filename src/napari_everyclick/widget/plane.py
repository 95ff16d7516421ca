"""The displayed 2D plane of an N-D image layer, in the layer's data (voxel) coordinates.

napari works in world coordinates (mm here: layer.scale is the voxel spacing) over the viewer's
dims; the segmenters work on a 2D slice in pixels (y, x). A Plane is the bridge: the two data
axes on screen (rows = the lower axis index, columns = the higher one, so `data[plane.index]`
is the slice as a numpy view, never a copy) and the voxel index of every other axis.

For a (Z, Y, X) CT shown axially, rows = Y, columns = X and the fixed axis is Z = the slice
number. Qt-free and napari-free.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Plane:
    """One 2D slice of an N-D layer.

    ndim: the layer's number of dimensions. axes: (row axis, column axis) of the data.
    fixed: ((axis, voxel index), ...) for every other axis, in axis order.
    """

    ndim: int
    axes: tuple[int, int]
    fixed: tuple[tuple[int, int], ...]

    @classmethod
    def from_point(
        cls, shape: Sequence[int], displayed: Sequence[int], data_point: Sequence[float]
    ) -> Plane:
        """The plane through `data_point` (data coordinates, one per axis) showing the two
        `displayed` data axes. Fixed indices are rounded and clipped into `shape`."""
        ndim = len(shape)
        axes = tuple(sorted(int(a) for a in displayed))
        if len(axes) != 2 or not all(0 <= a < ndim for a in axes):
            raise ValueError(f"need two displayed axes of a {ndim}-D layer, got {displayed}")
        fixed = tuple(
            (a, int(np.clip(np.rint(data_point[a]), 0, shape[a] - 1)))
            for a in range(ndim)
            if a not in axes
        )
        return cls(ndim, axes, fixed)  # type: ignore[arg-type]

    @property
    def key(self) -> tuple[tuple[int, int], ...]:
        """Hashable identity of the slice (its fixed indices)."""
        return self.fixed

    @property
    def z(self) -> int | None:
        """The slice number along axis 0 when axis 0 is fixed (an axial slice), else None."""
        return dict(self.fixed).get(0)

    @property
    def index(self) -> tuple[int | slice, ...]:
        """Index taking this slice out of the N-D data: `data[plane.index]` is (rows, cols)."""
        fixed = dict(self.fixed)
        return tuple(fixed.get(a, slice(None)) for a in range(self.ndim))

    def shape(self, data_shape: Sequence[int]) -> tuple[int, int]:
        """(H, W) of the slice in pixels."""
        return int(data_shape[self.axes[0]]), int(data_shape[self.axes[1]])

    def nd_indices(self, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, ...]:
        """N-D integer index arrays of slice pixels (rows, cols), for fancy indexing."""
        fixed = dict(self.fixed)
        out = []
        for a in range(self.ndim):
            if a == self.axes[0]:
                out.append(np.asarray(rows, dtype=np.intp))
            elif a == self.axes[1]:
                out.append(np.asarray(cols, dtype=np.intp))
            else:
                out.append(np.full(len(rows), fixed[a], dtype=np.intp))
        return tuple(out)

    def to_plane(self, data_point: Sequence[float]) -> tuple[float, float]:
        """(y, x) slice pixels of a data-coordinate point."""
        return float(data_point[self.axes[0]]), float(data_point[self.axes[1]])

    def to_data(self, y: float, x: float) -> tuple[float, ...]:
        """Data coordinates (one per axis) of slice pixel (y, x) on this plane."""
        fixed = dict(self.fixed)
        out = []
        for a in range(self.ndim):
            if a == self.axes[0]:
                out.append(float(y))
            elif a == self.axes[1]:
                out.append(float(x))
            else:
                out.append(float(fixed[a]))
        return tuple(out)

    def at(self, axis: int, index: int) -> Plane:
        """The parallel plane at voxel `index` along the fixed `axis` (no bounds check)."""
        fixed = tuple((a, index if a == axis else i) for a, i in self.fixed)
        return Plane(self.ndim, self.axes, fixed)

    def slab_shape(self, data_shape: Sequence[int]) -> tuple[int, ...]:
        """Shape of a one-voxel-thick N-D array holding just this slice (1 on fixed axes)."""
        return tuple(1 if a not in self.axes else int(data_shape[a]) for a in range(self.ndim))

    def slab_offset(self) -> tuple[int, ...]:
        """Voxel offset of that one-slice array inside the full data (fixed indices, else 0)."""
        fixed = dict(self.fixed)
        return tuple(fixed.get(a, 0) for a in range(self.ndim))
