"""Training data: CT slices of the train split in memory, lesion and structure objects, and the
generator of training views (numpy; runs in a DataLoader worker)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import IterableDataset, get_worker_info

from ..core.clicker import RobotClicker, largest_component
from ..core.clicks import Click
from ..core.geometry import Box, CropTransform, mask_box
from ..core.propagation import seed_click
from ..core.windowing import Window
from ..evaluation.samples import MIN_LESION_PX, case_files
from ..inference.crops import CropConfig, target_box
from ..inference.inputs import PAD_VALUE, image_channels
from ..io.npz import read_npz_case
from .augment import (
    choose_crop,
    contrast_lesion,
    jitter_window,
    optimal_crop_bounds,
    shrink_to_diameter,
    slice_augmenter,
)
from .config import TrainConfig
from .objects import StoredObject, slice_objects


@dataclass
class SliceStore:
    """Slices of one split: HU (int16), lesion ids, window and case name per slice."""

    hu: list[np.ndarray]
    lesions: list[np.ndarray]
    windows: list[Window]
    cases: list[str]

    @classmethod
    def load(cls, root: str | Path, split: str) -> SliceStore:
        store = cls([], [], [], [])
        for path in case_files([root], split):
            volume = read_npz_case(path)
            for z in range(volume.hu.shape[0]):
                store.hu.append(np.asarray(volume.hu[z]))
                store.lesions.append(np.asarray(volume.labels[z]))
                store.windows.append(volume.window)
                store.cases.append(Path(path).stem)
        return store

    def neighbours(self, i: int, lesion: int) -> list[int]:
        """Indices of the slices next to slice i, of its case, that hold `lesion`."""
        return [
            j
            for j in (i - 1, i + 1)
            if 0 <= j < len(self.hu)
            and self.cases[j] == self.cases[i]
            and (self.lesions[j] == lesion).any()
        ]

    def lesion_objects(self) -> list[tuple[int, int]]:
        """(slice index, lesion id) pairs with at least MIN_LESION_PX pixels."""
        pairs = []
        for i, labels in enumerate(self.lesions):
            for lesion in np.unique(labels):
                if lesion and (labels == lesion).sum() >= MIN_LESION_PX:
                    pairs.append((i, int(lesion)))
        return pairs

    def structure_objects(self, seed: int = 0, every: int = 4) -> list[StoredObject]:
        """Class-agnostic objects from every `every`-th slice (neighbours look alike)."""
        rng = np.random.default_rng(seed)
        found: list[StoredObject] = []
        for i in range(0, len(self.hu), every):
            found += slice_objects(i, self.hu[i], self.lesions[i] > 0, rng)
        return found


@dataclass
class View:
    """One training example in the network's crop frame (coarse size S; hi-res 2S)."""

    image: np.ndarray  # (C, S, S) float32 channels
    target: np.ndarray  # (S, S) bool
    image_hi: np.ndarray  # (C, 2S, 2S)
    target_hi: np.ndarray  # (2S, 2S) bool
    first_click: Click  # in crop pixels (S frame)
    static: bool  # plain clicks (fixed radius) for this sample
    static_radius: float  # the static radius in crop pixels
    prior: np.ndarray | None = None  # (S, S) float32: a propagation step's neighbour outline


DEFAULT_OPTIMAL_BOUNDS = (0.1, 0.5)


def val_optimal_bounds(config: TrainConfig) -> tuple[float, float]:
    """Optimal Crop bounds from the val split's object boxes (the thesis's recipe)."""
    store = SliceStore.load(config.data.root, config.data.val_split)
    boxes, shapes = [], []
    for labels in store.lesions:
        for lesion in np.unique(labels):
            box = mask_box(labels == lesion) if lesion else None
            if box is not None:
                boxes.append(box)
                shapes.append(labels.shape)
    return optimal_crop_bounds(boxes, shapes)


