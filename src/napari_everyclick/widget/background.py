"""One background task at a time, in superqt thread workers, never raising into Qt.

Segmenters are not thread-safe, so predictions and propagation runs are serialised: the dock
asks `SerialRunner.run` only when it is idle and is called back (`on_idle`) when the task's
worker has finished, to start whatever waits (the newest clicks, a propagation). A task's
exception is caught in the worker and handed to `errored` as a value, so a crash in a method
never takes the viewer down and every accepted label stays as it was.
"""

from __future__ import annotations

import inspect
import logging
import threading
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

from napari.utils.notifications import notification_manager

# superqt's create_worker (what napari's wraps), not napari's: napari's registers every worker
# in its window's task list, which is never pruned, so each finished worker stayed alive with
# its function and arguments (a job's masks, an autosave's copy of the whole label volume).
from superqt.utils import create_worker

log = logging.getLogger(__name__)
PACKAGE = __name__.split(".")[0]


@dataclass(frozen=True)
class Failure:
    """A task's exception, carried back to the GUI thread as a value."""

    error: BaseException


def catching(func: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a function (or generator function) so its exception becomes a returned Failure."""
    if inspect.isgeneratorfunction(func):

        def gen(*args: Any) -> Generator[Any, None, Any]:
            try:
                return (yield from func(*args))
            except Exception as exc:
                log.exception("everyclick background task failed")
                return Failure(exc)

        return gen

    def call(*args: Any) -> Any:
        try:
            return func(*args)
        except Exception as exc:
            log.exception("everyclick background task failed")
            return Failure(exc)

    return call


def relay_warning(args: tuple) -> None:
    """Show a task's warning of one of our own types (e.g. NotCTWarning: a picture, not HU) as
    a napari notification. A worker's warnings reach only its `warned` signal: napari's own
    relay is not connected under PyQt5 (its mixin's __init__ never runs), so they were lost.
    Library warnings (torch's tracer while exporting a model, ...) are left out: noise to a
    user. `receive_warning` shows each distinct warning once."""
    category = args[1]
    if getattr(category, "__module__", "").split(".")[0] == PACKAGE:
        notification_manager.receive_warning(*args)


class RunOnce:
    """A call made at most once, by whichever thread comes first: its worker, or the GUI thread
    at a close when the worker has not begun (superqt starts a worker from the event loop, which
    a quitting app has stopped). A later call returns None; `ended` is set once the call is
    over, and `outcome` holds what it returned."""

    def __init__(self, func: Callable[..., Any], *args: Any) -> None:
        self._func, self._args = func, args
        self.outcome: Any = None
        self.ended = threading.Event()
        self._begun = False
        self._lock = threading.Lock()

    def __call__(self) -> Any:
        with self._lock:
            if self._begun:
                return None
            self._begun = True
        try:
            self.outcome = self._func(*self._args)
            return self.outcome
        finally:
            self.ended.set()

    def wait(self, timeout_s: float) -> bool:
        """Make the call here if no thread has begun it, else wait for it (`timeout_s` at
        most); True once it has ended."""
        self()
        return self.ended.wait(max(timeout_s, 0.0))


class _Task:
    """One task of a SerialRunner: its worker and, for a function task, its run-once call,
    whose outcome (a value or a Failure) `SerialRunner.settle` can hand over without the event
    loop. Its callbacks run at most once."""

    def __init__(
        self,
        func: Callable[..., Any],
        args: tuple,
        returned: Callable[[Any], None],
        errored: Callable[[BaseException], None],
    ) -> None:
        self.call = None if inspect.isgeneratorfunction(func) else RunOnce(catching(func), *args)
        self.worker = create_worker(
            catching(func) if self.call is None else self.call,
            *(args if self.call is None else ()),
            _start_thread=False,
        )
        self.delivered = False
        self._returned, self._errored = returned, errored

    def deliver(self, value: Any) -> None:
        if self.delivered:
            return
        self.delivered = True
        if isinstance(value, Failure):
            self._errored(value.error)
        else:
            self._returned(value)


class SerialRunner:
    """Runs at most one task in a napari thread worker.

    on_busy(bool) is called when the runner starts or stops working (for the busy indicator);
    on_idle() after a task has fully finished, to start the next one.
    """

    def __init__(self, on_busy: Callable[[bool], None], on_idle: Callable[[], None]) -> None:
        self._on_busy = on_busy
        self._on_idle = on_idle
        self._task: _Task | None = None
        self._closed = False

    @property
    def busy(self) -> bool:
        return self._task is not None

    def run(
        self,
        func: Callable[..., Any],
        *args: Any,
        returned: Callable[[Any], None],
        errored: Callable[[BaseException], None],
        yielded: Callable[[Any], None] | None = None,
        aborted: Callable[[], None] | None = None,
    ) -> None:
        """Start `func(*args)` in a worker; results come back on the GUI thread.

        returned(value) gets the return value; errored(exc) the exception it raised; for a
        generator function, yielded(item) gets each yielded item as it comes, and aborted() is
        called instead of returned when `quit` stopped it. Nothing is called back after `close`.
        """
        if self.busy:
            raise RuntimeError("SerialRunner.run called while a task is running")
        task = _Task(func, args, returned, errored)
        worker = task.worker
        worker.returned.connect(lambda value: None if self._closed else task.deliver(value))
        worker.warned.connect(relay_warning)
        if yielded is not None:
            worker.yielded.connect(lambda item: None if self._closed else yielded(item))
        if aborted is not None:
            worker.aborted.connect(lambda: None if self._closed else aborted())
        worker.finished.connect(lambda: self._finished(task))
        self._task = task
        self._on_busy(True)
        worker.start()

    def settle(self, timeout_s: float) -> bool:
        """Finish the function task under way here, on this thread: run it if its worker has
        not begun, else wait for it (`timeout_s` at most); then hand its outcome to its callback
        and start what waits (on_idle). For a close: the event loop that would start the worker
        and deliver its outcome may not run again. True if a task was settled."""
        task = self._task
        if task is None or task.call is None or self._closed or not task.call.wait(timeout_s):
            return False
        self._task = None
        task.deliver(task.call.outcome)
        self._on_busy(False)
        self._on_idle()
        return True

    def quit(self) -> None:
        """Ask a running generator task to stop at its next yield (function tasks run on)."""
        if self._task is not None:
            self._task.worker.quit()

    def close(self) -> None:
        """Stop calling back (the widget is closing); a running task is asked to quit."""
        self._closed = True
        self.quit()

    def _finished(self, task: _Task) -> None:
        if task is not self._task:  # settled before its worker finished
            return
        self._task = None
        if self._closed:
            return
        self._on_busy(False)
        self._on_idle()
