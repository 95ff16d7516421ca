"""How far could any choice among the answers we have take the first drag? (docs/models.md)

    python docs/first_click_oracle.py [--split val] [--data ../shared/data] [--limit N]

For every lesion slice the robot's first drag (avg radius) is answered by a family of
candidates: the disk scaled by 0.7-1.3, flood fill at several tolerances and reaches, and the
RITM card's network (its card's first answer, and its probability read at thresholds 0.3-0.7).
Prints each candidate's mean IoU and the oracle's: the mean over slices of the best candidate
per slice, which no selection rule, calibration or ensemble of these answers can pass.
"""

from __future__ import annotations

import argparse

import numpy as np

from napari_everyclick.core.classical.flood import FloodSegmenter
from napari_everyclick.core.clicker import RobotClicker
from napari_everyclick.core.disks import paint_disk
from napari_everyclick.core.metrics import iou
from napari_everyclick.evaluation.runner import load_samples
from napari_everyclick.methods import make_segmenter

DISK_SCALES = (0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3)
FLOOD_TOLERANCE_SPREADS = (2.0, 3.0, 4.0, 6.0, 8.0)
FLOOD_REACHES = (1.0, 1.3)
NETWORK_THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7)


def first_drag_ious(data: str, split: str, limit: int | None) -> dict[str, np.ndarray]:
    """IoU of every candidate answer to the first drag, per sample: {candidate: (n,)}."""
    network = make_segmenter("ritm-hrnet18s-ct", handover=False)
    floods = {
        f"flood {t:g} spreads, reach {r:g}": FloodSegmenter(tolerance_spreads=t, reach=r)
        for t in FLOOD_TOLERANCE_SPREADS
        for r in FLOOD_REACHES
    }
    ious: dict[str, list[float]] = {}
    for sample in load_samples([data], split, False, limit):
        click = RobotClicker(sample.target, radius="avg").next_click()
        answers: dict[str, np.ndarray] = {}
        for scale in DISK_SCALES:
            disk = np.zeros(sample.target.shape, dtype=np.float32)
            paint_disk(disk, click.y, click.x, scale * click.radius, value=1.0)
            answers[f"disk x{scale:g}"] = disk > 0.5
        for name, flood in floods.items():
            answers[name] = flood.predict(
                flood.prepare(sample.hu, sample.window), [click], None
            ).mask
        prediction = network.predict(network.prepare(sample.hu, sample.window), [click], None)
        answers["network, its card"] = prediction.mask
        for threshold in NETWORK_THRESHOLDS:
            answers[f"network >= {threshold:g}"] = prediction.probability >= threshold
        for name, mask in answers.items():
            ious.setdefault(name, []).append(iou(mask, sample.target))
    return {name: np.asarray(values) for name, values in ious.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="../shared/data")
    parser.add_argument("--split", default="val")
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()
    ious = first_drag_ious(args.data, args.split, args.limit)
    table = np.stack(list(ious.values()), axis=1)  # (samples, candidates)
    print(f"{args.split}: {table.shape[0]} samples, mean IoU after the first drag")
    for name, values in ious.items():
        print(f"  {name:32s} {values.mean():.3f}")
    for family in ("disk", "flood", "network"):
        columns = [i for i, name in enumerate(ious) if name.startswith(family)]
        print(f"  {'oracle, ' + family + ' answers':32s} {table[:, columns].max(1).mean():.3f}")
    print(f"  {f'oracle, all {table.shape[1]} answers':32s} {table.max(1).mean():.3f}")


if __name__ == "__main__":
    main()
