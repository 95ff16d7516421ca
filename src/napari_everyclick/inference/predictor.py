"""The learned segmenters: RITM and FocalClick predictors behind the Segmenter interface.

Both follow one path per click: previous probability -> prior (newest disk painted in) -> target
crop -> network -> probability pasted back over the prior. FocalClick then redraws the focus
crop with its refiner. Everything is in slice pixels (y, x) until a CropTransform maps it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

from ..core.clicks import Click
from ..core.disks import disk_maps, paint_disk
from ..core.geometry import Box, CropTransform
from ..core.probability import THRESHOLD, agree_with, rethreshold, sigmoid, smoothed_region
from ..core.segmenter import Prediction, PreparedSlice
from ..core.windowing import Window, apply_window
from .crops import CropConfig, FocusConfig, focus_box, target_box
from .inputs import PAD_VALUE, click_prior, crop_inputs, image_channels
from .merge import progressive_merge
from .runners import TorchRunner


@dataclass(frozen=True)
class PredictorConfig:
    """Inference settings a model card records; `flip` averages the coarse network's logits with
    those of its mirrored input (RITM's network, FocalClick's coarse one; twice its time)."""

    crop: CropConfig = field(default_factory=CropConfig)
    focus: FocusConfig = field(default_factory=FocusConfig)
    flip: bool = False
    progressive_merge: bool = False
    # After this many clicks only the focus crop around the last click changes (FocalClick's
    # refiner redraws it; RITM pastes its answer there); the rest keeps the previous answer.
    # 1 (every refinement is local) measured on val, avg radius, 20 clicks, against 10:
    # FocalClick IIE 0.1506 -> 0.1405, IoU@5 0.824 -> 0.833 (with Progressive Merge on top
    # 0.1437); RITM IIE 0.1383 -> 0.1341, IoU@20 0.885 -> 0.894 (docs/models.md).
    local_only_after: int = 1
    # Every click's centre, within this many slice pixels (0: the clicked pixel alone), ends up
    # on the click's side, clicks in order, as flood fill guarantees; None: the network decides.
    # Measured on val, avg radius, 20 clicks (FocalClick): IIE 0.1392 (None) -> 0.1336 (0),
    # 0.1382 (1.5 px), 0.1427 (3 px): a wider core cuts thin slivers (docs/models.md).
    click_core_px: float | None = 0.0
    # A first click that is a drag: its probability becomes (1 - w) x the network's + w x the
    # disk, the user's own statement of the object's size (the networks under-segment large
    # lesions). 0: the network alone. Measured on val (avg radius): w 0.2 took IoU@1 from 0.658
    # to 0.674 (FocalClick) and 0.637 to 0.675 (RITM); later clicks keep the network's answer.
    first_drag_disk_weight: float = 0.0
    # A first click that is a plain click (no size given): the network's probability is read
    # with this threshold (remapped piecewise-linearly so that it becomes 0.5 and the next
    # click's prior agrees with the mask). Measured on val (static radius, click 1): 0.35 took
    # IoU@1 from 0.471 to 0.557 (FocalClick), 0.3 from 0.361 to 0.575 (RITM).
    first_plain_click_threshold: float = THRESHOLD
    # The mask of a click's answer in the region it changed (the target crop; the focus box
    # once refinement is local) is read from its probability smoothed by a Gaussian of this
    # sigma (slice pixels) at the level that keeps the mask's area (probability.smoothed_region),
    # after the first-click settings above; the probability only moves across 0.5 where the
    # mask says so. The networks' answer follows the CT's pixel noise where it hovers near 0.5,
    # and the ragged contour it leaves is what later clicks fail to fix. 0: off. Measured on
    # val: docs/models.md "Inference settings".
    smoothing_sigma_px: float = 0.0

    def __post_init__(self) -> None:
        """Refuse values no click could use, so a bad card fails when it loads, not at the
        first click that reads the value."""
        problems = []
        if self.local_only_after < 0:
            problems.append(f"local_only_after must be >= 0, got {self.local_only_after}")
        if self.click_core_px is not None and self.click_core_px < 0:
            problems.append(f"click_core_px must be >= 0 or null, got {self.click_core_px}")
        if not 0.0 <= self.first_drag_disk_weight <= 1.0:
            problems.append(
                f"first_drag_disk_weight must lie in [0, 1], got {self.first_drag_disk_weight}"
            )
        if self.smoothing_sigma_px < 0:
            problems.append(f"smoothing_sigma_px must be >= 0, got {self.smoothing_sigma_px}")
        if not 0.0 < self.first_plain_click_threshold < 1.0:
            problems.append(
                "first_plain_click_threshold must lie in (0, 1), got "
                f"{self.first_plain_click_threshold}"
            )
        sizes = {
            "crop.net_size": self.crop.net_size,
            "crop.first_disk_ratio": self.crop.first_disk_ratio,
            "crop.static_radius": self.crop.static_radius,
            "focus.refine_size": self.focus.refine_size,
        }
        problems += [
            f"{key} must be > 0, got {value}" for key, value in sizes.items() if value <= 0
        ]
        if problems:
            raise ValueError("; ".join(problems))

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> PredictorConfig:
        """The settings a card or training config records; ValueError names any setting this
        code does not know (a misspelt one would otherwise be silently left at its default)."""
        data = dict(data)
        unknown = sorted(set(data) - set(cls.__dataclass_fields__))
        if unknown:
            raise ValueError(f"unknown predictor setting(s): {', '.join(unknown)}")
        crop = CropConfig(**data.pop("crop", {}))
        focus = FocusConfig(**data.pop("focus", {}))
        return cls(crop=crop, focus=focus, **data)


def pasted_answer(prior: np.ndarray, transform: CropTransform, logits: np.ndarray) -> np.ndarray:
    """The full-slice probability: the network's answer on the target crop pasted over the
    click prior (outside the crop the prior stands)."""
    probability = prior.copy()
    transform.paste(probability, sigmoid(logits))
    return probability


class ClickPredictor:
    """RITM: one network pass on the target crop per click."""

    refines = False  # whether `_finish` runs a refiner network (timed as its own stage)

    def __init__(
        self, name: str, runner: TorchRunner, config: PredictorConfig = PredictorConfig()
    ) -> None:
        self.name = name
        self.runner = runner
        self.config = config

    @property
    def device(self) -> str:
        """Where the network runs, for display (e.g. "cpu (ONNX Runtime)", "cuda")."""
        return self.runner.device_name

    def prepare(self, slice_hu: np.ndarray, window: Window) -> PreparedSlice:
        return PreparedSlice(
            hu=slice_hu,
            window=window,
            windowed=apply_window(slice_hu, window),
            extra={"channels": image_channels(slice_hu, window)},
        )

    def predict(
        self, image: PreparedSlice, clicks: Sequence[Click], previous: Prediction | None
    ) -> Prediction:
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        shape = image.shape
        if previous is not None and previous.probability is not None:
            prev_prob = previous.probability
        else:
            prev_prob = np.zeros(shape, dtype=np.float32)
        prev_mask = prev_prob > THRESHOLD
        prior = click_prior(prev_prob, clicks[-1])
        size = self.config.crop.net_size
        transform = CropTransform(target_box(prev_mask, clicks, self.config.crop), size, size)
        net_image, coords = crop_inputs(image.extra["channels"], prior, clicks, transform)
        t1 = time.perf_counter()
        logits, features = self.runner.coarse(net_image, coords, flip=self.config.flip)
        t2 = time.perf_counter()
        timings["preprocess"] = (t1 - t0) * 1e3
        timings["network"] = (t2 - t1) * 1e3
        probability, focus = self._finish(
            image, clicks, prev_prob, prev_mask, prior, transform, logits, features
        )
        if len(clicks) == 1:
            probability = self._first_answer(probability, prior, clicks[0])
        t3 = time.perf_counter()
        state = {"target_box": transform.box}
        if focus is not None:
            state["focus_box"] = focus
        if self.refines:
            timings["refiner"] = (t3 - t2) * 1e3
        if self.config.smoothing_sigma_px:
            self._smooth(probability, focus if self._local(clicks) else transform.box)
        mask = probability > THRESHOLD
        if self.config.progressive_merge and len(clicks) > 1:
            mask = progressive_merge(prev_mask, mask, clicks[-1])
            probability = agree_with(probability, mask)
        if self.config.click_core_px is not None:
            for click in clicks:
                paint_disk(probability, click.y, click.x, self.config.click_core_px, click.positive)
                paint_disk(mask, click.y, click.x, self.config.click_core_px, click.positive)
        timings["postprocess"] = (time.perf_counter() - t3) * 1e3
        timings["total"] = (time.perf_counter() - t0) * 1e3
        return Prediction(
            mask=mask,
            probability=probability,
            state=state,
            timings_ms=timings,
        )

    def _first_answer(self, probability: np.ndarray, prior: np.ndarray, click: Click) -> np.ndarray:
        """A first click's probability as the card calibrates it: a drag leans on its disk
        (`first_drag_disk_weight`), a plain click is read at `first_plain_click_threshold`."""
        if click.plain:
            threshold = self.config.first_plain_click_threshold
            return probability if threshold == THRESHOLD else rethreshold(probability, threshold)
        weight = self.config.first_drag_disk_weight
        if not weight:
            return probability
        return ((1.0 - weight) * probability + weight * prior).astype(np.float32)

    def _finish(
        self,
        image: PreparedSlice,
        clicks: Sequence[Click],
        prev_prob: np.ndarray,
        prev_mask: np.ndarray,
        prior: np.ndarray,
        transform: CropTransform,
        logits: np.ndarray,
        features: object,
    ) -> tuple[np.ndarray, Box | None]:
        """The full-slice probability: the crop's answer pasted over the prior; once there are
        more than `local_only_after` clicks, over the previous answer inside the focus box only
        (returned too)."""
        answer = pasted_answer(prior, transform, logits)
        if not self._local(clicks):
            return answer, None
        box = self._focus_box(prev_mask, answer, clicks, transform)
        probability = prev_prob.copy()
        probability[box.slices] = answer[box.slices]
        return probability, box

    def _smooth(self, probability: np.ndarray, changed: Box | None) -> None:
        """Read the mask inside the region this click changed from the area-keeping smoothed
        answer (`smoothing_sigma_px`); the probability there moves across THRESHOLD only where
        that mask says so, and nothing outside the region changes (in place)."""
        if changed is None:
            return
        smoothed = smoothed_region(probability, changed, self.config.smoothing_sigma_px)
        if smoothed is None:
            return
        region, values = smoothed
        inside = region.slices
        probability[inside] = agree_with(probability[inside], values > THRESHOLD)

    def _local(self, clicks: Sequence[Click]) -> bool:
        """Whether this click may change only its focus box (`local_only_after`)."""
        return len(clicks) > self.config.local_only_after

    def _focus_box(
        self,
        prev_mask: np.ndarray,
        answer: np.ndarray,
        clicks: Sequence[Click],
        transform: CropTransform,
    ) -> Box:
        """The region around the last click that a refinement changes: the changed region
        (previous mask XOR this answer) holding the click, within the target crop."""
        return focus_box(
            prev_mask, answer > THRESHOLD, clicks[-1], self.config.focus, transform.box
        )


class FocalClickPredictor(ClickPredictor):
    """FocalClick: coarse pass on a small target crop, then the refiner on the focus crop."""

    refines = True

    def _finish(
        self,
        image: PreparedSlice,
        clicks: Sequence[Click],
        prev_prob: np.ndarray,
        prev_mask: np.ndarray,
        prior: np.ndarray,
        transform: CropTransform,
        logits: np.ndarray,
        features: object,
    ) -> tuple[np.ndarray, Box | None]:
        """The coarse answer, then the focus box redrawn by the refiner (only that box once
        there are more than `local_only_after` clicks); returns the focus box too."""
        coarse = pasted_answer(prior, transform, logits)
        box = self._focus_box(prev_mask, coarse, clicks, transform)
        size = self.config.focus.refine_size
        focus = CropTransform(box, size, size)
        focus_image = focus.crop(image.extra["channels"], PAD_VALUE)
        focus_clicks = disk_maps([focus.click_to_crop(c) for c in clicks], (size, size))
        # the focus box's edges in the coarse input's pixels (continuous, edges at integers)
        sy, sx = transform.scale
        ty0, tx0 = transform.box.y0, transform.box.x0
        box_xyxy = (
            (box.x0 - tx0) * sx,
            (box.y0 - ty0) * sy,
            (box.x1 - tx0) * sx,
            (box.y1 - ty0) * sy,
        )
        refined = self.runner.refine(focus_image, focus_clicks, logits, features, box_xyxy)
        # late clicks may only change the focus region: the rest keeps the previous answer
        probability = prev_prob.copy() if self._local(clicks) else coarse
        focus.paste(probability, refined, post=sigmoid)
        return probability, box
