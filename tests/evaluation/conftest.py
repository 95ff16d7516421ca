"""Tiny synthetic cases in the shared .npz format, and fake segmenters with known answers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import cv2
import numpy as np
import pytest

from napari_everyclick.core.clicks import Click
from napari_everyclick.core.segmenter import Prediction, PreparedSlice
from napari_everyclick.core.session import prepare_slice
from napari_everyclick.core.windowing import Window

SHAPE = (40, 48)


def disk_mask(cy: float, cx: float, r: float, shape: tuple[int, int] = SHAPE) -> np.ndarray:
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    return (yy - cy) ** 2 + (xx - cx) ** 2 <= r**2


def write_case(path: Path, labels: np.ndarray, seed: int = 0) -> Path:
    """Write labels (Z, H, W) as a case: lesions at +60 HU over -100 HU fat with noise."""
    rng = np.random.default_rng(seed)
    ct = np.where(labels > 0, 60, -100) + rng.normal(0, 10, labels.shape)
    np.savez_compressed(
        path,
        ct=ct.astype(np.int16),
        mask=labels.astype(np.uint8),
        spacing=np.array([3.0, 1.0, 1.0], dtype=np.float32),
        window=np.array([40.0, 400.0], dtype=np.float32),
        source=np.array(f"synthetic {path.stem}"),
        slice_index=np.arange(labels.shape[0], dtype=np.int16),
    )
    return path


@pytest.fixture
def case_path(tmp_path: Path) -> Path:
    """Three slices, two lesions.

    z0: lesion 1 r=3 (29 px); z1: lesion 1 r=6 (113 px) and lesion 2 of 15 px (skipped);
    z2: lesion 2 r=4 (49 px). So 3 samples; the largest slices are z1 (lesion 1), z2 (lesion 2).
    """
    labels = np.zeros((3, *SHAPE), dtype=np.uint8)
    labels[0][disk_mask(12, 12, 3)] = 1
    labels[1][disk_mask(12, 12, 6)] = 1
    labels[1, 30:33, 30:35] = 2
    labels[2][disk_mask(30, 34, 4)] = 2
    return write_case(tmp_path / "case_a.npz", labels)


def clicked_lesion(image: PreparedSlice, clicks: Sequence[Click]) -> np.ndarray:
    """The exact lesion under the first click: the bright (> -20 HU) component holding it."""
    _, labels = cv2.connectedComponents((image.hu > -20).astype(np.uint8), connectivity=8)
    first = clicks[0]
    return labels == labels[round(first.y), round(first.x)]


class FakeSegmenter:
    """Answers `answer(k, image, clicks)` after click k (1-based), a bool mask; counts calls."""

    name = "fake"

    def __init__(self, answer: Callable[[int, PreparedSlice, Sequence[Click]], np.ndarray]):
        self.answer = answer
        self.calls = 0

    def prepare(self, slice_hu: np.ndarray, window: Window) -> PreparedSlice:
        return prepare_slice(slice_hu, window)

    def predict(
        self, image: PreparedSlice, clicks: Sequence[Click], previous: Prediction | None
    ) -> Prediction:
        self.calls += 1
        return Prediction(mask=np.asarray(self.answer(len(clicks), image, clicks), dtype=bool))


def perfect(k: int, image: PreparedSlice, clicks: Sequence[Click]) -> np.ndarray:
    return clicked_lesion(image, clicks)


def empty(k: int, image: PreparedSlice, clicks: Sequence[Click]) -> np.ndarray:
    return np.zeros(image.shape, dtype=bool)


def perfect_from(n: int) -> Callable[[int, PreparedSlice, Sequence[Click]], np.ndarray]:
    """Empty until click n, the exact lesion from click n on."""
    return lambda k, image, clicks: perfect(k, image, clicks) if k >= n else empty(k, image, clicks)
