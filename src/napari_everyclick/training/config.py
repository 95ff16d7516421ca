"""Training configuration: one JSON file per run (see configs/ in the repository)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any


@dataclass
class DataConfig:
    root: str = "../shared/data"  # folder with manifest.json; relative to the working directory
    train_split: str = "train"
    val_split: str = "val"
    structure_prob: float = 0.3  # share of class-agnostic objects (bone, fat, muscle, superpixels)
    # share of lesion views that are a propagation step: the prior is the lesion's outline on a
    # neighbouring slice, seeded with its inscribed disk and cropped as core.propagation and the
    # predictor do, the target the lesion on this slice
    propagation_prob: float = 0.0


@dataclass
class AugmentConfig:
    crop_strategy: str = "click"  # click | ritm | focalclick | optimal
    crop_jitter: float = 0.25  # click crops: side x U(1/(1+j), 1+j), shift up to j/2 of the side
    flips: bool = True
    affine_prob: float = 0.5  # rotation +-20 deg, scale 0.8..1.25 (albumentations Affine)
    tiny_prob: float = 0.15  # shrink the slice so the object's diameter is 5..30 px
    other_window_prob: float = 0.3  # a window of another anatomy instead of soft tissue
    noise_prob: float = 0.0  # additive Gaussian HU noise
    # share of lesion views whose lesion is made +-U(20, 150) HU brighter or darker than its
    # surroundings, outline unchanged (core.geometry.contrast_object): our sarcomas hardly
    # differ from muscle, so without it a network never sees a lesion edge it could follow
    contrast_prob: float = 0.0


@dataclass
class ClickConfig:
    sampler: str = "iterative"  # iterative (thesis, n ~ decay^(n-1)) | multipoint (RITM)
    static_prob: float = 0.4  # hybrid: share of samples with plain (static radius) clicks
    max_clicks: int = 10
    decay: float = 0.7
    random_placement_prob: float = (
        0.5  # clicks anywhere deep inside the error, not only at the centre
    )
    spread: float = 0.1  # dynamic radius ~ U[tight (1 - s), enclosing (1 + s)]


@dataclass
class OptimConfig:
    lr: float = 5e-4  # on --resume, a lower value here caps the restored learning rate
    batch_size: int = 16
    plateau_patience: int = 4  # validations without a new best before the lr drops
    plateau_factor: float = 0.3
    early_stop: int = 12  # validations without a new best before stopping
    aux_weight: float = 0.4
    iou_weight: float = 0.0  # soft IoU loss on the main output, per sample (0: off, as RITM)
    iou_first_click_only: bool = False  # soft IoU only when n = 1 (no simulated click)
    average_decay: float = 0.0  # validate and ship an EMA of the weights (0: the raw weights)
    warmup_steps: int = 0  # lr rises linearly from lr / warmup_steps to lr over a run's first steps


@dataclass
class TrainConfig:
    name: str
    kind: str = "focalclick"  # focalclick | ritm
    architecture: dict[str, Any] = field(default_factory=dict)
    predictor: dict[str, Any] = field(default_factory=dict)
    data: DataConfig = field(default_factory=DataConfig)
    augment: AugmentConfig = field(default_factory=AugmentConfig)
    clicks: ClickConfig = field(default_factory=ClickConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)
    minutes: float = 120.0  # wall-time budget of this invocation
    max_steps: int | None = None
    val_every_minutes: float = 10.0
    val_samples: int = 80
    val_clicks: int = 5
    # also score click 1 (avg radius) on the val samples with each lesion +-MIN..MAX HU
    # (`everyclick evaluate --lesion-contrast`); it then weighs 0.2 in the score, which is
    # divided by 1.2 to stay a mean (None: not measured, the score as before)
    val_lesion_contrast: list[float] | None = None
    # first-click settings chosen at each validation, by click-1 IoU on the val samples (see
    # training/loop.py CALIBRATED), e.g. {"first_plain_click_threshold": [0.3, 0.4, 0.5]}; the
    # chosen values go into the val.csv row and into the exported card's predictor settings
    calibrate: dict[str, list[float]] = field(default_factory=dict)
    # the exported card's hand-over to a classical method (core/handover.py, e.g. {"refiner":
    # "flood", "drag_clicks": 2, "plain_clicks": 8}); validation scores the network behind it
    handover: dict[str, Any] | None = None
    checkpoint_minutes: float = 5.0
    threads: int = 0  # 0: all cores
    workers: int = 1
    seed: int = 0
    out: str = "runs"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _build(cls: type, values: dict[str, Any]) -> Any:
    known = {f.name: f for f in fields(cls)}
    unknown = set(values) - set(known)
    if unknown:
        raise ValueError(f"unknown {cls.__name__} keys: {', '.join(sorted(unknown))}")
    kwargs = {}
    for key, value in values.items():
        default = known[key].default_factory if callable(known[key].default_factory) else None
        sample = default() if default is not None else None
        kwargs[key] = _build(type(sample), value) if is_dataclass(sample) else value
    return cls(**kwargs)


def load_config(path: str | Path) -> TrainConfig:
    """Read a TrainConfig from JSON; unknown keys are an error (typos must not pass silently)."""
    return _build(TrainConfig, json.loads(Path(path).read_text()))
