"""The robot-clicker loop on a synthetic case with fake methods whose answers are known."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from napari_everyclick.core.classical.disk import DiskSegmenter
from napari_everyclick.core.errors import EveryClickError
from napari_everyclick.evaluation.runner import evaluate_segmenter
from napari_everyclick.evaluation.samples import iter_samples

from .conftest import FakeSegmenter, empty, perfect, perfect_from

CLICKS = 20
WEIGHT_SUM = 39.0  # sum of 1 + 0.1 i, i = 0..19 (methods spec 5.2)


@pytest.fixture
def samples(case_path):
    return list(iter_samples([case_path]))


def test_perfect_method_needs_one_click_and_is_not_called_again(samples):
    fake = FakeSegmenter(perfect)
    result = evaluate_segmenter(fake, samples, CLICKS, "avg", progress=False)
    s = result.summary
    assert fake.calls == len(samples) == s.n_samples == 3
    assert s.iou_at == [1.0] * CLICKS
    assert s.noc == {"0.8": 1.0, "0.85": 1.0, "0.9": 1.0}
    assert s.nof == {"0.8": 0, "0.85": 0, "0.9": 0}
    assert s.iterative_iou_error == 0.0
    for row in result.rows:
        assert row.ious == [1.0] * CLICKS
        assert len(row.latency_ms) == 1


def test_empty_method_fails_everywhere(samples):
    fake = FakeSegmenter(empty)
    result = evaluate_segmenter(fake, samples, CLICKS, "avg", progress=False)
    s = result.summary
    assert fake.calls == 3 * CLICKS
    assert s.iou_at == [0.0] * CLICKS
    assert s.noc == {"0.8": 20.0, "0.85": 20.0, "0.9": 20.0}
    assert s.nof == {"0.8": 3, "0.85": 3, "0.9": 3}
    assert s.iterative_iou_error == pytest.approx(1.0)
    assert all(len(row.latency_ms) == CLICKS for row in result.rows)


def test_success_at_second_click(samples):
    result = evaluate_segmenter(FakeSegmenter(perfect_from(2)), samples, CLICKS, progress=False)
    s = result.summary
    assert s.iou_at == [0.0] + [1.0] * (CLICKS - 1)
    assert s.noc["0.85"] == 2.0
    assert s.iterative_iou_error == pytest.approx(1.0 / WEIGHT_SUM)


def test_success_at_the_last_click_is_a_success(samples):
    result = evaluate_segmenter(
        FakeSegmenter(perfect_from(CLICKS)), samples, CLICKS, progress=False
    )
    s = result.summary
    assert s.noc["0.9"] == CLICKS
    assert s.nof == {"0.8": 0, "0.85": 0, "0.9": 0}
    assert s.iterative_iou_error == pytest.approx((WEIGHT_SUM - 2.9) / WEIGHT_SUM)


def test_rows_identify_samples_and_first_radius(samples):
    result = evaluate_segmenter(FakeSegmenter(perfect), samples, 3, "static", progress=False)
    assert [(r.case, r.z, r.lesion) for r in result.rows] == [
        ("case_a", 0, 1),
        ("case_a", 1, 1),
        ("case_a", 2, 2),
    ]
    assert [r.area_px for r in result.rows] == [int(s.target.sum()) for s in samples]
    assert all(r.first_radius_px == 5.0 for r in result.rows)
    assert result.summary.clicks == 3 and len(result.summary.iou_at) == 3


def test_avg_radius_follows_the_lesion_size(samples):
    result = evaluate_segmenter(FakeSegmenter(perfect), samples, 1, "avg", progress=False)
    radii = [r.first_radius_px for r in result.rows]
    assert radii[1] > radii[0]  # lesion 1 is larger on z1 (r=6) than on z0 (r=3)
    assert 4.0 < radii[1] < 8.0


def test_disk_is_deterministic(samples):
    first = evaluate_segmenter(DiskSegmenter(), samples, 10, "avg", progress=False)
    second = evaluate_segmenter(DiskSegmenter(), samples, 10, "avg", progress=False)
    assert [r.ious for r in first.rows] == [r.ious for r in second.rows]
    assert first.summary.iou_at[0] > 0.5


def test_iou_never_changes_after_the_robot_stops(samples):
    result = evaluate_segmenter(DiskSegmenter(), samples, CLICKS, "tight", progress=False)
    for row in result.rows:
        n = len(row.latency_ms)
        assert np.all(np.asarray(row.ious[n - 1 :]) == row.ious[n - 1])


@pytest.mark.parametrize(("clicks", "radius"), [(0, "avg"), (5, "distributed"), (5, "huge")])
def test_bad_budget_or_radius_raises_own_error(samples, clicks, radius):
    with pytest.raises(EveryClickError):
        evaluate_segmenter(DiskSegmenter(), samples, clicks, radius, progress=False)


def test_no_samples_raises_own_error():
    with pytest.raises(EveryClickError, match="no samples"):
        evaluate_segmenter(DiskSegmenter(), [], 5, progress=False)


def test_empty_target_raises_own_error(samples):
    blank = replace(samples[0], target=np.zeros_like(samples[0].target))
    with pytest.raises(EveryClickError, match="empty target"):
        evaluate_segmenter(DiskSegmenter(), [blank], 5, progress=False)
