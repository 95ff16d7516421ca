"""`everyclick train`: the resumable CPU training loop.

Per run folder `runs/NAME/` (git-ignored): log.csv (loss per logged step), val.csv (validation
on a fixed val subset, through the same predictor and robot clicker as `everyclick evaluate`),
curves.png, checkpoint.pt (model + optimiser + scheduler + counters, at least every
`checkpoint_minutes`; loaded with weights_only=True) and the best weights so far as
NAME.safetensors + NAME.json (a model card ready to copy into weights/). With
`optim.average_decay` set, validation and the exported weights use the moving average of the
weights instead of the raw ones. With `calibrate`, each validation first chooses the listed
first-click settings by click-1 IoU (a drag's disk blend, a plain click's threshold: a checkpoint
is judged with the settings that suit it, not those of the weights it started from), and the
exported card carries the chosen ones.
"""

from __future__ import annotations

import copy
import csv
import dataclasses
import json
import time
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader
from tqdm import tqdm

from ..core.classical.disk import DiskSegmenter
from ..evaluation.runner import evaluate_segmenter
from ..evaluation.samples import Sample, contrasted_samples, iter_samples
from ..inference.factory import behind_handover, handover_rule, make_predictor
from ..inference.predictor import ClickPredictor, PredictorConfig
from ..models.build import build_model, net_config
from .averaging import WeightAverage
from .config import TrainConfig, load_config
from .curves import plot_run
from .data import (
    DEFAULT_OPTIMAL_BOUNDS,
    SliceStore,
    ViewSampler,
    ViewStream,
    val_optimal_bounds,
)
from .export import init_from as load_init
from .export import write_model
from .steps import train_step

LOG_EVERY = 10
MAX_CONSECUTIVE_FAILURES = 20
# first-click predictor settings a run may calibrate, and the robot radius whose click 1 they
# govern: a drag's blend with its disk, a plain click's threshold
CALIBRATED = {"first_drag_disk_weight": "avg", "first_plain_click_threshold": "static"}


class Validator:
    """Validation on a fixed, evenly spaced val subset with the evaluation CLI's own loop."""

    def __init__(self, config: TrainConfig) -> None:
        self.config = config
        self.predictor_config = PredictorConfig.from_dict(config.predictor)  # bad values: now
        self.handover = handover_rule(config.handover)
        unknown = set(config.calibrate) - set(CALIBRATED)
        if unknown:
            raise ValueError(
                f"calibrate: unknown settings {', '.join(sorted(unknown))} "
                f"(known: {', '.join(CALIBRATED)})"
            )
        for key, values in config.calibrate.items():  # every candidate must be usable
            for value in values:
                dataclasses.replace(self.predictor_config, **{key: value})
        samples = list(iter_samples([config.data.root], config.data.val_split))
        if config.val_samples and len(samples) > config.val_samples:
            idx = np.linspace(0, len(samples) - 1, config.val_samples).round().astype(int)
            samples = [samples[i] for i in idx]
        self.samples: list[Sample] = samples
        contrast = config.val_lesion_contrast
        self.contrasted = None if contrast is None else contrasted_samples(samples, *contrast)
        disk = evaluate_segmenter(DiskSegmenter(), samples, 1, "avg", progress=False)
        self.disk_iou1 = np.array([row.ious[0] for row in disk.rows])

    def __call__(self, model: torch.nn.Module) -> dict[str, float]:
        """IoU@1 and IoU@k (avg and static radius), the share of samples where click 1 beats
        the disk it was given, median latency, and the selection score."""
        cfg = self.config
        predictor = make_predictor(
            cfg.name,
            cfg.kind,
            copy.deepcopy(model),
            self.predictor_config,
            "cpu",
        )
        metrics: dict[str, float] = {"disk_iou1_avg": float(self.disk_iou1.mean())}
        for key, values in cfg.calibrate.items():
            metrics[key] = self.calibrate(predictor, key, values)
        k = cfg.val_clicks
        segmenter = behind_handover(predictor, self.handover)
        for radius in ("avg", "static"):
            rows = evaluate_segmenter(segmenter, self.samples, k, radius, progress=False).rows
            ious = np.array([row.ious for row in rows])
            metrics[f"iou1_{radius}"] = float(ious[:, 0].mean())
            metrics[f"iou{k}_{radius}"] = float(ious[:, -1].mean())
            if radius == "avg":
                metrics["beats_disk_share"] = float((ious[:, 0] > self.disk_iou1).mean())
                metrics["latency_ms"] = float(np.median([t for r in rows for t in r.latency_ms]))
        score = (
            0.4 * metrics["iou1_avg"]
            + 0.2 * metrics[f"iou{k}_avg"]
            + 0.2 * metrics["iou1_static"]
            + 0.2 * metrics[f"iou{k}_static"]
        )
        if self.contrasted is not None:
            rows = evaluate_segmenter(segmenter, self.contrasted, 1, "avg", progress=False).rows
            metrics["iou1_avg_contrast"] = float(np.mean([row.ious[0] for row in rows]))
            score = (score + 0.2 * metrics["iou1_avg_contrast"]) / 1.2
        metrics["score"] = float(score)
        return metrics

    def settings(self, metrics: dict[str, float]) -> PredictorConfig:
        """The predictor settings a validation scored with: the config's, with the values its
        calibration chose (recorded in its metrics)."""
        chosen = {key: metrics[key] for key in self.config.calibrate}
        return dataclasses.replace(self.predictor_config, **chosen)

    def calibrate(self, predictor: ClickPredictor, key: str, values: list[float]) -> float:
        """Set the predictor's first-click setting `key` to the value among `values` with the
        best mean click-1 IoU on the val samples (the first on ties); return it."""
        best, best_iou = values[0], -1.0
        for value in values:
            predictor.config = dataclasses.replace(predictor.config, **{key: value})
            rows = evaluate_segmenter(predictor, self.samples, 1, CALIBRATED[key], progress=False)
            mean_iou = float(np.mean([row.ious[0] for row in rows.rows]))
            if mean_iou > best_iou:
                best, best_iou = value, mean_iou
        predictor.config = dataclasses.replace(predictor.config, **{key: best})
        return float(best)


