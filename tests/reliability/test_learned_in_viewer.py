"""A learned model runs inside napari: its first use must not kill the process.

torchvision imports torch._dynamo, which imports triton; triton's LLVM segfaults once Mesa's LLVM
(napari's OpenGL canvas on software rendering, as under Xvfb) is loaded. The real thing runs in a
subprocess, so a crash fails the test instead of ending the session (slow: ~10 s of imports);
the quick test checks the guard the widget's segmenter pool sets before building a method.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from widget.fakes import DiskLike

from napari_everyclick.widget.segmenters import MethodChoice, SegmenterPool

SCRIPT = """
import numpy as np
import napari

from napari_everyclick import Click
from napari_everyclick.core.session import Session
from napari_everyclick.methods import make_segmenter
from napari_everyclick.widget.segmenters import MethodChoice, SegmenterPool

viewer = napari.Viewer(show=False)  # the OpenGL canvas: Mesa's LLVM is now loaded
pool = SegmenterPool(lambda name, **kw: make_segmenter(name, backend="torch"))
session = Session(pool.segmenter(MethodChoice("ritm-random")))
session.set_image(np.full((64, 64), -100.0, np.float32))
print("mask pixels", int(session.click(Click(32.0, 32.0, True, 8.0)).sum()))
"""


def test_the_segmenter_pool_keeps_triton_out(monkeypatch):
    monkeypatch.delitem(sys.modules, "triton", raising=False)  # as in a fresh napari process
    SegmenterPool(lambda name, **kw: DiskLike()).segmenter(MethodChoice("disk"))
    assert sys.modules["triton"] is None
    with pytest.raises(ImportError):
        import triton  # noqa: F401


@pytest.mark.slow
def test_a_learned_model_is_built_and_runs_in_a_napari_process():
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT], check=False, capture_output=True, text=True, timeout=600
    )
    assert out.returncode == 0, f"exit code {out.returncode}\n{out.stderr[-2000:]}"
    assert "mask pixels" in out.stdout
