"""A procedural chest/abdomen CT phantom with lesions and their ground truth (numpy only).

The phantom is the plugin's sample data and the demo's test case: an elliptical body in air, a
fat rim around soft tissue, two lungs with vessels, a liver-like organ, a spine and ribs, Gaussian
noise, and a few ellipsoid lesions of several sizes and contrasts. It is seeded, so every call
with the same arguments returns the same arrays.

Axis order is (z, y, x) in voxels; spacing is (z, y, x) in mm; values are Hounsfield units.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .windowing import DEFAULT_WINDOW, Window

PHANTOM_SHAPE = (24, 256, 256)
PHANTOM_SPACING_MM = (3.0, 0.8, 0.8)

HU_AIR = -1000.0
HU_FAT = -100.0
HU_SOFT_TISSUE = 40.0
HU_LUNG = -850.0
HU_LIVER = 60.0
HU_BONE_MARROW = 400.0
HU_CORTICAL_BONE = 1000.0
NOISE_SD_HU = 15.0


@dataclass(frozen=True)
class Lesion:
    """One ellipsoid lesion: centre (z, y, x) and semi-axes (z, y, x) in voxels, mean HU."""

    label: int
    name: str
    center: tuple[float, float, float]
    semi_axes: tuple[float, float, float]
    hu: float


@dataclass(frozen=True)
class Phantom:
    """The phantom volume and its truth.

    hu: int16 (Z, Y, X) Hounsfield units. labels: uint8 (Z, Y, X) lesion ids (0 = none).
    spacing_mm: (z, y, x). window: the suggested display window (soft tissue).
    """

    hu: np.ndarray
    labels: np.ndarray
    spacing_mm: tuple[float, float, float]
    window: Window
    lesions: tuple[Lesion, ...]


def default_lesions(shape: tuple[int, int, int] = PHANTOM_SHAPE) -> tuple[Lesion, ...]:
    """Four lesions placed for the default body layout, scaled to `shape`.

    A small lung nodule, a lung mass, a hypodense liver lesion and a large enhancing soft-tissue
    mass: in-plane radii from about 6 to 36 pixels at 256 x 256, and several contrasts.
    """
    z, h, w = shape
    fy, fx, fz = h / 256.0, w / 256.0, z / 24.0
    return (
        Lesion(1, "lung nodule", (8 * fz, 100 * fy, 70 * fx), (2.2 * fz, 7 * fy, 7 * fx), 30.0),
        Lesion(2, "lung mass", (12 * fz, 105 * fy, 182 * fx), (3.5 * fz, 17 * fy, 14 * fx), 20.0),
        Lesion(
            3, "liver lesion", (15 * fz, 170 * fy, 90 * fx), (3.0 * fz, 11 * fy, 13 * fx), -20.0
        ),
        Lesion(
            4,
            "soft-tissue mass",
            (13 * fz, 172 * fy, 175 * fx),
            (5.0 * fz, 30 * fy, 36 * fx),
            130.0,
        ),
    )


def _ellipse(shape: tuple[int, int], cy: float, cx: float, ry: float, rx: float) -> np.ndarray:
    """Bool (H, W) mask of pixels whose centre lies inside the ellipse (pixels)."""
    yy = (np.arange(shape[0], dtype=np.float32)[:, None] - cy) / ry
    xx = (np.arange(shape[1], dtype=np.float32)[None, :] - cx) / rx
    return yy * yy + xx * xx <= 1.0


def _ellipsoid(shape: tuple[int, int, int], lesion: Lesion) -> np.ndarray:
    """Bool (Z, Y, X) mask of voxels whose centre lies inside the lesion's ellipsoid."""
    cz, cy, cx = lesion.center
    rz, ry, rx = lesion.semi_axes
    zz = ((np.arange(shape[0], dtype=np.float32) - cz) / rz)[:, None, None]
    yy = ((np.arange(shape[1], dtype=np.float32) - cy) / ry)[None, :, None]
    xx = ((np.arange(shape[2], dtype=np.float32) - cx) / rx)[None, None, :]
    return zz * zz + yy * yy + xx * xx <= 1.0


