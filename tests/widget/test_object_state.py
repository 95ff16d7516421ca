"""The Qt-free object editor: undo depth and exactness, coalescing, stale results dropped."""

from __future__ import annotations

import numpy as np
import pytest

from napari_everyclick.core.clicks import Click
from napari_everyclick.core.segmenter import Prediction
from napari_everyclick.core.session import Session, prepare_slice
from napari_everyclick.core.windowing import DEFAULT_WINDOW
from napari_everyclick.widget.object_state import ObjectEditor, run_job

from .fakes import DiskLike, sequential_mask

SHAPE = (40, 40)
IMAGE = prepare_slice(np.zeros(SHAPE, dtype=np.float32), DEFAULT_WINDOW)
C1 = Click(10, 10, True, 4)
C2 = Click(25, 25, True, 6)
C3 = Click(12, 12, False, 3)
C4 = Click(30, 8, True, 2)


def settle(editor: ObjectEditor, segmenter=None) -> None:
    """Run jobs synchronously until nothing waits."""
    segmenter = segmenter or DiskLike()
    while (job := editor.next_job()) is not None:
        editor.finish(job, run_job(job, segmenter, IMAGE))


def test_one_job_at_a_time_and_clicks_coalesce_into_the_next():
    editor = ObjectEditor("z0")
    editor.add(C1)
    first = editor.next_job()
    assert first is not None and first.start == 0 and first.clicks == (C1,)
    editor.add(C2)
    editor.add(C3)
    assert editor.next_job() is None  # one job at a time
    assert editor.finish(first, run_job(first, DiskLike(), IMAGE))
    second = editor.next_job()
    assert second.start == 1 and second.clicks == (C1, C2, C3)
    editor.finish(second, run_job(second, DiskLike(), IMAGE))
    assert editor.pending == 0
    np.testing.assert_array_equal(editor.mask, sequential_mask(SHAPE, [C1, C2, C3]))


def test_matches_session_click_by_click():
    session = Session(DiskLike())
    session.set_image(np.full(SHAPE, -500.0, dtype=np.float32))
    editor = ObjectEditor("z0")
    for click in (C1, C2, C3, C4):
        session.click(click)
        editor.add(click)
    settle(editor)
    np.testing.assert_array_equal(editor.mask, session.mask)


def test_undo_restores_every_previous_mask_exactly():
    editor = ObjectEditor("z0")
    masks = []
    for click in (C1, C2, C3, C4):
        editor.add(click)
        settle(editor)
        masks.append(editor.mask.copy())
    for expected in reversed(masks[:-1]):
        assert editor.undo()
        np.testing.assert_array_equal(editor.mask, expected)
    assert editor.undo()
    assert editor.mask is None
    assert not editor.undo()


def test_undo_while_running_drops_the_stale_result():
    editor = ObjectEditor("z0")
    editor.add(C1)
    settle(editor)
    before = editor.mask.copy()
    editor.add(C2)
    job = editor.next_job()
    editor.undo()  # C2 gone while its prediction runs
    assert job.cancel.is_set()
    assert not editor.finish(job, run_job(job, DiskLike(), IMAGE))
    np.testing.assert_array_equal(editor.mask, before)
    assert editor.pending == 0


def test_reset_while_running_drops_the_result_and_new_clicks_win():
    editor = ObjectEditor("z0")
    editor.add(C1)
    job = editor.next_job()
    editor.reset()
    editor.add(C4)
    assert editor.next_job() is None  # the stale job still runs
    assert not editor.finish(job, run_job(job, DiskLike(), IMAGE))
    settle(editor)
    np.testing.assert_array_equal(editor.mask, sequential_mask(SHAPE, [C4]))


def test_result_prefix_still_valid_after_undo_is_kept():
    editor = ObjectEditor("z0")
    editor.add(C1)
    editor.add(C2)
    job = editor.next_job()  # predicts C1 then C2
    editor.undo()  # drop C2: the C1 prediction is still good
    assert editor.finish(job, run_job(job, DiskLike(), IMAGE))
    assert len(editor.history) == 1
    np.testing.assert_array_equal(editor.mask, sequential_mask(SHAPE, [C1]))


def test_restart_predicts_all_clicks_again():
    editor = ObjectEditor("z0")
    for click in (C1, C2):
        editor.add(click)
    settle(editor)
    editor.restart()
    assert editor.pending == 2
    settle(editor)
    np.testing.assert_array_equal(editor.mask, sequential_mask(SHAPE, [C1, C2]))


def test_initial_mask_survives_reset():
    initial = Prediction.from_mask(sequential_mask(SHAPE, [C2]))
    editor = ObjectEditor("z0", initial)
    editor.add(C3)
    settle(editor)
    editor.reset()
    np.testing.assert_array_equal(editor.mask, initial.mask)
    assert not editor.is_empty


def test_failure_drops_the_unpredicted_clicks():
    editor = ObjectEditor("z0")
    editor.add(C1)
    settle(editor)
    editor.add(C2)
    editor.add(C3)
    job = editor.next_job()
    assert editor.fail(job) == [C2, C3]
    assert editor.clicks == [C1]
    assert editor.next_job() is None


def test_cancelled_job_stops_early():
    editor = ObjectEditor("z0")
    for click in (C1, C2, C3):
        editor.add(click)
    job = editor.next_job()
    job.cancel.set()
    assert run_job(job, DiskLike(), IMAGE) == []


@pytest.mark.parametrize("stale_epoch", [True, False])
def test_finish_ignores_a_job_from_another_epoch(stale_epoch):
    editor = ObjectEditor("z0")
    editor.add(C1)
    job = editor.next_job()
    if stale_epoch:
        editor.restart()
    applied = editor.finish(job, run_job(job, DiskLike(), IMAGE))
    assert applied is (not stale_epoch)
