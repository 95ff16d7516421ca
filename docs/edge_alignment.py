"""Are the expert outlines drawn on edges this CT shows? (docs/models.md)

    python docs/edge_alignment.py [--split val] [--data ../shared/data] [--limit N]
    python docs/edge_alignment.py --phantom     # positive control: the sample phantom's lesions

For every lesion slice, on the slice in its display window (0-1) smoothed by a Gaussian of 1 px:
- the mean gradient magnitude along the outline moved outwards (k > 0) or inwards (k < 0) by
  k = -6..6 px, as a share of its mean over k. An outline drawn on an edge of the image peaks
  at k = 0; a control does the same for the robot's first disk (avg radius), which knows no
  edge;
- the share of slices whose strongest ring lies within 1 px of the outline (and of the disk);
- the lesion's contrast: median HU 3 px inside its outline against the muscle-like pixels
  (-30 to 150 HU) 3-8 px outside it, in HU and in units of the lesion's own standard deviation.
"""

from __future__ import annotations

import argparse

import numpy as np
from scipy import ndimage as ndi

from napari_everyclick.core.clicker import RobotClicker
from napari_everyclick.core.disks import disk_union
from napari_everyclick.core.phantom import make_phantom
from napari_everyclick.core.windowing import Window, apply_window
from napari_everyclick.evaluation.runner import load_samples
from napari_everyclick.evaluation.samples import MIN_LESION_PX

SHIFTS_PX = tuple(range(-6, 7))
GRADIENT_SIGMA_PX = 1.0
MUSCLE_HU = (-30.0, 150.0)
INSIDE_PX, RING_PX = 3, (3, 8)


def moved(mask: np.ndarray, k: int) -> np.ndarray:
    """`mask` grown by k px (k > 0) or shrunk by -k px (k < 0)."""
    if k > 0:
        return ndi.binary_dilation(mask, iterations=k)
    if k < 0:
        return ndi.binary_erosion(mask, iterations=-k)
    return mask


def ring_profile(gradient: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean gradient along the outline of `mask` moved by each of SHIFTS_PX, over their mean."""
    profile = []
    for k in SHIFTS_PX:
        grown = moved(mask, k)
        outline = grown & ~ndi.binary_erosion(grown)
        profile.append(gradient[outline].mean() if outline.any() else np.nan)
    values = np.asarray(profile)
    return values / np.nanmean(values)


def contrast_hu(hu: np.ndarray, mask: np.ndarray) -> tuple[float, float]:
    """(lesion - surrounding muscle-like tissue, in HU; the same over the lesion's std)."""
    inside = ndi.binary_erosion(mask, iterations=INSIDE_PX)
    inside = inside if inside.sum() > 10 else mask
    ring = moved(mask, RING_PX[1]) & ~moved(mask, RING_PX[0])
    around = hu[ring]
    around = around[(around > MUSCLE_HU[0]) & (around < MUSCLE_HU[1])]
    if around.size == 0:
        return np.nan, np.nan
    difference = float(np.median(hu[inside]) - np.median(around))
    spread = float(hu[inside].std())
    return difference, difference / spread if spread > 0 else np.nan


def phantom_slices() -> list[tuple[np.ndarray, np.ndarray, Window]]:
    """(HU, lesion mask, window) of every lesion slice of the sample phantom (edges by design)."""
    phantom = make_phantom()
    slices = []
    for z, labels in enumerate(phantom.labels):
        for label in np.unique(labels[labels > 0]):
            if (labels == label).sum() >= MIN_LESION_PX:
                slices.append((phantom.hu[z].astype(np.float32), labels == label, phantom.window))
    return slices


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="../shared/data")
    parser.add_argument("--split", default="val")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--phantom", action="store_true", help="the sample phantom instead")
    args = parser.parse_args()
    if args.phantom:
        name, slices = "phantom", phantom_slices()
    else:
        samples = load_samples([args.data], args.split, False, args.limit)
        name, slices = args.split, [(s.hu, s.target, s.window) for s in samples]
    outlines, disks, contrasts = [], [], []
    for hu, target, window in slices:
        gradient = ndi.gaussian_gradient_magnitude(apply_window(hu, window), GRADIENT_SIGMA_PX)
        disk = disk_union([RobotClicker(target).next_click()], target.shape)
        outlines.append(ring_profile(gradient, target))
        disks.append(ring_profile(gradient, disk))
        contrasts.append(contrast_hu(hu, target))
    print(f"{name}: {len(outlines)} lesion slices; gradient along the outline moved by k px")
    print(f"  {'k (px)':30s}" + "".join(f"{k:7d}" for k in SHIFTS_PX))
    for name, profiles in (("truth outline", outlines), ("robot's first disk (control)", disks)):
        table = np.stack(profiles)
        on_edge = np.abs(np.asarray(SHIFTS_PX)[np.nanargmax(table, axis=1)]) <= 1
        print(f"  {name:30s}" + "".join(f"{v:7.3f}" for v in np.nanmean(table, axis=0)))
        print(f"  {'':30s}strongest ring within 1 px on {on_edge.mean():.0%} of slices")
    difference, relative = np.asarray(contrasts).T
    print(
        f"  lesion - muscle-like tissue around it: median {np.nanmedian(difference):+.1f} HU, "
        f"median |difference| / lesion std {np.nanmedian(np.abs(relative)):.2f} "
        f"(quartiles {np.nanpercentile(np.abs(relative), 25):.2f}-"
        f"{np.nanpercentile(np.abs(relative), 75):.2f})"
    )


if __name__ == "__main__":
    main()
