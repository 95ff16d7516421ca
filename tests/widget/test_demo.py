"""`everyclick demo --headless`: no display, no napari/Qt/torch; PNGs and IoU per click."""

from __future__ import annotations

import json
import os
import subprocess
import sys

CHECK = """
import sys
from napari_everyclick.cli import main
code = main(["demo", "--headless", "--out", sys.argv[1], "--method", "flood", "--clicks", "2"])
loaded = [m for m in ("napari", "PyQt5", "qtpy", "torch") if m in sys.modules]
print("LOADED", loaded)
sys.exit(code)
"""


def test_headless_demo_needs_no_display(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    run = subprocess.run(
        [sys.executable, "-c", CHECK, str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "LOADED []" in run.stdout
    report = json.loads((tmp_path / "ious.json").read_text())
    assert report["method"] == "flood" and len(report["lesions"]) >= 3
    for lesion in report["lesions"]:
        assert 1 <= len(lesion["ious"]) <= 2
        assert all(0.0 <= v <= 1.0 for v in lesion["ious"])
        assert lesion["clicks"][0]["radius"] > 5.0  # dynamic disks, not static clicks
        pngs = sorted(tmp_path.glob(f"lesion{lesion['label']}_click*.png"))
        assert len(pngs) == len(lesion["ious"])
    assert report["mean_iou_per_click"][0] > 0.5
