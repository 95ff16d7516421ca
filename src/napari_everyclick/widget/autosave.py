"""Optional autosave: the target labels as .nii.gz beside the source CT after each change.

The write goes through the plugin's npe2 writer (`io.layers.write_labels`, the same code as
File > Save Selected Layers), which writes a temporary file and moves it into place with
os.replace, so a crash mid-write never leaves a truncated file. The labels are snapshotted on the
GUI thread (one copy per accept, not per click) and compressed in a thread worker; changes made
while a save runs are saved right after it, newest state last.

A file already there that the layer did not come from (an earlier session's labels, when the CT
was opened some other way) is never overwritten: before the first save it is kept as
`<name>_everyclick_labels.<date-time>.nii.gz`, and the user is told.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import numpy as np
from napari.layers import Image, Labels
from napari.utils.notifications import show_info, show_warning

from ..io.layers import SAVED_LABELS_SUFFIX, saved_labels_path, write_labels
from .background import Failure, catching, create_worker


def source_path(image: Image) -> Path | None:
    """The file or DICOM folder the image was read from, if napari or our reader recorded it."""
    recorded = image.metadata.get("source_path") or image.source.path
    return Path(recorded) if recorded else None


def autosave_path(image: Image) -> Path | None:
    """`<source name>_everyclick_labels.nii.gz` beside the source file (or DICOM folder)."""
    source = source_path(image)
    return None if source is None else saved_labels_path(source)


def backup_path(path: Path, when: float) -> Path:
    """`<name>_everyclick_labels.<YYYYmmdd-HHMMSS>.nii.gz` beside `path`, for time `when`."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(when))
    dated = SAVED_LABELS_SUFFIX.replace(".nii.gz", f".{stamp}.nii.gz")
    return path.with_name(path.name.replace(SAVED_LABELS_SUFFIX, dated))


def _keep_then_write(path: str, data: np.ndarray, meta: dict, keep_as: Path | None) -> list[str]:
    """Copy the file at `path` to `keep_as` first (when given), then write the labels."""
    if keep_as is not None:
        shutil.copy2(path, keep_as)
    return write_labels(path, data, meta)


class Autosaver:
    """Saves a Labels layer in the background, one write at a time, the newest state last."""

    def __init__(self) -> None:
        self._worker = None
        # path -> (labels, writer meta, where to keep the file found there first), oldest first
        self._queued: dict[Path, tuple[np.ndarray, dict, Path | None]] = {}
        self._checked: set[Path] = set()  # files this autosaver may overwrite
        self.last_saved: Path | None = None

    @property
    def busy(self) -> bool:
        return self._worker is not None

    def save(self, labels: Labels, path: Path) -> None:
        """Snapshot `labels` now and write it to `path` (after any write in progress; a newer
        snapshot for the same path replaces one still waiting, other paths keep theirs)."""
        meta = {
            "scale": tuple(labels.scale),
            "translate": tuple(labels.translate),
            "metadata": dict(labels.metadata),
        }
        keep_as = None
        if path not in self._checked:
            self._checked.add(path)
            came_from = labels.metadata.get("labels_file")
            if path.exists() and (came_from is None or Path(came_from) != path):
                keep_as = backup_path(path, time.time())
                show_info(
                    f"EveryClick autosave: {path.name} held other labels; kept them as "
                    f"{keep_as.name}"
                )
        queued = self._queued.pop(path, None)
        if queued is not None and queued[2] is not None:
            keep_as = queued[2]  # that save's copy has not been made yet
        self._queued[path] = (np.array(labels.data, copy=True), meta, keep_as)
        if self._worker is None:
            self._start_next()

    def _start_next(self) -> None:
        if not self._queued:
            return
        path = next(iter(self._queued))
        data, meta, keep_as = self._queued.pop(path)
        worker = create_worker(
            catching(_keep_then_write), str(path), data, meta, keep_as, _start_thread=False
        )
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