def trim_csv(path: Path, max_step: int) -> None:
    """Drop rows logged after `max_step` (a resumed run repeats the steps after its checkpoint)."""
    if not path.exists():
        return
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    if not rows:
        return
    kept = [r for r in rows if int(float(r["step"])) <= max_step]
    with open(path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(kept)


def append_csv(path: Path, row: dict[str, float]) -> None:
    """Append `row`; a row with columns the file lacks (a run resumed with another config)
    rewrites the file with the new columns added, left empty in the older rows."""
    fields: list[str] = []
    if path.exists():
        with open(path, newline="") as fh:
            fields = list(csv.DictReader(fh).fieldnames or [])
    added = [key for key in row if key not in fields]
    if fields and added:
        with open(path, newline="") as fh:
            rows = list(csv.DictReader(fh))
        with open(path, "w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=fields + added)
            writer.writeheader()
            writer.writerows(rows)
    with open(path, "a", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields + added)
        if not fields:
            writer.writeheader()
        writer.writerow(row)


class Run:
    """Model, optimiser, scheduler and counters of one named run, saved and restored whole."""

    def __init__(self, config: TrainConfig) -> None:
        self.config = config
        self.folder = Path(config.out) / config.name
        self.folder.mkdir(parents=True, exist_ok=True)
        self.model = build_model(config.kind, net_config(config.architecture))
        self.model = self.model.to(memory_format=torch.channels_last)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=config.optim.lr)
        self.scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(
            self.optimizer,
            mode="max",
            factor=config.optim.plateau_factor,
            patience=config.optim.plateau_patience,
        )
        decay = config.optim.average_decay
        self.average = WeightAverage(self.model, decay) if decay else None
        self.step = 0
        self.minutes = 0.0  # cumulative training wall time over all invocations
        self.best_score = -1.0
        self.since_best = 0
        self.best_metrics: dict[str, float] = {}
        self.started_from: dict = {}  # the run whose weights this one started from (--init-from)

    @property
    def selected(self) -> torch.nn.Module:
        """The weights validated and exported: the moving average when the run keeps one."""
        return self.average.model if self.average else self.model

    def after_step(self) -> None:
        if self.average:
            self.average.update(self.model)

    @property
    def checkpoint_path(self) -> Path:
        return self.folder / "checkpoint.pt"

    def save_checkpoint(self) -> None:
        state = {
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(),
            "step": self.step,
            "minutes": self.minutes,
            "best_score": self.best_score,
            "since_best": self.since_best,
            "best_metrics": self.best_metrics,
            "started_from": self.started_from,
        }
        if self.average:
            state["average"] = self.average.state_dict()
        tmp = self.checkpoint_path.with_suffix(".tmp")
        torch.save(state, tmp)
        tmp.replace(self.checkpoint_path)

    def load_checkpoint(self) -> None:
        state = torch.load(self.checkpoint_path, map_location="cpu", weights_only=True)
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        self.step = int(state["step"])
        self.minutes = float(state["minutes"])
        self.best_score = float(state["best_score"])
        self.since_best = int(state["since_best"])
        self.best_metrics = dict(state["best_metrics"])
        self.started_from = dict(state.get("started_from", {}))
        if self.average and "average" in state:
            self.average.load_state_dict(state["average"])
        elif self.average:  # a checkpoint of a run without one: average from here on
            self.average.reset(self.model)

    def export_best(self, metrics: dict[str, float], predictor: PredictorConfig) -> Path:
        cfg = self.config
        return write_model(
            self.selected,
            self.folder,
            cfg.name,
            cfg.kind,
            net_config(cfg.architecture).to_dict(),
            predictor.to_dict(),
            handover=cfg.handover,
            training={
                "config": cfg.to_dict(),
                "steps": self.step,
                "cpu_minutes": round(self.minutes, 1),
                "threads": torch.get_num_threads(),
                "samples_seen": self.step * cfg.optim.batch_size,
                "started_from": self.started_from,
                "total_cpu_minutes": round(
                    self.minutes + self.started_from.get("total_cpu_minutes", 0.0), 1
                ),
            },
            metrics={"val_subset_during_training": metrics},
            static_prob=cfg.clicks.static_prob,
        )


def lineage(weights: Path) -> dict:
    """What a run started from: the weights path and, from the card beside them, the name,
    sha256, steps and total CPU minutes behind them (so a card counts all the training it
    holds), and the two parents when the start was made by `everyclick interpolate` (its steps
    are then the end parent's)."""
    info: dict = {"weights": str(weights)}
    card = weights.with_suffix(".json")
    if card.is_file():
        data = json.loads(card.read_text())
        training = data.get("training", {})
        info["name"] = data.get("name")
        info["sha256"] = data.get("sha256")
        info["steps"] = training.get("steps")
        info["total_cpu_minutes"] = training.get(
            "total_cpu_minutes", training.get("cpu_minutes", 0.0)
        )
        if "interpolation" in training:
            info["interpolation"] = training["interpolation"]
    return info


def warm_up(optimizer: torch.optim.Optimizer, step: int, lr: float, warmup_steps: int) -> None:
    """Set the learning rate of training step `step` (0-based) during a linear warm-up.

    A fresh Adam moves every weight by about lr in its first steps, whatever the gradient's
    size; on weights that start from a converged run (--init-from) that is a jolt. After the
    warm-up the rate is left alone, so the plateau scheduler's reductions stand.
    """
    if step < warmup_steps:
        for group in optimizer.param_groups:
            group["lr"] = lr * (step + 1) / warmup_steps


def validate(run: Run, validator: Validator) -> dict[str, float]:
    """Validate the run's model: a val.csv row, the best weights exported when it improved."""
    metrics = validator(run.selected)
    append_csv(
        run.folder / "val.csv", {"step": run.step, "minutes": round(run.minutes, 2), **metrics}
    )
    if metrics["score"] > run.best_score:
        run.best_score, run.since_best, run.best_metrics = metrics["score"], 0, metrics
        run.export_best(metrics, validator.settings(metrics))
    else:
        run.since_best += 1
    plot_run(run.folder)
    tqdm.write(f"step {run.step}: " + ", ".join(f"{k} {v:.3f}" for k, v in metrics.items()))
    return metrics


def train(config: TrainConfig, resume: bool = False, init_from: str | None = None) -> Path:
    """Train until the time budget, max_steps or early stopping; return the run folder."""
    if config.threads:
        torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)
    validator = Validator(config)  # first: a bad predictor setting fails before any training
    run = Run(config)
    if resume and run.checkpoint_path.exists():
        run.load_checkpoint()
        for name in ("log.csv", "val.csv"):
            trim_csv(run.folder / name, run.step)
        for group in run.optimizer.param_groups:  # a lower lr in the config caps the restored one
            group["lr"] = min(group["lr"], config.optim.lr)
        print(f"resumed {run.folder} at step {run.step} ({run.minutes:.1f} min trained)")
    elif init_from:
        left = load_init(run.model, init_from)
        run.started_from = lineage(Path(init_from))
        if run.average:
            run.average.reset(run.model)
        print(f"initialised from {init_from} ({len(left)} tensors left at their initial values)")
    (run.folder / "config.json").write_text(json.dumps(config.to_dict(), indent=1))
    store = SliceStore.load(config.data.root, config.data.train_split)
    structures = store.structure_objects(config.seed) if config.data.structure_prob > 0 else []
    bounds = DEFAULT_OPTIMAL_BOUNDS
    if config.augment.crop_strategy == "optimal":
        bounds = val_optimal_bounds(config)
    sampler = ViewSampler(config, store, structures, bounds)
    print(
        f"train: {len(store.hu)} slices, {len(sampler.lesions)} lesion objects, "
        f"{len(structures)} structure objects"
    )
    loader = DataLoader(
        ViewStream(sampler, config.seed + run.step),
        batch_size=config.optim.batch_size,
        num_workers=config.workers,
        collate_fn=list,
        persistent_workers=config.workers > 0,
    )
    rng = np.random.default_rng([config.seed, run.step])
    device = torch.device("cpu")
    start = time.perf_counter()
    base_minutes = run.minutes
    last_ckpt = last_val = start
    validated_step = run.step if run.best_score >= 0 else -1
    stop_reason = "time budget"
    bar = tqdm(desc=config.name, unit="step", initial=run.step)
    run.model.train()
    failures = 0
    for views in loader:
        try:
            result = train_step(run.model, views, config, rng, device)
            run.optimizer.zero_grad(set_to_none=True)
            result.loss.backward()
            warm_up(run.optimizer, run.step, config.optim.lr, config.optim.warmup_steps)
            run.optimizer.step()
            run.after_step()
            failures = 0
        except (ValueError, RuntimeError) as exc:  # one bad batch must not end hours of training
            failures += 1
            tqdm.write(f"step {run.step}: batch skipped ({type(exc).__name__}: {exc})")
            if failures >= MAX_CONSECUTIVE_FAILURES:
                raise
            continue
        run.step += 1
        now = time.perf_counter()
        run.minutes = base_minutes + (now - start) / 60.0
        bar.update(1)
        if run.step % LOG_EVERY == 0:
            row = {"step": run.step, "minutes": round(run.minutes, 2), **result.parts}
            row["lr"] = run.optimizer.param_groups[0]["lr"]
            append_csv(run.folder / "log.csv", row)
            bar.set_postfix(loss=f"{result.parts['loss']:.3f}", best=f"{run.best_score:.3f}")
        if now - last_val >= config.val_every_minutes * 60:
            metrics = validate(run, validator)
            run.scheduler.step(metrics["score"])
            validated_step = run.step
            last_val = time.perf_counter()
        if now - last_ckpt >= config.checkpoint_minutes * 60:
            run.save_checkpoint()
            last_ckpt = now
        if config.max_steps and run.step >= config.max_steps:
            stop_reason = "max_steps"
            break
        if run.since_best >= config.optim.early_stop:
            stop_reason = "early stopping"
            break
        if (time.perf_counter() - start) / 60.0 >= config.minutes:
            break
    bar.close()
    if run.step != validated_step:  # the steps since the last validation are not thrown away
        validate(run, validator)
    run.save_checkpoint()
    plot_run(run.folder)
    print(
        f"stopped ({stop_reason}) at step {run.step}, {run.minutes:.1f} min; best score {run.best_score:.4f}"
    )
    return run.folder


def train_from_config(path: str, resume: bool = False, init_from: str | None = None) -> int:
    """CLI entry: load the JSON config and train."""
    train(load_config(path), resume=resume, init_from=init_from)
    return 0
