"""Evaluation: robot-clicker IoU curves, NoC / NoF and Iterative IoU Error over CT samples.

from napari_everyclick.evaluation import evaluate_segmenter, iter_samples
result = evaluate_segmenter(segmenter, list(iter_samples([data], "val")), clicks=20)
result.summary.iou_at[0], result.summary.noc["0.85"]
"""

from .report import EvaluationResult, Report, SampleResult, Summary, compare_reports, load_report
from .runner import evaluate_segmenter, run_evaluation
from .samples import Sample, iter_samples

__all__ = [
    "EvaluationResult",
    "Report",
    "Sample",
    "SampleResult",
    "Summary",
    "compare_reports",
    "evaluate_segmenter",
    "iter_samples",
    "load_report",
    "run_evaluation",
]
