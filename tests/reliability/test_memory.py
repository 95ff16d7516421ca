"""Hours of use: what a finished background task held (a job's clicks and masks, an autosave's
copy of the whole label volume) is freed once the task is done, not kept for the session."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

import numpy as np
from widget import canvas
from widget.conftest import MASS, MASS_Z, wait_idle
from widget.fakes import DiskLike

from napari_everyclick.io.recovery import recovery_dir
from napari_everyclick.widget.object_state import ObjectEditor


def test_finished_jobs_and_autosave_copies_are_freed(
    phantom_viewer, dock_with, qtbot, monkeypatch, tmp_path
):
    jobs: list[weakref.ref] = []
    next_job = ObjectEditor.next_job

    def recorded(self):
        job = next_job(self)
        if job is not None:
            jobs.append(weakref.ref(job))
        return job

    monkeypatch.setattr(ObjectEditor, "next_job", recorded)
    copies: list[weakref.ref] = []
    written: list[tuple[str, int]] = []

    def write_labels(path, data, meta):
        copies.append(weakref.ref(data))
        written.append((Path(path).parent.name, id(data)))
        return [path]

    monkeypatch.setattr("napari_everyclick.widget.autosave.write_labels", write_labels)
    widget = dock_with(lambda name, **kw: DiskLike())
    viewer, image = phantom_viewer, phantom_viewer.layers["CT phantom"]
    image.metadata["source_path"] = str(tmp_path / "case.nii.gz")
    widget.controls.autosave_check.setChecked(True)
    saver = widget.annotator.autosaver
    cy, cx = MASS.center[1], MASS.center[2]
    for k in range(4):
        canvas.drag(viewer, image, (MASS_Z, cy + 10 * k, cx), (MASS_Z, cy + 10 * k, cx + 4))
        wait_idle(qtbot, widget)
        widget.annotator.accept()
        qtbot.waitUntil(lambda: not saver.busy)
    qtbot.wait(50)
    gc.collect()
    assert len(jobs) == 4 and len(copies) == 8  # the recovery copy, then beside the CT
    assert [folder for folder, _ in written] == [recovery_dir().name, tmp_path.name] * 4
    assert [i for _, i in written[::2]] == [i for _, i in written[1::2]], "one snapshot each"
    assert [ref() for ref in jobs] == [None] * 4, "finished jobs are kept alive"
    assert [ref() for ref in copies] == [None] * 8, "autosave copies of the labels are kept"
    assert isinstance(viewer.layers["CT phantom lesions"].data, np.ndarray)
