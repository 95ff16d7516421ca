"""Shared pieces of the reliability tests: napari notifications as the user sees them, a
hypothesis budget with a long mode, resident memory, and the widget tests' viewer helpers.

The canvas driver and the phantom viewer fixtures are the widget tests' own (tests/widget),
imported, not copied; `tests/` is on sys.path because the test folders are packages under it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from widget.conftest import dock_plugin, dock_with, phantom_viewer  # noqa: F401  (fixtures reused)

LONG = os.environ.get("HYPOTHESIS_PROFILE") == "long"
"""HYPOTHESIS_PROFILE=long: the long fuzz (2000 examples per property), as tests/core."""

FUZZ = settings(
    max_examples=2000 if LONG else 50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def rss_mb() -> float:
    """This process's resident memory in MB (psutil when installed, else /proc)."""
    try:
        import psutil
    except ImportError:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
        raise RuntimeError("cannot read the resident memory of this process") from None
    return psutil.Process().memory_info().rss / 1e6


class Notifications(list):
    """The (severity, message) of every napari notification shown since the fixture started."""

    def messages(self, severity: str | None = None) -> list[str]:
        return [m for s, m in self if severity is None or s == severity]

    def take(self) -> list[tuple[str, str]]:
        """Everything shown so far, then forget it."""
        shown = list(self)
        self.clear()
        return shown


@pytest.fixture
def notifications():
    """What the user sees: napari's notification manager (show_error / show_warning / show_info
    and warnings relayed from thread workers all dispatch through it)."""
    from napari.utils.notifications import notification_manager

    shown = Notifications()

    def record(notification) -> None:
        shown.append((str(notification.severity), str(notification.message)))

    notification_manager.notification_ready.connect(record)
    yield shown
    notification_manager.notification_ready.disconnect(record)
