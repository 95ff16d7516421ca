"""Training views and one training step on a synthetic slice store (no real data needed): every
crop strategy yields views of the right sizes whose first click lies on the object, and one step
of each model kind gives a finite loss whose gradient reaches the guidance, head and refiner."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy import ndimage

from napari_everyclick.core.windowing import Window
from napari_everyclick.models.build import build_model, net_config
from napari_everyclick.training.config import AugmentConfig, ClickConfig, OptimConfig, TrainConfig
from napari_everyclick.training.data import SliceStore, View, ViewSampler
from napari_everyclick.training.steps import train_step

SIZE = 32
SHAPE = (96, 120)


@pytest.fixture(scope="module")
def store() -> SliceStore:
    """Four slices, each with one round +60 HU lesion of radius 6..18 px over noisy fat."""
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[: SHAPE[0], : SHAPE[1]]
    hu, lesions = [], []
    for i in range(4):
        mask = (yy - 40 - 5 * i) ** 2 + (xx - 50 - 3 * i) ** 2 <= (6 + 4 * i) ** 2
        hu.append((rng.normal(-100, 15, SHAPE) + 160 * mask).astype(np.int16))
        lesions.append(mask.astype(np.uint8))
    return SliceStore(hu, lesions, [Window(40.0, 400.0)] * 4, ["synthetic"] * 4)


def config(**changes) -> TrainConfig:
    base = {
        "name": "unit",
        "architecture": {"backbone": "hrnet_w18_small"},
        "predictor": {"crop": {"net_size": SIZE}, "focus": {"refine_size": SIZE}},
    }
    return TrainConfig(**{**base, **changes})


@pytest.mark.parametrize("strategy", ["click", "ritm", "focalclick", "optimal"])
def test_views_of_every_crop_strategy(store, strategy):
    sampler = ViewSampler(config(augment=AugmentConfig(crop_strategy=strategy)), store, [])
    rng = np.random.default_rng(1)
    for _ in range(25):
        view = sampler.sample(rng)
        assert view.image.shape == (2, SIZE, SIZE) and view.image.dtype == np.float32
        assert view.image_hi.shape == (2, 2 * SIZE, 2 * SIZE)
        assert view.target.shape == (SIZE, SIZE) and view.target.dtype == bool
        assert view.target_hi.shape == (2 * SIZE, 2 * SIZE)
        assert view.image.min() >= -1.0 - 1e-5 and view.image.max() <= 1.0 + 1e-5
        assert view.target.any() and view.target_hi.any()
        click = view.first_click
        assert click.positive and click.radius > 0
        y, x = round(click.y), round(click.x)
        assert 0 <= y < SIZE and 0 <= x < SIZE
        # on the object: the click strategy places it on the full-resolution mask, and resampling
        # the crop to SIZE moves a small object's edge by up to a pixel
        assert view.target[max(y - 1, 0) : y + 2, max(x - 1, 0) : x + 2].any()
        # the hi-res target is the same object at twice the size
        small = view.target_hi.reshape(SIZE, 2, SIZE, 2).mean(axis=(1, 3)) > 0.5
        assert (small ^ view.target).mean() < 0.05
        assert view.static_radius > 0


def test_lesion_objects_keep_only_large_enough_lesions(store):
    assert store.lesion_objects() == [(0, 1), (1, 1), (2, 1), (3, 1)]
    tiny = SliceStore(
        [np.zeros(SHAPE, np.int16)], [np.zeros(SHAPE, np.uint8)], [Window(40, 400)], ["t"]
    )
    tiny.lesions[0][5:8, 5:8] = 1  # 9 px: below the 16 px minimum
    assert tiny.lesion_objects() == []


def views(store: SliceStore, cfg: TrainConfig, n: int = 2) -> list[View]:
    rng = np.random.default_rng(2)
    sampler = ViewSampler(cfg, store, [])
    return [sampler.sample(rng) for _ in range(n)]


@pytest.mark.parametrize("kind", ["ritm", "focalclick"])
@pytest.mark.parametrize("sampler", ["iterative", "multipoint"])
def test_one_training_step(store, kind, sampler):
    cfg = config(kind=kind, clicks=ClickConfig(sampler=sampler, static_prob=0.5, max_clicks=3))
    torch.manual_seed(0)
    model = build_model(kind, net_config(cfg.architecture)).train()
    result = train_step(
        model, views(store, cfg), cfg, np.random.default_rng(3), torch.device("cpu")
    )
    assert torch.isfinite(result.loss) and result.loss.item() > 0
    expected = {"main", "aux", "clicks", "loss"}
    if kind == "focalclick":
        expected |= {"refine", "boundary"}
    assert set(result.parts) == expected
    assert result.parts["loss"] == pytest.approx(result.loss.item())
    assert 1 <= result.parts["clicks"]
    assert model.training  # simulated clicks ran in eval mode, then switched back
    result.loss.backward()
    coarse = model.coarse if kind == "focalclick" else model
    for part in (coarse.guidance, coarse.head.cls_head, coarse.backbone.conv1):
        grads = [p.grad for p in part.parameters()]
        assert all(g is not None for g in grads)
        assert any(g.abs().sum() > 0 for g in grads)
    if kind == "focalclick":
        grads = [p.grad for p in model.refiner.parameters()]
        assert all(g is not None and torch.isfinite(g).all() for g in grads)
        assert model.refiner.refine_pred.weight.grad.abs().sum() > 0


def test_soft_iou_term_adds_its_weighted_share(store):
    """With optim.iou_weight the step adds weight x soft IoU of the main output to the loss."""
    parts = {}
    for weight in (0.0, 2.0):
        cfg = config(kind="ritm", optim=OptimConfig(iou_weight=weight))
        torch.manual_seed(0)
        model = build_model("ritm", net_config(cfg.architecture)).train()
        parts[weight] = train_step(
            model, views(store, cfg), cfg, np.random.default_rng(3), torch.device("cpu")
        ).parts
    assert "soft_iou" not in parts[0.0]
    assert 0.0 < parts[2.0]["soft_iou"] < 1.0
    base = parts[2.0]["main"] + 0.4 * parts[2.0]["aux"]
    assert parts[2.0]["loss"] == pytest.approx(base + 2.0 * parts[2.0]["soft_iou"], rel=1e-5)


@pytest.mark.parametrize(("max_clicks", "expected"), [(1, True), (3, False)])
def test_first_click_soft_iou_only_on_first_click_batches(store, max_clicks, expected):
    """With optim.iou_first_click_only the soft IoU term joins the loss of a batch whose clicks
    were all given before the pass (n = 1) and stays out of one with simulated clicks."""
    cfg = config(
        kind="ritm",
        optim=OptimConfig(iou_weight=1.0, iou_first_click_only=True),
        clicks=ClickConfig(max_clicks=max_clicks, decay=1e-9, static_prob=0.0),
    )
    if max_clicks > 1:  # P(n) ~ decay^(n-1) with decay ~ 0 draws n = 1; invert it to draw n = 3
        cfg.clicks.decay = 1e9
    torch.manual_seed(0)
    model = build_model("ritm", net_config(cfg.architecture)).train()
    parts = train_step(
        model, views(store, cfg), cfg, np.random.default_rng(3), torch.device("cpu")
    ).parts
    assert parts["clicks"] == 1.0 if expected else parts["clicks"] > 1.0
    assert ("soft_iou" in parts) is expected


@pytest.mark.parametrize("strategy", ["click", "ritm", "focalclick", "optimal"])
def test_static_views_click_with_the_views_static_radius(store, strategy):
    """A static sample's clicks all carry one radius: the first click's equals the radius the
    later simulated clicks get (the static radius scaled into the crop)."""
    cfg = config(augment=AugmentConfig(crop_strategy=strategy), clicks=ClickConfig(static_prob=1.0))
    sampler = ViewSampler(cfg, store, [])
    rng = np.random.default_rng(4)
    for _ in range(20):
        view = sampler.sample(rng)
        assert view.static
        assert view.first_click.radius == pytest.approx(view.static_radius, rel=1e-6)


def test_optimal_crop_bounds_by_hand():
    """Spec 4.4: a = mean of (w/W + h/H)/2; bounds 4 round(0.5 a, 3) and 4 round(1.5 a, 3)."""
    from napari_everyclick.core.geometry import Box
    from napari_everyclick.training.augment import optimal_crop_bounds

    low, high = optimal_crop_bounds([Box(0, 0, 16, 16), Box(0, 0, 18, 16)], [(512, 512)] * 2)
    a = (16 / 512 + (16 / 512 + 18 / 512) / 2) / 2
    assert (low, high) == pytest.approx((4 * round(0.5 * a, 3), 4 * round(1.5 * a, 3)))
    assert (low, high) == pytest.approx((0.064, 0.192))


def test_propagation_views_start_from_the_neighbours_outline(store):
    """With data.propagation_prob 1 every view is a propagation step: its prior is the lesion's
    outline on a neighbouring slice, its click that outline's inscribed disk (a drag), its
    target the lesion on this slice; the step's first pass sees that prior."""
    from napari_everyclick.training.steps import simulate_clicks

    cfg = config(
        augment=AugmentConfig(flips=False, affine_prob=0.0),
        clicks=ClickConfig(max_clicks=1),
    )
    cfg.data.propagation_prob = 1.0
    sampler = ViewSampler(cfg, store, [])
    rng = np.random.default_rng(5)
    batch = [sampler.sample(rng) for _ in range(12)]
    for view in batch:
        assert view.prior is not None and view.prior.shape == (SIZE, SIZE)
        assert not view.static and not view.first_click.plain
        prior = view.prior > 0.5
        assert prior.any() and view.target.any()
        assert not np.array_equal(prior, view.target)  # the lesion differs slice to slice
        y, x = round(view.first_click.y), round(view.first_click.x)
        assert prior[y, x]
        yy, xx = np.mgrid[:SIZE, :SIZE]
        disk = (yy - view.first_click.y) ** 2 + (xx - view.first_click.x) ** 2 <= (
            view.first_click.radius**2
        )
        assert (disk & ~prior).sum() <= 0.05 * disk.sum()  # inside the outline
    model = build_model("ritm", net_config(cfg.architecture))
    image = torch.from_numpy(np.stack([v.image for v in batch]))
    prev, clicks, fresh = simulate_clicks(model, batch, cfg, rng, image)
    assert not any(fresh) and all(len(c) == 1 for c in clicks)
    np.testing.assert_array_equal(prev, np.stack([v.prior for v in batch]))


def test_contrast_prob_gives_lesions_an_edge_and_draws_nothing_when_off(store):
    on = ViewSampler(config(augment=AugmentConfig(contrast_prob=1.0)), store, [])
    rng = np.random.default_rng(3)
    deltas = []
    for _ in range(12):
        hu, target, _ = on.pick_object(rng)
        i = next(k for k, mask in enumerate(store.lesions) if np.array_equal(mask > 0, target))
        change = hu - store.hu[i]
        inside = ndimage.binary_erosion(target, iterations=2)
        deltas.append(float(np.median(change[inside])))
        assert np.abs(change[~ndimage.binary_dilation(target, iterations=3)]).max() < 0.5
    assert all(20.0 - 0.5 <= abs(d) <= 150.0 + 0.5 for d in deltas)
    assert min(deltas) < 0 < max(deltas)  # brighter and darker lesions

    off = ViewSampler(config(), store, [])
    a, b = np.random.default_rng(4), np.random.default_rng(4)
    hu, target, _ = off.pick_object(a)
    assert any(np.array_equal(hu, stored) for stored in store.hu)
    b.integers(len(off.lesions))
    assert a.random() == b.random()  # the off switch draws nothing from the stream
