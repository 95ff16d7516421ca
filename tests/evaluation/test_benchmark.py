"""`everyclick benchmark`: the latency report on a slice placed on a canvas of air."""

from __future__ import annotations

import json

import numpy as np
import pytest

from napari_everyclick.cli import main
from napari_everyclick.core.errors import EveryClickError
from napari_everyclick.evaluation.benchmark import AIR_HU, benchmark_slice, run_benchmark


def test_benchmark_slice_centres_the_case_slice_on_air(case_path):
    hu, target, window, source = benchmark_slice(64, [str(case_path)])
    assert hu.shape == target.shape == (64, 64)
    assert hu[0, 0] == AIR_HU and hu[-1, -1] == AIR_HU
    # the largest lesion slice (z1, lesion 1: 113 px) lands whole in the canvas
    assert target.sum() == 113
    assert tuple(window) == (40.0, 400.0)
    assert "case_a" in source


def test_benchmark_slice_larger_than_size_is_refused(case_path):
    with pytest.raises(EveryClickError, match="larger than --size"):
        benchmark_slice(32, [str(case_path)])


def test_benchmark_report_has_latency_and_stages(case_path, tmp_path):
    out = tmp_path / "bench.json"
    assert (
        run_benchmark(
            "ritm-random",
            size=64,
            clicks=3,
            out=str(out),
            data=[str(case_path)],
            backend="torch",
            repeats=1,
        )
        == 0
    )
    report = json.loads(out.read_text())
    assert report["method"] == "ritm-random" and report["size"] == 64
    lat = report["latency_ms"]
    # the robot stops early when nothing is left to correct: 1..clicks recorded clicks
    assert 0 < lat["median"] <= lat["p95"] and 1 <= lat["n"] <= 3
    assert {"preprocess", "network", "postprocess", "total"} <= set(report["stages_ms_median"])
    assert np.isclose(report["stages_ms_median"]["total"], lat["median"], rtol=0.5)


def test_benchmark_cli_classical_method(case_path, tmp_path):
    out = tmp_path / "bench.json"
    code = main(
        [
            "benchmark",
            "--method",
            "disk",
            "--size",
            "64",
            "--clicks",
            "2",
            "--data",
            str(case_path),
            "--out",
            str(out),
        ]
    )
    assert code == 0
    report = json.loads(out.read_text())
    assert report["repeats"] == 3 and 3 <= report["latency_ms"]["n"] <= 2 * 3
