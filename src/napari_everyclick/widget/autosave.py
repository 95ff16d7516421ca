"""Optional autosave: the target labels as .nii.gz beside the source CT after each change.

The write goes through the plugin's npe2 writer (`io.layers.write_labels`, the same code as
File > Save Selected Layers), which writes a temporary file and moves it into place with
os.replace, so a crash mid-write never leaves a truncated file. The labels are snapshotted on the
GUI thread (one copy per accept, not per click) and compressed in a thread worker; changes made
while a save runs are saved right after it, newest state last.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from napari.layers import Image, Labels
from napari.utils.notifications import show_warning

from ..io.layers import write_labels
from .background import Failure, catching, create_worker

SOURCE_SUFFIXES = (".nii.gz", ".nii", ".npz", ".dcm")
AUTOSAVE_SUFFIX = "_everyclick_labels.nii.gz"


def source_path(image: Image) -> Path | None:
    """The file or DICOM folder the image was read from, if napari or our reader recorded it."""
    recorded = image.metadata.get("source_path") or image.source.path
    return Path(recorded) if recorded else None


def autosave_path(image: Image) -> Path | None:
    """`<source name>_everyclick_labels.nii.gz` beside the source file (or DICOM folder)."""
    source = source_path(image)
    if source is None:
        return None
    name = source.name
    for suffix in SOURCE_SUFFIXES:
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
            break
    return source.parent / f"{name}{AUTOSAVE_SUFFIX}"


class Autosaver:
    """Saves a Labels layer in the background, one write at a time, the newest state last."""

    def __init__(self) -> None:
        self._worker = None
        self._queued: tuple[Path, np.ndarray, dict] | None = None
        self.last_saved: Path | None = None

    @property
    def busy(self) -> bool:
        return self._worker is not None

    def save(self, labels: Labels, path: Path) -> None:
        """Snapshot `labels` now and write it to `path` (after any write in progress)."""
        meta = {
            "scale": tuple(labels.scale),
            "translate": tuple(labels.translate),
            "metadata": dict(labels.metadata),
        }
        self._queued = (path, np.array(labels.data, copy=True), meta)
        if self._worker is None:
            self._start_next()

    def _start_next(self) -> None:
        if self._queued is None:
            return
        path, data, meta = self._queued
        self._queued = None
        worker = create_worker(catching(write_labels), str(path), data, meta, _start_thread=False)
        worker.returned.connect(self._saved)
        worker.finished.connect(self._finished)
        self._worker = worker
        worker.start()

    def _saved(self, result: list[str] | Failure) -> None:
        if isinstance(result, Failure):
            show_warning(f"EveryClick autosave failed: {result.error}")
        else:
            self.last_saved = Path(result[0])

    def _finished(self) -> None:
        self._worker = None
        self._start_next()
