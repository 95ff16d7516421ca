"""`everyclick evaluate-propagation`: a lesion propagated from its largest slice, scored in 3D."""

from __future__ import annotations

import json

import numpy as np
import pytest

from napari_everyclick.cli import main
from napari_everyclick.evaluation.propagation import propagate_lesion
from napari_everyclick.io.npz import read_npz_case

from .conftest import SHAPE, FakeSegmenter, clicked_lesion, disk_mask, write_case

RADII = (0, 3, 5, 7, 5, 3, 0, 0)  # lesion on slices 1-5, largest on 3; slices 0, 6, 7 empty


@pytest.fixture
def sphere_path(tmp_path):
    labels = np.zeros((len(RADII), *SHAPE), dtype=np.uint8)
    for z, r in enumerate(RADII):
        if r:
            labels[z][disk_mask(20, 24, r)] = 1
    return write_case(tmp_path / "sphere.npz", labels)


def test_an_exact_method_scores_dice_1_and_stops_where_the_lesion_ends(sphere_path):
    volume = read_npz_case(sphere_path)
    exact = FakeSegmenter(lambda k, image, clicks: clicked_lesion(image, clicks))
    r = propagate_lesion(exact, volume, "sphere", 1, "truth", use_previous=False)
    assert (r.start_z, r.start_iou, r.dice) == (3, 1.0, 1.0)
    assert (r.missed_slices, r.extra_slices, r.truth_slices) == (0, 0, 5)
    assert r.volume_error == pytest.approx(0.0) and r.mean_slice_iou == pytest.approx(1.0)
    assert r.long_axis_mm == r.truth_long_axis_mm == pytest.approx(15.0, abs=0.5)  # r 7, 1 mm
    # past each end the seed lands in fat, whose component is the whole background
    assert r.stops == ["leaked", "leaked"]
    voxels = sum(int(disk_mask(20, 24, r).sum()) for r in RADII if r)
    assert r.truth_volume_ml == pytest.approx(voxels * 3.0 / 1000.0)


def test_a_method_that_outlines_a_fixed_disk_everywhere_counts_extra_and_too_much_volume(
    sphere_path, tmp_path
):
    """On a lesion as dense as its surroundings (sarcoma in muscle) no stop rule fires."""
    with np.load(sphere_path) as data:
        case = dict(data)
    case["ct"] = np.full_like(case["ct"], 40)
    case["ct"][:, 0, 0] = -1000  # air in a corner: a CT range
    np.savez_compressed(tmp_path / "invisible.npz", **case)
    volume = read_npz_case(tmp_path / "invisible.npz")
    fixed = FakeSegmenter(lambda k, image, clicks: disk_mask(20, 24, 7))
    r = propagate_lesion(fixed, volume, "sphere", 1, "truth", use_previous=False)
    assert r.stops == ["edge", "edge"]
    assert (r.missed_slices, r.extra_slices) == (0, 3)  # slices 0, 6 and 7
    assert r.volume_error > 1.0
    assert 0.0 < r.dice < 0.7
    assert r.long_axis_error == pytest.approx(0.0)  # the largest slice was right


def test_a_drag_start_is_the_methods_answer_to_the_robots_first_drag(sphere_path):
    volume = read_npz_case(sphere_path)
    half = FakeSegmenter(lambda k, image, clicks: disk_mask(20, 24, 5))
    r = propagate_lesion(half, volume, "sphere", 1, "drag", use_previous=False)
    assert half.calls >= 1
    assert r.start_iou == pytest.approx(disk_mask(20, 24, 5).sum() / disk_mask(20, 24, 7).sum())


def test_the_command_prints_each_lesion_and_writes_the_report(sphere_path, tmp_path, capsys):
    out = tmp_path / "prop"
    argv = ["evaluate-propagation", "--method", "flood", "--data", str(sphere_path)]
    assert main([*argv, "--start", "truth", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "sphere/1" in printed and "median Dice" in printed
    report = json.loads((out / "propagation.json").read_text())
    assert report["method"] == "flood" and report["start"] == "truth"
    assert report["use_previous"] is False
    assert report["summary"]["n_lesions"] == 1 and report["lesions"][0]["start_iou"] == 1.0
    assert report["summary"]["dice_mean"] > 0.6
    assert main([*argv, "--limit", "0", "--out", str(out)]) == 2
    assert "--limit must be at least 1" in capsys.readouterr().err
