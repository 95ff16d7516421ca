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


class SerialRunner:
    """Runs at most one task in a napari thread worker.

    on_busy(bool) is called when the runner starts or stops working (for the busy indicator);
    on_idle() after a task has fully finished, to start the next one.
    """

    def __init__(self, on_busy: Callable[[bool], None], on_idle: Callable[[], None]) -> None:
        self._on_busy = on_busy
        self._on_idle = on_idle
        self._worker: Any = None
        self._closed = False

    @property
    def busy(self) -> bool:
        return self._worker is not None

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
        called instead of returned when `quit` stopped it.
        """
        if self.busy:
            raise RuntimeError("SerialRunner.run called while a task is running")

        def on_returned(value: Any) -> None:
            if isinstance(value, Failure):
                errored(value.error)
            else:
                returned(value)

        worker = create_worker(catching(func), *args, _start_thread=False)
        worker.returned.connect(on_returned)
        worker.warned.connect(relay_warning)
        if yielded is not None:
            worker.yielded.connect(lambda item: None if self._closed else yielded(item))
        if aborted is not None:
            worker.aborted.connect(lambda: None if self._closed else aborted())
        worker.finished.connect(self._finished)
        self._worker = worker
        self._on_busy(True)
        worker.start()

    def quit(self) -> None:
        """Ask a running generator task to stop at its next yield (function tasks run on)."""
        if self._worker is not None:
            self._worker.quit()

    def close(self) -> None:
        """Stop calling back (the widget is closing); a running task is asked to quit."""
        self._closed = True
        self.quit()

    def _finished(self) -> None:
        self._worker = None
        if self._closed:
            return
        self._on_busy(False)
        self._on_idle()
