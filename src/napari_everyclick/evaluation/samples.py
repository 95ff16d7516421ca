"""The evaluation samples: one (slice, lesion id) pair per lesion slice of each case.

A sample is kept when that lesion has at least MIN_LESION_PX pixels on that slice. The method
gets the full stored slice in HU and the case's window; the target is that lesion's mask.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ..core.errors import ReadError
from ..core.geometry import contrast_object, shrink_object
from ..core.windowing import Window
from ..io.npz import read_npz_case

MIN_LESION_PX = 16


@dataclass(frozen=True)
class Sample:
    """One evaluation sample. hu: float32 (H, W) slice; target: bool (H, W) lesion mask."""

    case: str
    z: int
    lesion: int
    hu: np.ndarray
    target: np.ndarray
    window: Window
    spacing_mm: tuple[float, float, float]

    @property
    def key(self) -> str:
        return f"{self.case}/z{self.z}/l{self.lesion}"


def case_files(data: Sequence[str | Path], split: str | None = None) -> list[Path]:
    """Expand `--data` arguments: .npz files, or folders holding a manifest.json.

    With a manifest, only cases of `split` are kept (all when split is None).
    """
    files: list[Path] = []
    for item in data:
        path = Path(item)
        if path.is_dir():
            manifest = path / "manifest.json"
            if not manifest.is_file():
                raise ReadError(f"{path} is a folder without a manifest.json")
            for entry in json.loads(manifest.read_text()):
                if split is None or entry.get("split") == split:
                    files.append(path / entry["path"])
        elif path.suffix == ".npz" and path.is_file():
            files.append(path)
        else:
            raise ReadError(f"{path} is neither an .npz case nor a folder with manifest.json")
    return files


def case_samples(path: Path, largest_slice: bool = False) -> list[Sample]:
    """All samples of one case; with largest_slice, only each lesion's largest slice."""
    volume = read_npz_case(path)
    case = Path(path).stem
    labels = np.asarray(volume.labels)
    samples: list[Sample] = []
    for lesion in (int(v) for v in np.unique(labels) if v != 0):
        areas = (labels == lesion).sum(axis=(1, 2))
        zs = [int(np.argmax(areas))] if largest_slice else np.nonzero(areas >= MIN_LESION_PX)[0]
        for z in zs:
            if areas[z] < MIN_LESION_PX:
                continue
            samples.append(
                Sample(
                    case=case,
                    z=int(z),
                    lesion=lesion,
                    hu=volume.hu[z].astype(np.float32),
                    target=labels[z] == lesion,
                    window=volume.window,
                    spacing_mm=volume.spacing_mm,
                )
            )
    return samples


def iter_samples(
    data: Sequence[str | Path], split: str | None = None, largest_slice: bool = False
) -> Iterator[Sample]:
    """Every sample of every case in `data` (optionally one split), in a stable order."""
    for path in case_files(data, split):
        yield from case_samples(path, largest_slice)


def spread(i: int, low: float, high: float) -> float:
    """The i-th of a deterministic, evenly spread sequence in [low, high]: low + (high - low) x
    frac(0.618 i) (the golden ratio's steps never repeat and fill the range evenly)."""
    return low + (high - low) * ((0.6180339887 * i) % 1.0)


def shrunk_samples(samples: Sequence[Sample], low_px: float, high_px: float) -> list[Sample]:
    """The samples with each lesion shrunk to an equivalent diameter in [low_px, high_px]
    (deterministic: sample i gets `spread(i, low, high)`); the slice is mirror-
    padded back to its size. Lesions already smaller stay as they are."""
    out = []
    for i, sample in enumerate(samples):
        hu, target = shrink_object(sample.hu, sample.target, spread(i, low_px, high_px))
        out.append(replace(sample, hu=hu, target=target))
    return out


def contrasted_samples(samples: Sequence[Sample], low_hu: float, high_hu: float) -> list[Sample]:
    """The samples with each lesion given a contrast to its surroundings of magnitude in
    [low_hu, high_hu] HU (sample i: `spread(i, low, high)`, brighter for even i,
    darker for odd i, as enhancing and hypodense lesions are), the truth unchanged: how well a
    method follows an outline the CT shows (edge-visibility test)."""
    out = []
    for i, sample in enumerate(samples):
        magnitude = spread(i, low_hu, high_hu)
        delta = magnitude if i % 2 == 0 else -magnitude
        out.append(replace(sample, hu=contrast_object(sample.hu, sample.target, delta)))
    return out
