"""Saving in the background: the target labels as .nii.gz after each change, always to the CT's
recovery copy (io.recovery) and, with *Autosave*, beside the source CT.

The write goes through the plugin's npe2 writer (`io.layers.write_labels`, the same code as
File > Save Selected Layers), which writes a temporary file and moves it into place with
os.replace, so a crash mid-write never leaves a truncated file. The labels are snapshotted on the
GUI thread (one copy per accept, not per click) and compressed in a thread worker; changes made
while a save runs are saved right after it, newest state last. Closing the widget, the viewer or
the app finishes them first (`Autosaver.finish`): napari starts a worker from the event loop,
which a quitting app stops, so a save whose worker has not begun is written on the GUI thread.

A file beside the CT that the layer did not come from (an earlier session's labels, when the CT
was opened some other way) is never overwritten: before the first save it is kept as
`<name>_everyclick_labels.<date-time>.nii.gz`, and the user is told. The recovery copy is not
kept aside: the reader brings it back whenever it holds what the file beside the CT does not.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from napari.layers import Image, Labels
from napari.utils.notifications import show_info, show_warning

from ..io.layers import SAVED_LABELS_SUFFIX, write_labels
from ..io.recovery import recovery_dir
from .background import Failure, RunOnce, catching, create_worker

FINISH_TIMEOUT_S = 60.0
"""How long closing the widget waits for a save under way (a large volume compresses in seconds)."""

log = logging.getLogger(__name__)


def source_path(image: Image) -> Path | None:
    """The file or DICOM folder the image was read from, if napari or our reader recorded it."""
    recorded = image.metadata.get("source_path") or image.source.path
    return Path(recorded) if recorded else None


def backup_path(path: Path, when: float) -> Path:
    """`<name>_everyclick_labels.<YYYYmmdd-HHMMSS>.nii.gz` beside `path`, for time `when`."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(when))
    dated = SAVED_LABELS_SUFFIX.replace(".nii.gz", f".{stamp}.nii.gz")
    return path.with_name(path.name.replace(SAVED_LABELS_SUFFIX, dated))


class LabelsWrite(RunOnce):
    """One write of a labels snapshot to `path` (first copying the file there to `keep_as`, when
    given), done once: by a worker, or at close by the GUI thread if no worker has begun it.
    Called, it returns the paths written, or None when it had begun elsewhere."""

    def __init__(self, path: Path, data: np.ndarray, meta: dict, keep_as: Path | None) -> None:
        super().__init__(self._write)
        self.path, self.data, self.meta, self.keep_as = path, data, meta, keep_as

    def _write(self) -> list[str]:
        if self.keep_as is not None:
            shutil.copy2(self.path, self.keep_as)
        # the recovery dir, at first: the user's own, as it holds outlines of patients' CTs
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        return write_labels(str(self.path), self.data, self.meta)


class Autosaver:
    """Saves a Labels layer in the background, one write at a time, the newest state last."""

    def __init__(self) -> None:
        self._worker = None
        # path -> (labels, writer meta, where to keep the file found there first), oldest first
        self._queued: dict[Path, tuple[np.ndarray, dict, Path | None]] = {}
        self._checked: set[Path] = set()  # files this autosaver may overwrite
        self._writing: LabelsWrite | None = None
        self.last_saved: Path | None = None

    @property
    def busy(self) -> bool:
        return self._worker is not None

    def save(self, labels: Labels, paths: Sequence[Path]) -> None:
        """Snapshot `labels` now (one copy for all `paths`) and write it to each path, after
        any write in progress; a newer snapshot for a path replaces one still waiting there."""
        meta = {
            "scale": tuple(labels.scale),
            "translate": tuple(labels.translate),
            "metadata": dict(labels.metadata),
        }
        data = np.array(labels.data, copy=True)
        for path in paths:
            keep_as = self._keep_as(labels, path)
            queued = self._queued.pop(path, None)
            if queued is not None and queued[2] is not None:
                keep_as = queued[2]  # that save's copy has not been made yet
            self._queued[path] = (data, meta, keep_as)
        if self._worker is None:
            self._start_next()

    def _keep_as(self, labels: Labels, path: Path) -> Path | None:
        """Where to keep the file at `path` before the first write to it, if the layer did not
        come from it (not for recovery copies; see the module's doc); else None."""
        if path in self._checked or path.parent == recovery_dir():
            return None
        self._checked.add(path)
        came_from = labels.metadata.get("labels_file")
        if not path.exists() or (came_from is not None and Path(came_from) == path):
            return None
        keep_as = backup_path(path, time.time())
        show_info(
            f"EveryClick autosave: {path.name} held other labels; kept them as {keep_as.name}"
        )
        return keep_as

    def _start_next(self) -> None:
        if not self._queued:
            return
        path = next(iter(self._queued))
        job = LabelsWrite(path, *self._queued.pop(path))
        worker = create_worker(catching(job), _start_thread=False)
        worker.returned.connect(lambda result: self._saved(path, result))
        worker.finished.connect(self._finished)
        self._worker, self._writing = worker, job
        worker.start()

    def finish(self, timeout_s: float = FINISH_TIMEOUT_S) -> None:
        """Save everything now, on this thread: the write under way (done here if its worker
        has not begun it, else waited for, `timeout_s` at most), then each waiting one. For the
        widget's close: the viewer, or the whole app, is going away, and with it the event
        loop that would start the workers."""
        job, self._writing = self._writing, None
        if job is not None:
            result = catching(job)()
            if result is not None:
                self._saved(job.path, result)
            elif not job.ended.wait(timeout_s):
                log.warning("a save to %s still runs after %g s; not waiting", job.path, timeout_s)
        while self._queued:
            path = next(iter(self._queued))
            self._saved(path, catching(LabelsWrite(path, *self._queued.pop(path)))())

    def _saved(self, path: Path, result: list[str] | Failure | None) -> None:
        if result is None:  # written by `finish`
            return
        if isinstance(result, Failure):
            show_warning(f"EveryClick could not save the labels to {path}: {result.error}")
        else:
            self.last_saved = Path(result[0])

    def _finished(self) -> None:
        self._worker = self._writing = None
        self._start_next()
