"""Shared fixtures. Real CT comes from ../shared/data when present; tests that need it skip
cleanly when it is absent (it is never copied into the project)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("EVERYCLICK_DATA", PROJECT_ROOT.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder holding manifest.json and the .npz cases; skips the test when absent."""
    if not (SHARED_DATA / "manifest.json").is_file():
        pytest.skip(f"real CT data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def val_case(shared_data: Path) -> Path:
    """One val case file (the first in the manifest)."""
    import json

    entries = json.loads((shared_data / "manifest.json").read_text())
    entry = next(e for e in entries if e["split"] == "val")
    return shared_data / entry["path"]


@pytest.fixture(autouse=True)
def recovery_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The widget's recovery copies (io.recovery) go to a fresh folder per test, never to the
    user's cache. Its own MonkeyPatch, so a test's `monkeypatch.undo()` keeps it."""
    folder = tmp_path_factory.mktemp("recovery")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("EVERYCLICK_RECOVERY_DIR", str(folder))
        yield folder