class ViewSampler:
    """Draws training views: object -> augment -> window -> first click -> crop."""

    def __init__(
        self,
        config: TrainConfig,
        store: SliceStore,
        structures: list[StoredObject],
        optimal_bounds: tuple[float, float] = DEFAULT_OPTIMAL_BOUNDS,
    ):
        """optimal_bounds: Optimal Crop's crop fractions (`val_optimal_bounds` in training)."""
        self.config = config
        self.store = store
        self.lesions = store.lesion_objects()
        self.structures = structures
        self.crop = CropConfig(**config.predictor.get("crop", {}))
        self.augmenter = slice_augmenter(config.augment)
        self.optimal_bounds = optimal_bounds

    def pick_object(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, Window]:
        if self.structures and rng.random() < self.config.data.structure_prob:
            obj = self.structures[int(rng.integers(len(self.structures)))]
            hu = self.store.hu[obj.slice_index]
            return hu, obj.full_mask(hu.shape), self.store.windows[obj.slice_index]
        i, lesion = self.lesions[int(rng.integers(len(self.lesions)))]
        hu, target = self.store.hu[i], self.store.lesions[i] == lesion
        contrast_prob = self.config.augment.contrast_prob
        if contrast_prob and rng.random() < contrast_prob:  # no draw when off: same stream
            hu = contrast_lesion(hu, target, rng)
        return hu, target, self.store.windows[i]

    def sample(self, rng: np.random.Generator) -> View:
        if rng.random() < self.config.data.propagation_prob:
            i, lesion = self.lesions[int(rng.integers(len(self.lesions)))]
            near = self.store.neighbours(i, lesion)
            if near:
                return self.propagation_step(i, near[int(rng.integers(len(near)))], lesion, rng)
        hu, target, window = self.pick_object(rng)
        out = self.augmenter(image=hu.astype(np.float32), mask=target.astype(np.uint8))
        hu, target = out["image"], out["mask"] > 0
        if not target.any():
            return self.sample(rng)
        aug = self.config.augment
        if rng.random() < aug.tiny_prob:
            hu, target = shrink_to_diameter(hu, target, rng)
        hu = self._noisy(hu, rng)
        channels = image_channels(hu, jitter_window(aug, window, rng))
        clicks_cfg = self.config.clicks
        static = rng.random() < clicks_cfg.static_prob
        placement = "random" if rng.random() < clicks_cfg.random_placement_prob else "center"
        radius = "static" if static else "distributed"
        clicker = RobotClicker(
            target,
            radius=radius,
            static_radius=self.crop.static_radius,
            rng=rng,
            spread=clicks_cfg.spread,
            placement=placement,
        )
        first = clicker.next_click(None)
        object_box = mask_box(largest_component(target)) or Box(0, 0, *target.shape)
        box = choose_crop(
            aug.crop_strategy,
            first,
            object_box,
            target.shape,
            self.crop,
            aug,
            rng,
            self.optimal_bounds,
        )
        coarse, fine = self._frames(box)
        image = coarse.crop(channels, PAD_VALUE)
        view_target = coarse.crop(target.astype(np.float32)) > 0.5
        first_crop = coarse.click_to_crop(first)
        static_radius = self._static_radius(coarse)
        if aug.crop_strategy != "click" or not view_target.any():
            # the thesis strategies click after cropping, on what the crop shows
            if not view_target.any():
                return self.sample(rng)
            crop_clicker = RobotClicker(
                view_target,
                radius=radius,
                static_radius=static_radius,
                rng=rng,
                spread=clicks_cfg.spread,
                placement=placement,
            )
            first_crop = crop_clicker.next_click(None)
        return View(
            image=image,
            target=view_target,
            image_hi=fine.crop(channels, PAD_VALUE),
            target_hi=fine.crop(target.astype(np.float32)) > 0.5,
            first_click=first_crop,
            static=static,
            static_radius=static_radius,
        )

    def _noisy(self, hu: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """With `noise_prob`, the slice plus Gaussian HU noise of std U(5, 30) HU."""
        aug = self.config.augment
        if aug.noise_prob and rng.random() < aug.noise_prob:
            hu = hu + rng.normal(0.0, rng.uniform(5.0, 30.0), hu.shape).astype(np.float32)
        return hu

    def _frames(self, box: Box) -> tuple[CropTransform, CropTransform]:
        """The crop `box` (slice pixels) at the network's size and at twice it (refiner)."""
        size = self.crop.net_size
        return CropTransform(box, size, size), CropTransform(box, 2 * size, 2 * size)

    def _static_radius(self, coarse: CropTransform) -> float:
        """A plain click's radius in crop pixels; it scales by the mean axis factor, as
        click_to_crop scales every click, so all static clicks of a sample share one radius."""
        return self.crop.static_radius * float(np.mean(coarse.scale))

    def propagation_step(self, i: int, j: int, lesion: int, rng: np.random.Generator) -> View:
        """Slice i's lesion, predicted from its outline on neighbouring slice j as the widget's
        propagation asks a learned model: that outline as the prior, its inscribed disk as the
        click, the crop the predictor takes around both."""
        masks = np.stack([self.store.lesions[i] == lesion, self.store.lesions[j] == lesion], -1)
        out = self.augmenter(image=self.store.hu[i].astype(np.float32), mask=masks.astype(np.uint8))
        hu, target, neighbour = out["image"], out["mask"][..., 0] > 0, out["mask"][..., 1] > 0
        first = seed_click(neighbour, inscribed=True)
        if first is None or not target.any():
            return self.sample(rng)
        aug = self.config.augment
        hu = self._noisy(hu, rng)
        channels = image_channels(hu, jitter_window(aug, self.store.windows[i], rng))
        box = target_box(neighbour, [first], self.crop)
        coarse, fine = self._frames(box)
        view_target = coarse.crop(target.astype(np.float32)) > 0.5
        if not view_target.any():
            return self.sample(rng)
        return View(
            image=coarse.crop(channels, PAD_VALUE),
            target=view_target,
            image_hi=fine.crop(channels, PAD_VALUE),
            target_hi=fine.crop(target.astype(np.float32)) > 0.5,
            first_click=coarse.click_to_crop(first),
            static=False,
            static_radius=self._static_radius(coarse),
            prior=np.clip(coarse.crop(neighbour.astype(np.float32), 0.0), 0.0, 1.0),
        )


class ViewStream(IterableDataset):
    """An endless stream of views; each DataLoader worker gets its own random stream."""

    def __init__(self, sampler: ViewSampler, seed: int) -> None:
        self.sampler = sampler
        self.seed = seed

    def __iter__(self) -> Iterator[View]:
        info = get_worker_info()
        worker = info.id if info is not None else 0
        rng = np.random.default_rng([self.seed, worker, torch.initial_seed() % (2**31)])
        while True:
            yield self.sampler.sample(rng)
