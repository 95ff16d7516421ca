"""Writing an accepted object into a label volume without touching anyone else's pixels.

Qt-free: these functions plan and undo edits on numpy arrays; the dock applies them to the
napari Labels layer with its public `data_setitem` (so napari's own Labels undo sees them too).

Policy (the micro-sam lesson): an accept writes only background pixels (0) unless the user
chose "overwrite"; pixels of any other label are never changed. When an existing label is being
corrected on a slice, its pixels on that slice outside the new mask go back to background.
Undoing an edit restores the old values only where the volume still holds what the edit wrote,
so later manual painting survives an undo.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.errors import EveryClickError
from .plane import Plane


@dataclass(frozen=True)
class LabelEdit:
    """The pixels one accept changed: N-D indices, their values before and after."""

    indices: tuple[np.ndarray, ...]
    before: np.ndarray
    after: np.ndarray
    label: int
    planes: tuple[Plane, ...]

    @property
    def size(self) -> int:
        return int(self.before.size)

    @property
    def slices(self) -> tuple[int, ...]:
        """Slice numbers along axis 0 that the edit touched (for measurement updates)."""
        return tuple(sorted({p.z for p in self.planes if p.z is not None}))


def next_free_label(labels: np.ndarray) -> int:
    """The smallest id above every id in use (1 for an empty volume).

    Raises EveryClickError when the layer's dtype cannot hold it (e.g. 256 in uint8).
    """
    label = int(np.max(labels)) + 1 if labels.size else 1
    label = max(label, 1)
    if np.issubdtype(labels.dtype, np.integer) and label > np.iinfo(labels.dtype).max:
        raise EveryClickError(
            f"the labels layer ({labels.dtype}) has no free id above {label - 1}; convert it to "
            "a wider integer type (e.g. uint16) to add more objects"
        )
    return label


def plan_paste(
    labels: np.ndarray,
    plane: Plane,
    mask: np.ndarray,
    label: int,
    overwrite: bool = False,
    replace: bool = False,
) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
    """N-D indices and new values that write bool (H, W) `mask` as `label` on `plane`.

    overwrite: also write over other labels' pixels (off by default: background only).
    replace: the label's pixels on this slice outside `mask` become background (correcting an
    accepted object). Only pixels whose value changes are returned. `labels[plane.index]`
    is read as a view.
    """
    current = np.asarray(labels[plane.index])
    mask = np.asarray(mask, dtype=bool)
    if mask.shape != current.shape:
        raise EveryClickError(f"mask {mask.shape} does not fit the slice {current.shape}")
    writable = current == 0 if not overwrite else np.ones_like(mask)
    grow = mask & writable & (current != label)
    shrink = (current == label) & ~mask if replace else np.zeros_like(mask)
    rows, cols = np.nonzero(grow | shrink)
    values = np.where(grow[rows, cols], label, 0).astype(labels.dtype)
    return plane.nd_indices(rows, cols), values


def make_edit(
    labels: np.ndarray,
    planned: list[tuple[Plane, tuple[np.ndarray, ...], np.ndarray]],
    label: int,
) -> LabelEdit:
    """Bundle planned writes (plane, indices, values) on one or more slices into one LabelEdit,
    recording the values before (read from `labels`, which must not be changed yet)."""
    ndim = labels.ndim
    if planned:
        indices = tuple(np.concatenate([p[1][a] for p in planned]) for a in range(ndim))
        after = np.concatenate([p[2] for p in planned]).astype(labels.dtype)
    else:
        indices = tuple(np.zeros(0, dtype=np.intp) for _ in range(ndim))
        after = np.zeros(0, dtype=labels.dtype)
    before = np.array(labels[indices], copy=True)
    return LabelEdit(indices, before, after, label, tuple(p[0] for p in planned))


def erase_edit(labels: np.ndarray, indices: tuple[np.ndarray, ...], label: int) -> LabelEdit:
    """The edit that sets the pixels at N-D `indices` (all of `label`'s) to background. A
    (Z, Y, X) volume's edit names the axial planes it touches, so that only their measurements
    are redone (a 2D image is always measured whole)."""
    planes: tuple[Plane, ...] = ()
    if labels.ndim == 3:
        planes = tuple(Plane(3, (1, 2), ((0, int(z)),)) for z in np.unique(indices[0]))
    before = np.array(labels[indices], copy=True)
    return LabelEdit(indices, before, np.zeros_like(before), label, planes)


def plan_undo(labels: np.ndarray, edit: LabelEdit) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
    """Indices and values that undo `edit`, skipping pixels changed since by someone else."""
    still = np.asarray(labels[edit.indices]) == edit.after
    return tuple(i[still] for i in edit.indices), edit.before[still]


def merge_edits(edits: list[LabelEdit], label: int) -> LabelEdit:
    """One LabelEdit for several applied edits on different slices (a propagation run), so
    one undo reverts them all."""
    if not edits:
        raise ValueError("nothing to merge")
    ndim = len(edits[0].indices)
    return LabelEdit(
        tuple(np.concatenate([e.indices[a] for e in edits]) for a in range(ndim)),
        np.concatenate([e.before for e in edits]),
        np.concatenate([e.after for e in edits]),
        label,
        tuple(p for e in edits for p in e.planes),
    )


def paste_into(
    layer,
    plane: Plane,
    mask: np.ndarray,
    label: int,
    overwrite: bool = False,
    replace: bool = False,
) -> LabelEdit:
    """Write `mask` as `label` into a Labels layer by the accept policy (see `plan_paste`) and
    return the edit. The layer is written with its public `data_setitem`, so napari's own
    Labels undo sees the change too."""
    indices, values = plan_paste(layer.data, plane, mask, label, overwrite, replace)
    edit = make_edit(layer.data, [(plane, indices, values)], label)
    if edit.size:
        layer.data_setitem(edit.indices, edit.after)
    return edit


def undo_into(layer, edit: LabelEdit) -> None:
    """Revert `edit` on a Labels layer, sparing pixels changed since (see `plan_undo`)."""
    indices, values = plan_undo(layer.data, edit)
    if values.size:
        layer.data_setitem(indices, values)
