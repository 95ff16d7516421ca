"""report.json content, reading it back, comparing two reports, the table and the plot."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from napari_everyclick.core.classical.disk import DiskSegmenter
from napari_everyclick.core.errors import EveryClickError, ReadError
from napari_everyclick.evaluation.plots import curve_label, curve_marker, plot_reports
from napari_everyclick.evaluation.report import (
    Report,
    SampleResult,
    compare_reports,
    format_table,
    load_report,
    markdown_table,
)
from napari_everyclick.evaluation.runner import evaluate_segmenter
from napari_everyclick.evaluation.samples import iter_samples

from .conftest import FakeSegmenter, empty, perfect_from

CONTEXT = {
    "method": "disk",
    "radius": "avg",
    "data": ["x.npz"],
    "split": None,
    "largest_slice": False,
    "limit": None,
    "device": None,
    "package_version": "0.1.0",
    "git_commit": None,
    "git_dirty": None,
    "wall_time_s": 1.5,
    "date": "2024-01-01T00:00:00+00:00",
}


@pytest.fixture
def report(case_path) -> Report:
    result = evaluate_segmenter(DiskSegmenter(), list(iter_samples([case_path])), 5, progress=False)
    return Report.from_result(result, **CONTEXT)


def test_report_json_keys_and_types(report, tmp_path):
    data = json.loads(report.write(tmp_path / "report.json").read_text())
    assert data["method"] == "disk" and data["radius"] == "avg"
    assert data["n_samples"] == 3 and data["clicks"] == 5
    assert len(data["iou_at"]) == 5 and all(0.0 <= v <= 1.0 for v in data["iou_at"])
    assert set(data["noc"]) == set(data["nof"]) == {"0.8", "0.85", "0.9"}
    assert all(isinstance(v, float) for v in data["noc"].values())
    assert all(isinstance(v, int) for v in data["nof"].values())
    assert 0.0 <= data["iterative_iou_error"] <= 1.0
    assert set(data["latency_ms"]) == {"median", "p95"}
    assert data["latency_ms"]["median"] <= data["latency_ms"]["p95"]
    for key in (
        "data",
        "split",
        "largest_slice",
        "package_version",
        "git_commit",
        "git_dirty",
        "wall_time_s",
        "date",
    ):
        assert key in data
    row = data["samples"][0]
    assert set(row) == {
        "case",
        "z",
        "lesion",
        "area_px",
        "ious",
        "latency_ms",
        "first_radius_px",
        "truth_axes_mm",
        "axes_mm",
    }
    assert len(row["ious"]) == 5
    assert set(row["axes_mm"]) == set(data["recist"]) == {"1", "3", "5"}
    assert set(data["recist"]["1"]) == {"long_mm", "short_mm", "long_within"}


def test_recist_errors_are_measured_against_the_truths_axes(case_path):
    samples = list(iter_samples([case_path]))
    exact = evaluate_segmenter(FakeSegmenter(perfect_from(3)), samples, 4, progress=False)
    row = exact.rows[1]  # lesion 1 on z1: a disk of radius 6 px, 1 mm pixels
    assert row.truth_axes_mm == pytest.approx([13.0, 13.0], abs=0.5)
    assert row.axes_mm["1"] == [0.0, 0.0]  # empty until click 3
    assert row.axes_mm["3"] == row.truth_axes_mm and set(row.axes_mm) == {"1", "3"}
    first, third = exact.summary.recist["1"], exact.summary.recist["3"]
    assert first["long_within"] == 0.0 and first["long_mm"] > 5
    assert third == {"long_mm": 0.0, "short_mm": 0.0, "long_within": 1.0}
    table = format_table(Report.from_result(exact, **CONTEXT))
    assert "@3 0.0 / 0.0 mm, 100%" in table.splitlines()[-1]


def test_a_report_written_before_the_recist_figures_still_loads(report, tmp_path):
    data = report.to_dict()
    del data["recist"]
    for row in data["samples"]:
        del row["truth_axes_mm"], row["axes_mm"]
    (tmp_path / "old.json").write_text(json.dumps(data))
    old = load_report(tmp_path / "old.json")
    assert old.recist == {} and old.samples[0].axes_mm == {}
    assert "RECIST" not in format_table(old)


def test_report_round_trips(report, tmp_path):
    assert load_report(report.write(tmp_path / "report.json")) == report


def test_not_a_report_raises_read_error(tmp_path):
    (tmp_path / "bad.json").write_text('{"method": "disk"}')
    with pytest.raises(ReadError, match="not an everyclick evaluation report"):
        load_report(tmp_path / "bad.json")
    with pytest.raises(ReadError):
        load_report(tmp_path / "missing.json")


def test_compare_reports_counts_strict_wins_per_sample(report, case_path):
    result = evaluate_segmenter(
        FakeSegmenter(empty), list(iter_samples([case_path])), 5, progress=False
    )
    nothing = Report.from_result(result, **{**CONTEXT, "method": "fake"})
    assert compare_reports(report, nothing) == 1.0
    assert compare_reports(nothing, report) == 0.0
    assert compare_reports(report, report) == 0.0  # ties are not wins


def test_compare_reports_matches_samples_by_key(report):
    row = report.samples[0]
    better = SampleResult(row.case, row.z, row.lesion, row.area_px, [1.0] * 5, [], 1.0)
    other = replace(report, samples=[better])
    assert compare_reports(other, report) == (1.0 if row.ious[0] < 1.0 else 0.0)
    with pytest.raises(EveryClickError, match="share no sample"):
        compare_reports(report, replace(report, samples=[]))


def test_table_shows_headline_figures(report):
    table = format_table(report)
    for label in ("IoU@1", "IoU@5", "NoC@80", "NoC@90", "NoF@85", "NoF@90", "IIE", "ms/click"):
        assert label in table
    assert "IoU@10" not in table  # beyond the 5-click budget


def test_markdown_table_has_a_row_per_report_and_marks_what_the_budget_lacks(report):
    shrunk = replace(report, radius="static", shrink_to_diameter_px=[5.0, 30.0])
    lines = markdown_table([report, shrunk]).splitlines()
    assert len(lines) == 4 and lines[1].count("---") == lines[0].count("|") - 1
    assert lines[2].startswith(f"| disk, avg | {report.n_samples} | {report.iou_at[0]:.3f} |")
    assert "| disk, static, shrunk to 5-30 px |" in lines[3]
    assert "| - | - |" in lines[2] and "(5 clicks)" in lines[2]  # IoU@10, @20, IIE@20


def test_curve_labels_tell_a_card_path_and_a_scale_test_apart(report):
    by_path = replace(report, method="runs/ritm-x/ritm-x.json", n_samples=7)
    assert curve_label(by_path) == "ritm-x, avg (n=7)"
    shrunk = replace(by_path, shrink_to_diameter_px=[5.0, 30.0])
    assert curve_label(shrunk) == "ritm-x, avg, shrunk to 5-30 px (n=7)"
    contrasted = replace(by_path, lesion_contrast_hu=[30.0, 120.0])
    assert curve_label(contrasted) == "ritm-x, avg, lesions +-30-120 HU (n=7)"
    assert [curve_marker(r) for r in (by_path, shrunk, contrasted)] == [".", "x", "+"]


def test_plot_reports_writes_a_png(report, tmp_path):
    a = report.write(tmp_path / "a.json")
    b = replace(report, radius="static").write(tmp_path / "b.json")
    out = tmp_path / "plots" / "curves.png"
    plot_reports([a, b], out)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_reports_without_git_dirty_still_load(report, tmp_path):
    data = report.to_dict()
    del data["git_dirty"]
    (tmp_path / "old.json").write_text(json.dumps(data))
    assert load_report(tmp_path / "old.json").git_dirty is None
