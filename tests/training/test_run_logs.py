"""The run's CSV logs (training/loop.py): appended row by row, trimmed on resume, and kept
readable when a resumed run logs columns the file did not have."""

from __future__ import annotations

import csv
from pathlib import Path

from napari_everyclick.training.loop import append_csv, trim_csv


def read(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(path.read_text().splitlines()))


def test_rows_with_new_columns_keep_every_value_under_its_header(tmp_path):
    """Before: the new row was written under the old header, its values shifted into the
    wrong columns (a run resumed with `calibrate` added its chosen settings to val.csv)."""
    path = tmp_path / "val.csv"
    append_csv(path, {"step": 1, "score": 0.5})
    append_csv(path, {"step": 2, "score": 0.6})
    append_csv(path, {"step": 3, "first_plain_click_threshold": 0.3, "score": 0.7})
    append_csv(path, {"step": 4, "score": 0.8})
    rows = read(path)
    assert list(rows[0]) == ["step", "score", "first_plain_click_threshold"]
    assert [r["score"] for r in rows] == ["0.5", "0.6", "0.7", "0.8"]
    assert [r["first_plain_click_threshold"] for r in rows] == ["", "", "0.3", ""]


def test_trim_drops_the_rows_after_the_checkpoint(tmp_path):
    path = tmp_path / "log.csv"
    for step in (10, 20, 30):
        append_csv(path, {"step": step, "loss": 1.0 / step})
    trim_csv(path, 20)
    assert [r["step"] for r in read(path)] == ["10", "20"]