def _anatomy_slice(shape: tuple[int, int], z_frac: float, vessels: np.ndarray) -> np.ndarray:
    """One noise-free slice in HU: air, body with fat rim, lungs with vessels, liver, bones.

    z_frac in [0, 1] moves through the volume; the lungs shrink and the liver grows with it, as
    going from chest to upper abdomen. vessels: (N, 3) rows of (y, x, radius) in pixels.
    """
    h, w = shape
    fy, fx = h / 256.0, w / 256.0
    out = np.full(shape, HU_AIR, dtype=np.float32)
    body = _ellipse(shape, 128 * fy, 128 * fx, 100 * fy, 122 * fx)
    inner = _ellipse(shape, 128 * fy, 128 * fx, 92 * fy, 114 * fx)
    out[body] = HU_FAT
    out[inner] = HU_SOFT_TISSUE
    lung_scale = 1.0 - 0.35 * z_frac
    for cx in (72.0, 184.0):
        lung = _ellipse(shape, 105 * fy, cx * fx, 48 * fy * lung_scale, 36 * fx * lung_scale)
        out[lung & inner] = HU_LUNG
    for vy, vx, vr in vessels:
        vessel = _ellipse(shape, vy * fy, vx * fx, vr * fy, vr * fx)
        out[vessel & (out == HU_LUNG)] = HU_SOFT_TISSUE
    liver_scale = 0.6 + 0.4 * z_frac
    liver = _ellipse(shape, 172 * fy, 88 * fx, 32 * fy * liver_scale, 40 * fx * liver_scale)
    out[liver & inner] = HU_LIVER
    spine = _ellipse(shape, 200 * fy, 128 * fx, 14 * fy, 15 * fx)
    marrow = _ellipse(shape, 200 * fy, 128 * fx, 10 * fy, 11 * fx)
    out[spine] = HU_CORTICAL_BONE
    out[marrow] = HU_BONE_MARROW
    for angle in np.linspace(0.35, np.pi - 0.35, 6):
        for side in (-1.0, 1.0):
            ry = 128 * fy + 95 * fy * np.sin(angle) * 0.85 - 10 * fy
            rx = 128 * fx + side * 112 * fx * np.cos(angle) * 0.97
            rib = _ellipse(shape, ry, rx, 3.5 * fy, 5 * fx)
            out[rib & body] = 0.5 * (HU_BONE_MARROW + HU_CORTICAL_BONE)
    return out


def make_phantom(
    shape: tuple[int, int, int] = PHANTOM_SHAPE,
    spacing_mm: tuple[float, float, float] = PHANTOM_SPACING_MM,
    seed: int = 0,
    noise_sd_hu: float = NOISE_SD_HU,
    lesions: tuple[Lesion, ...] | None = None,
) -> Phantom:
    """Build the phantom: int16 HU volume, uint8 lesion labels, spacing and window.

    shape: (Z, Y, X) voxels; the anatomy scales with Y and X, so small shapes (e.g. 8 x 96 x 96)
    make fast test volumes. Lesions default to `default_lesions(shape)`; each lesion's voxels
    get its HU (lesions later in the tuple win where they overlap).
    """
    rng = np.random.default_rng(seed)
    lesions = default_lesions(shape) if lesions is None else lesions
    n_vessels = 14
    vessel_y = rng.uniform(75, 135, n_vessels)
    vessel_x = np.concatenate(
        [rng.uniform(45, 100, n_vessels // 2), rng.uniform(156, 211, n_vessels - n_vessels // 2)]
    )
    vessel_r = rng.uniform(1.2, 2.8, n_vessels)
    drift = rng.normal(0.0, 0.8, (shape[0], n_vessels, 2)).cumsum(axis=0)

    hu = np.empty(shape, dtype=np.float32)
    for z in range(shape[0]):
        vessels = np.stack([vessel_y + drift[z, :, 0], vessel_x + drift[z, :, 1], vessel_r], axis=1)
        hu[z] = _anatomy_slice(shape[1:], z / max(shape[0] - 1, 1), vessels)

    labels = np.zeros(shape, dtype=np.uint8)
    for lesion in lesions:
        inside = _ellipsoid(shape, lesion)
        hu[inside] = lesion.hu
        labels[inside] = lesion.label

    hu += rng.normal(0.0, noise_sd_hu, shape).astype(np.float32)
    hu_int16 = np.clip(np.rint(hu), -1024, 3071).astype(np.int16)
    return Phantom(
        hu=hu_int16,
        labels=labels,
        spacing_mm=tuple(float(s) for s in spacing_mm),  # type: ignore[arg-type]
        window=DEFAULT_WINDOW,
        lesions=tuple(lesions),
    )
