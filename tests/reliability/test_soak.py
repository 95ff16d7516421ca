"""Soak: 500 random gestures on the 3D phantom in the real widget, through napari's mouse
callbacks, once with flood (switching to snake and disk) and once with a learned model
(FocalClick with random weights, switching to flood). Every gesture is checked by the outside
oracle of test_nothing_lost_gui (accepted labels change only by accept and undo accept); no
exception, no error notification; resident memory after warm-up grows by less than 50 MB.

Slow (about 1 and 3 minutes on a busy CPU): `python -m pytest -m slow tests/reliability -s`
prints the figures.
"""

from __future__ import annotations

import gc
import logging
import os
import time

import numpy as np
import pytest
from widget.conftest import PHANTOM, wait_idle

from .conftest import rss_mb
from .test_nothing_lost_gui import Oracle, play

GESTURES = int(os.environ.get("SOAK_GESTURES", "500"))  # longer runs on demand
WARM_UP = 100
MAX_GROWTH_MB = 50.0
LESIONS = [(les.center[1], les.center[2]) for les in PHANTOM.lesions]
WEIGHTS = {
    "click": 2.5,  # positive or negative, static radius
    "drag": 4.0,  # positive or negative, radius 2..30 px
    "burst": 0.7,  # two drags and an accept without waiting
    "accept": 1.5,
    "undo": 1.0,
    "reset": 0.6,
    "undo_accept": 0.8,
    "slice": 1.0,
    "method": 0.5,
    "image": 0.2,
    "show": 0.3,  # double-click a row of the measurement table
    "delete": 0.2,  # Delete lesion on a row (undo accept brings it back)
}


def soak_actions(rng: np.random.Generator, n: int, methods: list[str]) -> list[tuple]:
    """n random gestures, mostly on and around the phantom's lesions, some anywhere."""
    kinds, p = list(WEIGHTS), np.array(list(WEIGHTS.values()))

    def point() -> tuple[float, float]:
        if rng.random() < 0.7:
            cy, cx = LESIONS[rng.integers(len(LESIONS))]
            return cy + rng.normal(0, 12), cx + rng.normal(0, 12)
        return rng.uniform(5, 250), rng.uniform(5, 250)

    actions = []
    for kind in rng.choice(kinds, size=n, p=p / p.sum()):
        negative = bool(rng.random() < 0.25)
        if kind == "click":
            actions.append(("click", *point(), negative))
        elif kind == "drag":
            actions.append(("drag", *point(), float(rng.uniform(2.0, 30.0)), negative))
        elif kind == "burst":
            actions.append(("burst", *point(), *point()))
        elif kind == "slice":
            actions.append(("slice", int(rng.integers(-5, 6))))
        elif kind == "method":
            weights = np.array([1.5] + [1.0] * (len(methods) - 1))  # mostly the soaked method
            actions.append(("method", str(rng.choice(methods, p=weights / weights.sum()))))
        elif kind in ("show", "delete"):
            actions.append((str(kind), int(rng.integers(0, 8)), int(rng.integers(0, 10))))
        else:
            actions.append((str(kind),))
    return actions


@pytest.mark.slow
@pytest.mark.parametrize(
    "methods", [["flood", "snake", "disk"], ["focalclick-random", "flood"]], ids=["flood", "model"]
)
def test_soak(phantom_viewer, dock_plugin, qtbot, notifications, caplog, methods):
    viewer = phantom_viewer
    image = viewer.layers["CT phantom"]
    other = viewer.add_image(np.full((3, 24, 24), -100, np.int16), name="other")
    viewer.layers.selection.active = image
    widget = dock_plugin(viewer)
    combo = widget.controls.method_combo
    for name in methods:
        if combo.findText(name) < 0:
            combo.addItem(name)  # the random-weights model is not a shipped card
    combo.setCurrentText(methods[0])
    widget.controls.image_combo.setCurrentText(image.name)
    caplog.set_level(logging.ERROR, logger="napari_everyclick")

    oracle = Oracle()
    latencies: dict[str, list[float]] = {name: [] for name in methods}
    kinds: dict[str, int] = {}
    actions = soak_actions(np.random.default_rng(7), GESTURES, methods)
    start = time.perf_counter()
    rss_start = rss_mb()
    trajectory = []  # RSS every 100 gestures
    for step, action in enumerate(actions):
        if step % 100 == 0:
            gc.collect()
            trajectory.append(round(rss_mb()))
        if step == WARM_UP:
            rss_warm = rss_mb()
        widget.annotator.last_latency_ms = None
        try:
            play(viewer, widget, qtbot, other, action, oracle)
        except AssertionError as exc:
            raise AssertionError(f"gesture {step} {action}: {exc}") from exc
        kinds[action[0]] = kinds.get(action[0], 0) + 1
        if widget.annotator.last_latency_ms is not None:
            latencies[widget.settings.method.name].append(widget.annotator.last_latency_ms)
    wait_idle(qtbot, widget, timeout=60_000)
    gc.collect()
    rss_end = rss_mb()
    elapsed = time.perf_counter() - start
    errors = notifications.messages("error") + [r.getMessage() for r in caplog.records]
    growth = rss_end - rss_warm
    accepted = [label for _, label in oracle.live]
    print(
        f"\nsoak {methods[0]}: {GESTURES} gestures in {elapsed:.0f} s ({kinds}); "
        f"{len(accepted)} accepted objects kept; {len(errors)} errors; "
        "per-click latency (median / p95 over the jobs): "
        + ", ".join(
            f"{name} {np.median(ms):.0f} / {np.percentile(ms, 95):.0f} ms ({len(ms)} jobs)"
            for name, ms in latencies.items()
            if ms
        )
        + "; "
        f"RSS start {rss_start:.0f} MB, after {WARM_UP} gestures {rss_warm:.0f} MB, "
        f"end {rss_end:.0f} MB: growth {growth:+.1f} MB (every 100: {trajectory})"
    )
    assert errors == []
    assert all(latencies.values()), "every method predicted"
    assert accepted and all((lay.data == label).any() for lay, label in oracle.live)
    assert growth < MAX_GROWTH_MB
