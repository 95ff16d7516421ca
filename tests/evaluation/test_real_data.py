"""The loop on five real val samples (skips when ../shared/data is absent)."""

from __future__ import annotations

from napari_everyclick.core.classical.disk import DiskSegmenter
from napari_everyclick.evaluation.runner import evaluate_segmenter, load_samples


def test_disk_on_five_real_val_samples(shared_data):
    samples = load_samples([shared_data], "val", largest_slice=False, limit=5)
    assert len(samples) == 5
    assert all(s.target.sum() >= 16 and s.hu.shape == s.target.shape for s in samples)
    first = evaluate_segmenter(DiskSegmenter(), samples, 5, "avg", progress=False)
    again = evaluate_segmenter(DiskSegmenter(), samples, 5, "avg", progress=False)
    assert first.summary.n_samples == 5
    assert [r.ious for r in first.rows] == [r.ious for r in again.rows]
    assert all(0.0 <= v <= 1.0 for v in first.summary.iou_at)
    assert first.summary.iou_at[0] > 0.3  # a disk sized by the lesion covers much of it
