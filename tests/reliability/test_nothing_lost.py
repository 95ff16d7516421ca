"""Nothing lost, Qt-free: a hypothesis state machine drives the widget's building blocks (one
ObjectEditor per slice, off-thread jobs that finish late or crash, and the accept policy of
label_writes on a label volume) through random interleavings of clicks, job starts and ends,
undo, reset, method switches, accepts, undo accepts and painting by hand.

Invariants after every step:
- every accepted object's pixels hold its label, unless painted over by hand, until that very
  accept is undone; an undone accept leaves background (0) where it wrote;
- nothing else in the volume changes;
- each slice's shown mask is exactly the reference answer for its clicks predicted so far, and
  a crashed job drops only the clicks it could not predict.
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from widget.fakes import DiskLike, sequential_mask

from napari_everyclick.core.clicks import Click
from napari_everyclick.core.session import prepare_slice
from napari_everyclick.core.windowing import DEFAULT_WINDOW
from napari_everyclick.widget.label_writes import (
    make_edit,
    next_free_label,
    plan_paste,
    plan_undo,
)
from napari_everyclick.widget.object_state import ObjectEditor, run_job
from napari_everyclick.widget.plane import Plane

from .conftest import LONG

SHAPE = (3, 24, 24)
IMAGE = prepare_slice(np.zeros(SHAPE[1:], np.float32), DEFAULT_WINDOW)

slices = st.integers(0, SHAPE[0] - 1)
clicks = st.builds(
    Click,
    y=st.floats(-0.5, SHAPE[1] - 0.51),
    x=st.floats(-0.5, SHAPE[2] - 0.51),
    positive=st.booleans(),
    radius=st.floats(0.5, 9.0),
)


class Annotating(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.labels = np.zeros(SHAPE, np.uint16)
        self.editors: dict[int, ObjectEditor] = {}
        self.job = None  # (slice, job): one prediction runs at a time, as in the widget
        self.accepts = []  # (edit, bool mask of the pixels it wrote) of live accepts
        self.by_hand = np.zeros(SHAPE, bool)

    def plane(self, z: int) -> Plane:
        return Plane.from_point(SHAPE, (1, 2), (z, 0, 0))

    @rule(z=slices, click=clicks)
    def click(self, z, click):
        self.editors.setdefault(z, ObjectEditor(z)).add(click)

    @precondition(lambda self: self.job is None)
    @rule(z=slices, click=clicks)
    def click_and_wait(self, z, click):
        """The common case: a click, predicted before the next gesture."""
        self.click(z, click)
        job = self.editors[z].next_job()
        if job is not None:
            self.editors[z].finish(job, run_job(job, DiskLike(), IMAGE))

    def started(self) -> list[int]:
        """Slices with an object (drawn from, so rules act on objects that exist)."""
        return sorted(self.editors)

    @precondition(lambda self: self.job is None and self.editors)
    @rule(data=st.data())
    def start_job(self, data):
        z = data.draw(st.sampled_from(self.started()))
        job = self.editors[z].next_job()
        if job is not None:
            self.job = (z, job)

    @precondition(lambda self: self.job is not None)
    @rule(crash=st.booleans())
    def finish_job(self, crash):
        z, job = self.job
        self.job = None
        editor = self.editors.get(z)
        if editor is None:  # accepted meanwhile: the late result is dropped, as in the widget
            return
        if crash:
            predicted = len(editor.history)
            kept = editor.clicks[:predicted]
            editor.fail(job)
            if job.epoch == editor.epoch:
                assert editor.clicks == kept  # only the unpredicted clicks are dropped
        else:
            editor.finish(job, run_job(job, DiskLike(), IMAGE))

    @precondition(lambda self: self.editors)
    @rule(data=st.data())
    def undo_click(self, data):
        z = data.draw(st.sampled_from(self.started()))
        if z in self.editors:
            self.editors[z].undo()

    @precondition(lambda self: self.editors)
    @rule(data=st.data())
    def reset(self, data):
        z = data.draw(st.sampled_from(self.started()))
        if z in self.editors:
            self.editors[z].reset()

    @rule()
    def switch_method(self):
        for editor in self.editors.values():
            editor.restart()

    @precondition(lambda self: self.editors)
    @rule(data=st.data())
    def accept(self, data):
        z = data.draw(st.sampled_from(self.started()))
        editor = self.editors[z]
        if self.job is not None and self.job[0] == z:  # the widget waits for the prediction
            self.finish_job(crash=False)
        while (job := editor.next_job()) is not None:
            editor.finish(job, run_job(job, DiskLike(), IMAGE))
        mask = editor.mask
        if mask is None or not mask.any():
            return
        label = next_free_label(self.labels)
        before = self.labels.copy()
        indices, values = plan_paste(self.labels, self.plane(z), mask, label)
        edit = make_edit(self.labels, [(self.plane(z), indices, values)], label)
        self.labels[edit.indices] = edit.after
        written = self.labels != before
        assert (before[written] == 0).all() and (self.labels[written] == label).all()
        del self.editors[z]
        if edit.size:
            self.accepts.append((edit, written))

    @rule()
    def undo_accept(self):
        if not self.accepts:
            return
        edit, written = self.accepts.pop()
        indices, values = plan_undo(self.labels, edit)
        self.labels[indices] = values
        restored = written & ~self.by_hand
        assert (self.labels[restored] == 0).all()

    @rule(z=slices, y=st.integers(0, SHAPE[1] - 1), x=st.integers(0, SHAPE[2] - 1))
    def paint_by_hand(self, z, y, x):
        self.labels[z, y, x] = 999
        self.by_hand[z, y, x] = True

    @precondition(lambda self: self.accepts)
    @rule(data=st.data())
    def paint_over_an_accepted_object(self, data):
        _, written = data.draw(st.sampled_from(self.accepts))
        z, y, x = data.draw(st.sampled_from(np.argwhere(written).tolist()))
        self.paint_by_hand(z, y, x)

    @invariant()
    def accepted_objects_are_intact(self):
        expected = np.zeros(SHAPE, np.uint16)
        for edit, written in self.accepts:
            expected[written] = edit.label
        expected[self.by_hand] = 999
        np.testing.assert_array_equal(self.labels, expected)

    @invariant()
    def masks_match_the_clicks(self):
        for editor in self.editors.values():
            assert len(editor.history) <= len(editor.clicks)
            predicted = editor.clicks[: len(editor.history)]
            if predicted:
                expected = sequential_mask(SHAPE[1:], predicted)
                np.testing.assert_array_equal(editor.mask, expected)
            else:
                assert editor.mask is None


Annotating.TestCase.settings = settings(
    max_examples=2000 if LONG else 60,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestAnnotating = Annotating.TestCase
