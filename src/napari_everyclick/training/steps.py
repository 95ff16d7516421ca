"""One training step: iterative click simulation without gradient, then the loss pass.

Clicks are simulated in the crop frame by the same RobotClicker the evaluation uses, on the
crop's ground truth, with the current network in eval mode (thesis: n ~ 0.7^(n-1), all but the
last click without gradient). The prior fed to the network is built by the very functions the
predictors use (click_prior, coord_features).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torchvision.ops import roi_align

from ..core.clicker import RobotClicker
from ..core.clicks import Click
from ..core.disks import apply_clicks_to_mask, disk_maps
from ..core.geometry import Box, CropTransform, mask_box, square_around
from ..inference.inputs import click_prior, coord_features
from .clicks import draw_click_count, multipoint_clicks
from .config import TrainConfig
from .data import View
from .losses import bce_loss, boundary_band, normalized_focal_loss, soft_iou_loss


@dataclass
class StepResult:
    loss: torch.Tensor
    parts: dict[str, float]


def _coords(
    prev: np.ndarray, clicks: Sequence[Sequence[Click]], fresh: Sequence[bool]
) -> np.ndarray:
    """Coordinate features per sample; a fresh multi-point sample paints all its disks."""
    out = []
    for p, cl, is_fresh in zip(prev, clicks, fresh):
        if is_fresh and len(cl) > 1:
            prior = apply_clicks_to_mask(np.zeros(p.shape, bool), cl).astype(np.float32)
        else:
            prior = click_prior(p, cl[-1])
        out.append(coord_features(prior, cl))
    return np.stack(out)


def _tensor(array: np.ndarray, device: torch.device) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(array)).to(device)


def simulate_clicks(
    model: nn.Module,
    views: Sequence[View],
    config: TrainConfig,
    rng: np.random.Generator,
    image: torch.Tensor,
) -> tuple[np.ndarray, list[list[Click]], list[bool]]:
    """The clicks and previous probabilities the loss pass sees, per sample."""
    cc = config.clicks
    clicks: list[list[Click]] = []
    clickers: list[RobotClicker] = []
    for v in views:
        if v.static and cc.sampler == "multipoint":
            start = multipoint_clicks(v.target, v.static_radius, rng)
        else:
            start = [v.first_click]
        clicker = RobotClicker(
            v.target,
            radius="static" if v.static else "distributed",
            static_radius=v.static_radius,
            rng=rng,
            spread=cc.spread,
            placement="random" if rng.random() < cc.random_placement_prob else "center",
        )
        clicker.clicks = list(start)
        clicks.append(list(start))
        clickers.append(clicker)
    size = views[0].target.shape
    prev = np.stack([np.zeros(size, np.float32) if v.prior is None else v.prior for v in views])
    fresh = [v.prior is None for v in views]  # a propagation step starts from its prior
    n = draw_click_count(cc.max_clicks, cc.decay, rng)
    if n > 1:
        was_training = model.training
        model.eval()
        with torch.no_grad():
            for _ in range(n - 1):
                coords = _tensor(_coords(prev, clicks, fresh), image.device)
                logits = model(image, coords)["instances"]
                prev = torch.sigmoid(logits)[:, 0].float().cpu().numpy()
                fresh = [False] * len(views)
                for b, clicker in enumerate(clickers):
                    click = clicker.next_click(prev[b] > 0.5)
                    if click is not None:
                        clicks[b].append(click)
        model.train(was_training)
    return prev, clicks, fresh


def focus_boxes(views: Sequence[View], rng: np.random.Generator, min_side: int = 16) -> list[Box]:
    """Refiner training crops in the hi-res frame: the object box (expanded 1.1..1.6, shifted
    up to 30 %) or a square around a random boundary pixel (0.2..0.6 of the object)."""
    boxes = []
    for v in views:
        target = v.target_hi
        obj = mask_box(target) or Box(0, 0, *target.shape)
        side_obj = max(obj.height, obj.width)
        if rng.random() < 0.5:
            side = max(side_obj * rng.uniform(1.1, 1.6), min_side)
            cy, cx = obj.center
            cy += rng.uniform(-0.3, 0.3) * obj.height
            cx += rng.uniform(-0.3, 0.3) * obj.width
        else:
            ring = boundary_band(target)
            if not ring.any():  # the object fills the crop, or is empty
                ring = np.ones_like(target)
            ys, xs = np.nonzero(ring)
            i = int(rng.integers(len(ys)))
            cy, cx = float(ys[i]), float(xs[i])
            side = max(side_obj * rng.uniform(0.2, 0.6), min_side)
        frame = Box(0, 0, *target.shape)
        box = square_around(cy, cx, side)
        boxes.append(box.intersection(frame) or frame)  # as inference clamps to the target crop
    return boxes


def refiner_loss(
    model: nn.Module,
    out: dict[str, torch.Tensor],
    views: Sequence[View],
    clicks: Sequence[Sequence[Click]],
    image_hi: torch.Tensor,
    target_hi: torch.Tensor,
    refine_size: int,
    rng: np.random.Generator,
) -> tuple[torch.Tensor, dict[str, float]]:
    """FocalClick's refiner terms: boundary-weighted NFL on the refined focus logits and BCE of
    the boundary map against the trimap band."""
    device = image_hi.device
    boxes = focus_boxes(views, rng)
    hi = [[c.scaled(2.0, 2.0, -0.25, -0.25) for c in cl] for cl in clicks]  # S -> 2S frame
    focus_clicks = np.stack(
        [
            disk_maps(
                [CropTransform(b, refine_size, refine_size).click_to_crop(c) for c in cl],
                (refine_size, refine_size),
            )
            for b, cl in zip(boxes, hi)
        ]
    )
    xyxy = torch.tensor(
        [[b.x0, b.y0, b.x1, b.y1] for b in boxes], dtype=torch.float32, device=device
    )
    rois = torch.cat(
        [torch.arange(len(boxes), device=device, dtype=torch.float32)[:, None], xyxy], 1
    )
    focus_image = roi_align(image_hi, rois, refine_size, 1.0, aligned=True)
    focus_target = (roi_align(target_hi, rois, refine_size, 1.0, aligned=True) > 0.5).float()
    trimap = (
        torch.from_numpy(
            np.stack([boundary_band(t[0]) for t in focus_target.cpu().numpy() > 0.5])[:, None]
        )
        .float()
        .to(device)
    )
    refined = model.refine(
        focus_image, _tensor(focus_clicks, device), out["instances"], out["features"], xyxy / 2.0
    )
    weight = 0.5 * trimap + 0.5
    refine = normalized_focal_loss(refined["refined"], focus_target, weight=weight)
    boundary = bce_loss(refined["boundary"], trimap)
    return refine + boundary, {
        "refine": float(refine.detach()),
        "boundary": float(boundary.detach()),
    }


def train_step(
    model: nn.Module,
    views: Sequence[View],
    config: TrainConfig,
    rng: np.random.Generator,
    device: torch.device,
) -> StepResult:
    """Simulate clicks, run the loss pass, return the total loss (not yet backpropagated)."""
    image = _tensor(np.stack([v.image for v in views]), device)
    target = _tensor(np.stack([v.target for v in views])[:, None].astype(np.float32), device)
    prev, clicks, fresh = simulate_clicks(model, views, config, rng, image)
    coords = _tensor(_coords(prev, clicks, fresh), device)
    out = model(image, coords)
    main = normalized_focal_loss(out["instances"], target)
    aux = bce_loss(out["instances_aux"], target)
    loss = main + config.optim.aux_weight * aux
    parts = {
        "main": float(main.detach()),
        "aux": float(aux.detach()),
        "clicks": float(np.mean([len(c) for c in clicks])),
    }
    first_click = all(fresh)  # no click was simulated before the loss pass
    if config.optim.iou_weight > 0 and (first_click or not config.optim.iou_first_click_only):
        soft_iou = soft_iou_loss(out["instances"], target)
        loss = loss + config.optim.iou_weight * soft_iou
        parts["soft_iou"] = float(soft_iou.detach())
    if config.kind == "focalclick":
        image_hi = _tensor(np.stack([v.image_hi for v in views]), device)
        target_hi = _tensor(
            np.stack([v.target_hi for v in views])[:, None].astype(np.float32), device
        )
        refine_size = int(config.predictor.get("focus", {}).get("refine_size", 128))
        extra, extra_parts = refiner_loss(
            model, out, views, clicks, image_hi, target_hi, refine_size, rng
        )
        loss = loss + extra
        parts.update(extra_parts)
    parts["loss"] = float(loss.detach())
    return StepResult(loss, parts)
