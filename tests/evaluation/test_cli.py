"""`everyclick evaluate`, `plot` and `measure` end to end on synthetic data."""

from __future__ import annotations

import csv
import json

import nibabel as nib
import numpy as np

from napari_everyclick.cli import main
from napari_everyclick.io.nifti import write_labels_nifti

from .conftest import disk_mask, write_case


def test_evaluate_disk_writes_report_and_curve(case_path, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(
        [
            "evaluate",
            "--method",
            "disk",
            "--data",
            str(case_path),
            "--clicks",
            "5",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    report = json.loads((out / "report.json").read_text())
    assert report["method"] == "disk" and report["n_samples"] == 3 and report["device"] is None
    assert report["git_dirty"] in (True, False, None) and report["package_version"]
    assert (out / "iou_curve.png").stat().st_size > 0
    assert "IoU@1" in capsys.readouterr().out
    assert main(["plot", str(out / "report.json"), "--out", str(tmp_path / "c.png")]) == 0
    assert (tmp_path / "c.png").is_file()


def test_evaluate_options_limit_largest_slice_radius(case_path, tmp_path):
    out = tmp_path / "out"
    code = main(
        [
            "evaluate",
            "--method",
            "disk",
            "--data",
            str(case_path),
            "--clicks",
            "3",
            "--radius",
            "static",
            "--largest-slice",
            "--limit",
            "1",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    report = json.loads((out / "report.json").read_text())
    assert report["radius"] == "static" and report["largest_slice"] is True
    assert [(r["z"], r["lesion"]) for r in report["samples"]] == [(1, 1)]


def test_the_edge_visibility_test_is_recorded_and_helps_flood_fill(case_path, tmp_path, capsys):
    def first_iou(*extra: str) -> float:
        out = tmp_path / "-".join(extra or ("plain",))
        args = ["evaluate", "--method", "flood", "--data", str(case_path), "--clicks", "1"]
        assert main([*args, *extra, "--out", str(out)]) == 0
        report = json.loads((out / "report.json").read_text())
        assert report["lesion_contrast_hu"] == ([float(v) for v in extra[1:]] or None)
        return report["iou_at"][0]

    assert first_iou("--lesion-contrast", "300", "300") > first_iou()
    bad = ["--lesion-contrast", "50", "10", "--out", str(tmp_path / "bad")]
    assert main(["evaluate", "--method", "disk", "--data", str(case_path), *bad]) == 2
    assert "0 <= MIN <= MAX" in capsys.readouterr().err


def test_unknown_method_exits_2(case_path, tmp_path, capsys):
    code = main(
        ["evaluate", "--method", "nope", "--data", str(case_path), "--out", str(tmp_path / "o")]
    )
    assert code == 2
    assert "no method named 'nope'" in capsys.readouterr().err


def test_missing_path_exits_2(tmp_path, capsys):
    code = main(
        [
            "evaluate",
            "--method",
            "disk",
            "--data",
            str(tmp_path / "x.npz"),
            "--out",
            str(tmp_path / "o"),
        ]
    )
    assert code == 2
    assert "x.npz" in capsys.readouterr().err


def test_no_samples_exits_2(tmp_path, capsys):
    import numpy as np

    labels = np.zeros((1, 40, 48), dtype=np.uint8)
    labels[0][disk_mask(10, 10, 2)] = 1  # 13 px: below the 16 px minimum
    case = write_case(tmp_path / "tiny.npz", labels)
    code = main(["evaluate", "--method", "disk", "--data", str(case), "--out", str(tmp_path / "o")])
    assert code == 2
    assert "no samples" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_split_without_cases_exits_2(case_path, tmp_path, capsys):
    (tmp_path / "manifest.json").write_text(
        json.dumps([{"case": "case_a", "path": case_path.name, "split": "val"}])
    )
    code = main(
        [
            "evaluate",
            "--method",
            "disk",
            "--data",
            str(tmp_path),
            "--split",
            "test",
            "--out",
            str(tmp_path / "o"),
        ]
    )
    assert code == 2
    assert "no case of split 'test'" in capsys.readouterr().err


def test_models_lists_every_method_and_marks_the_widgets_default(capsys):
    """Before: `everyclick models` did not say which method the widget starts with."""
    from napari_everyclick.methods import available_methods
    from napari_everyclick.widget.segmenters import default_method

    assert main(["models"]) == 0
    lines = capsys.readouterr().out.splitlines()
    names = [line.split()[0] for line in lines]
    assert names == [m.name for m in available_methods()]
    marked = [line.split()[0] for line in lines if line.endswith("(the widget's default)")]
    assert marked == [default_method()]


def test_network_only_takes_a_cards_network_without_its_hand_over(case_path, tmp_path, capsys):
    from napari_everyclick.core.handover import Handover
    from napari_everyclick.evaluation.report import load_report, report_label
    from napari_everyclick.evaluation.runner import build_segmenter
    from napari_everyclick.models.cards import list_cards

    card = next(c for c in list_cards() if "handover" in c.data)
    assert isinstance(build_segmenter(card.name, "cpu"), Handover)
    assert not isinstance(build_segmenter(card.name, "cpu", network_only=True), Handover)
    out = tmp_path / "out"
    args = ["evaluate", "--method", "ritm-random", "--data", str(case_path), "--clicks", "2"]
    assert main([*args, "--network-only", "--device", "cpu", "--out", str(out)]) == 0
    report = load_report(out / "report.json")
    assert report.network_only is True
    assert report_label(report) == "ritm-random (network alone), avg"
    assert (
        main(
            [
                "evaluate",
                "--method",
                "disk",
                "--data",
                str(case_path),
                "--network-only",
                "--out",
                str(tmp_path / "d"),
            ]
        )
        == 2
    )
    assert "disk is a classical method" in capsys.readouterr().err


def test_measure_prints_and_writes_each_lesions_figures(tmp_path, capsys):
    labels = np.zeros((5, 60, 60), np.uint8)
    labels[1:4, 10:30, 10:40] = 1
    labels[2, 45:50, 45:50] = 3
    path = write_labels_nifti(labels, tmp_path / "l.nii.gz", np.diag([2.5, 0.8, 0.7, 1.0]))
    assert main(["measure", str(path), "--out", str(tmp_path / "m.csv")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:3] == ["label", "long", "mm"]
    assert lines[1].split()[0] == "1" and lines[1].split()[-1] == "1-3"
    with (tmp_path / "m.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert [r["label"] for r in rows] == ["1", "3"]
    assert float(rows[0]["volume_ml"]) == 3 * 20 * 30 * 2.5 * 0.8 * 0.7 / 1000
    ct = np.full((2, 8, 8), -1000, np.int16)
    nib.save(nib.Nifti1Image(ct.T, np.eye(4)), tmp_path / "ct.nii.gz")
    assert main(["measure", str(tmp_path / "ct.nii.gz")]) == 2
    assert "negative values" in capsys.readouterr().err


def test_a_reader_that_goes_away_ends_the_command_quietly():
    """Before: `everyclick models | head -1` ended in a BrokenPipeError traceback."""
    import subprocess
    import sys

    command = [sys.executable, "-m", "napari_everyclick.cli", "models"]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # before the command has started: its first line meets a closed pipe
    error = proc.stderr.read().decode()
    assert proc.wait() == 1
    assert error == ""
