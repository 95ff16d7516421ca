"""The learned predictors behind a Session (inference/predictor.py, factory.py, runners.py):
shapes, determinism, exact undo, Progressive Merge, timings and flip, on a synthetic slice and
on a real val slice. Random weights, hrnet_w18_small, 64 px crops: fast, no shipped model needed.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from napari_everyclick.core.clicker import padded_distance
from napari_everyclick.core.clicks import STATIC_RADIUS_PX, Click
from napari_everyclick.core.disks import disk_union
from napari_everyclick.core.probability import agree_with, smoothed_region
from napari_everyclick.core.session import Session
from napari_everyclick.core.windowing import Window
from napari_everyclick.inference.crops import CropConfig, FocusConfig
from napari_everyclick.inference.factory import random_segmenter
from napari_everyclick.inference.merge import progressive_merge
from napari_everyclick.inference.predictor import ClickPredictor, PredictorConfig
from napari_everyclick.inference.runners import TorchRunner
from napari_everyclick.io.npz import read_npz_case
from napari_everyclick.models.hrnet_ocr import NetConfig

KINDS = ("ritm", "focalclick")
NET = NetConfig(backbone="hrnet_w18_small")
SHAPE = (56, 72)
CLICKS = [
    Click(28.0, 30.0, True, 9.0),
    Click(20.0, 44.0, False, 3.0),
    Click(34.0, 20.0, True, STATIC_RADIUS_PX),
]


def segmenter(kind: str, perturb: bool = True, **options) -> ClickPredictor:
    """A random-weights predictor; with `perturb` the zero-initialised classifier gets random
    weights too, so the answer depends on the network and not only on the disk prior."""
    config = PredictorConfig(
        crop=CropConfig(net_size=64, min_side=24), focus=FocusConfig(refine_size=64), **options
    )
    seg = random_segmenter(kind, NET, config, device="cpu", seed=0, backend="torch")
    if perturb:
        model = seg.runner.model
        head = (model.coarse if kind == "focalclick" else model).head.cls_head
        gen = torch.Generator().manual_seed(1)
        with torch.no_grad():
            head.weight.copy_(torch.randn(head.weight.shape, generator=gen))
            head.bias.fill_(0.5)
    return seg


def synthetic_slice() -> np.ndarray:
    rng = np.random.default_rng(0)
    hu = rng.normal(-100.0, 15.0, SHAPE)
    yy, xx = np.mgrid[: SHAPE[0], : SHAPE[1]]
    hu[(yy - 28) ** 2 / 14**2 + (xx - 32) ** 2 / 18**2 <= 1] += 160.0
    return hu.astype(np.float32)


def session(kind: str, hu: np.ndarray | None = None, **options) -> Session:
    s = Session(segmenter(kind, **options))
    s.set_image(synthetic_slice() if hu is None else hu, window=(40, 400))
    return s


@pytest.fixture(scope="module")
def real_slice(val_case) -> tuple[np.ndarray, Click]:
    """The val case's slice with the largest lesion, and a disk at the lesion's centre."""
    volume = read_npz_case(val_case)
    labels = np.asarray(volume.labels)
    z = int(np.argmax((labels > 0).sum(axis=(1, 2))))
    target = labels[z] > 0
    dist = padded_distance(target)
    y, x = np.unravel_index(int(np.argmax(dist)), dist.shape)
    return np.asarray(volume.hu[z], dtype=np.float32), Click(
        float(y), float(x), True, 0.8 * dist.max()
    )


@pytest.mark.parametrize("kind", KINDS)
def test_masks_are_bool_slices_and_deterministic(kind):
    a, b = session(kind), session(kind)
    for click in CLICKS:
        ma, mb = a.click(click), b.click(click)
        assert ma.shape == SHAPE and ma.dtype == bool
        assert np.array_equal(ma, mb)
        pa, pb = a.prediction.probability, b.prediction.probability
        assert pa.shape == SHAPE and pa.dtype == np.float32
        assert np.array_equal(pa, pb)
        assert ((pa >= 0) & (pa <= 1)).all()
        assert np.array_equal(ma, pa > 0.5)
    # the perturbed network's answer is its own, not just the disks
    assert not np.array_equal(a.mask, disk_union(CLICKS, SHAPE))


@pytest.mark.parametrize("kind", KINDS)
def test_undo_restores_exactly_and_redo_repeats(kind):
    s = session(kind)
    masks, probs = [], []
    for click in CLICKS:
        masks.append(s.click(click))
        probs.append(s.prediction.probability.copy())
    assert not np.array_equal(masks[-1], masks[-2])
    assert np.array_equal(s.undo(), masks[-2])
    assert np.array_equal(s.prediction.probability, probs[-2])  # not edited by the last click
    assert np.array_equal(s.click(CLICKS[-1]), masks[-1])
    assert np.array_equal(s.prediction.probability, probs[-1])
    s.undo(), s.undo()
    assert np.array_equal(s.mask, masks[0])
    assert np.array_equal(s.undo(), np.zeros(SHAPE, bool))


@pytest.mark.parametrize("kind", KINDS)
def test_timings(kind):
    s = session(kind)
    s.click(CLICKS[0])
    timings = s.prediction.timings_ms
    expected = {"preprocess", "network", "postprocess", "total"}
    if kind == "focalclick":
        expected.add("refiner")
    assert expected <= set(timings)
    assert all(v >= 0 for v in timings.values())
    assert timings["total"] >= timings["network"]


@pytest.mark.parametrize("kind", KINDS)
def test_progressive_merge_keeps_only_the_clicked_change(kind):
    plain, merged = session(kind), session(kind, progressive_merge=True)
    first = plain.click(CLICKS[0])
    assert np.array_equal(merged.click(CLICKS[0]), first)  # never on the first click
    raw = plain.click(CLICKS[1])
    expected = progressive_merge(first, raw, CLICKS[1])
    got = merged.click(CLICKS[1])
    assert np.array_equal(got, expected)
    assert np.array_equal(merged.prediction.probability > 0.5, got)
    merged.click(CLICKS[2])  # and it keeps going
    assert merged.mask.shape == SHAPE


def _outside(box, shape: tuple[int, int]) -> np.ndarray:
    outside = np.ones(shape, dtype=bool)
    outside[box.y0 : box.y1, box.x0 : box.x1] = False
    return outside


@pytest.mark.parametrize("smoothing", [0.0, 2.0])
@pytest.mark.parametrize("kind", KINDS)
def test_refinement_changes_only_its_focus_box(kind, smoothing):
    """Local refinement (the default): from the second click on, the probability outside the
    focus box around the last click is the previous one, bit for bit, smoothed or not. Before:
    RITM redrew its whole target crop at every click and reported no focus box."""
    s = session(kind, smoothing_sigma_px=smoothing)
    s.click(CLICKS[0])
    for click in CLICKS[1:]:
        before = s.prediction.probability.copy()
        s.click(click)
        outside = _outside(s.prediction.state["focus_box"], SHAPE)
        assert outside.any()
        assert np.array_equal(s.prediction.probability[outside], before[outside])


@pytest.mark.parametrize("kind", KINDS)
def test_global_refinement_may_change_the_whole_target_crop(kind):
    """The contrast: with local refinement only after 10 clicks, the answer changes pixels
    outside the focus box of the same click under the default (so the test above can tell the
    two apart)."""
    local, whole = session(kind), session(kind, local_only_after=10)
    for s in (local, whole):
        s.click(CLICKS[0])
    before = whole.prediction.probability.copy()
    local.click(CLICKS[1])
    whole.click(CLICKS[1])
    outside = _outside(local.prediction.state["focus_box"], SHAPE)
    assert not np.array_equal(whole.prediction.probability[outside], before[outside])


@pytest.mark.parametrize("kind", KINDS)
def test_smoothing_reads_the_mask_from_the_smoothed_answer_in_the_target_crop(kind):
    """`smoothing_sigma_px`: the first mask is the unsmoothed answer smoothed inside the target
    crop (`smoothed_region`), and the probability is the unsmoothed one moved across 0.5 only
    where that mask says so (no click core, so no pixel is painted after)."""
    plain = session(kind, click_core_px=None)
    smooth = session(kind, click_core_px=None, smoothing_sigma_px=2.0)
    plain.click(CLICKS[0])
    smooth.click(CLICKS[0])
    box = plain.prediction.state["target_box"]
    region, values = smoothed_region(plain.prediction.probability, box, 2.0)
    mask = plain.mask.copy()
    mask[region.slices] = values > 0.5
    assert not np.array_equal(mask, plain.mask)
    assert np.array_equal(smooth.mask, mask)
    np.testing.assert_allclose(
        smooth.prediction.probability, agree_with(plain.prediction.probability, mask), atol=1e-6
    )


def test_untrained_ritm_first_click_is_the_disk():
    """Zero classifier + prior residual: the network returns the disk it was given."""
    for radius in (2.5, 7.0, 12.0):
        click = Click(27.3, 33.6, True, radius)
        s = session("ritm", perturb=False)
        assert np.array_equal(s.click(click), disk_union([click], SHAPE)), radius


def assert_disk_up_to_resampling(mask: np.ndarray, click: Click, tolerance: float = 1.0) -> None:
    """The mask is the click's disk except for pixels within `tolerance` px of its edge (a crop
    larger than the network input is shrunk and the answer grown back)."""
    disk = disk_union([click], mask.shape)
    wrong = np.argwhere(mask ^ disk)
    distance = np.hypot(wrong[:, 0] - click.y, wrong[:, 1] - click.x)
    assert (np.abs(distance - click.radius) <= tolerance).all()
    assert len(wrong) <= 0.1 * disk.sum()


def test_untrained_ritm_plain_click_is_the_disk_up_to_resampling():
    """A plain click's 160 px crop is shrunk to the 64 px network input and back."""
    click = Click(27.0, 33.0, True, STATIC_RADIUS_PX)
    assert_disk_up_to_resampling(session("ritm", perturb=False).click(click), click)


@pytest.mark.parametrize("kind", KINDS)
def test_flip_works(kind):
    a, b = session(kind, flip=True), session(kind, flip=True)
    for click in CLICKS:
        ma = a.click(click)
        assert ma.shape == SHAPE and ma.dtype == bool
        assert np.array_equal(ma, b.click(click))
    unflipped = session(kind)
    unflipped.replay(CLICKS)
    assert not np.array_equal(a.prediction.probability, unflipped.prediction.probability)


def test_untrained_ritm_with_flip_still_returns_the_disk():
    click = Click(27.3, 33.6, True, 7.0)
    s = session("ritm", perturb=False, flip=True)
    assert np.array_equal(s.click(click), disk_union([click], SHAPE))


def test_runner_flip_is_mirror_equivariant():
    """Flip TTA averages the pass and the mirrored pass, so mirroring the input mirrors the
    logits (up to float error)."""
    runner = segmenter("ritm").runner
    assert isinstance(runner, TorchRunner)
    rng = np.random.default_rng(0)
    image = rng.normal(size=(2, 64, 64)).astype(np.float32)
    coords = (rng.random((3, 64, 64)) > 0.7).astype(np.float32)
    logits, _ = runner.coarse(image, coords, flip=True)
    mirrored, _ = runner.coarse(image[..., ::-1].copy(), coords[..., ::-1].copy(), flip=True)
    assert logits.shape == (64, 64)
    assert np.allclose(mirrored, logits[..., ::-1], atol=1e-4)
    plain, _ = runner.coarse(image, coords, flip=False)
    plain_mirrored, _ = runner.coarse(image[..., ::-1].copy(), coords[..., ::-1].copy())
    assert not np.allclose(plain_mirrored, plain[..., ::-1], atol=1e-3)


@pytest.mark.parametrize("kind", KINDS)
def test_real_val_slice(kind, real_slice):
    hu, click = real_slice
    a, b = session(kind, hu=hu), session(kind, hu=hu)
    mask = a.click(click)
    assert mask.shape == hu.shape and mask.dtype == bool
    assert np.array_equal(mask, b.click(click))
    negative = Click(click.y, click.x, False, 2.0)
    second = a.click(negative)
    assert np.array_equal(second, b.click(negative))
    assert np.array_equal(a.undo(), mask)


def test_real_val_slice_untrained_ritm_returns_the_disk(real_slice):
    hu, click = real_slice
    s = session("ritm", hu=hu, perturb=False)
    assert_disk_up_to_resampling(s.click(click), click)


@pytest.mark.parametrize("kind", KINDS)
def test_click_core_puts_every_clicked_pixel_on_its_side(kind):
    """A network that answers "background" everywhere leaves positive clicks outside the mask;
    with click_core_px every click's centre (and its core) ends on the click's side, the
    newest click winning where cores overlap, and the probability agrees with the mask."""

    def run(**options) -> Session:
        s = session(kind, **options)
        model = s.segmenter.runner.model
        with torch.no_grad():
            (model.coarse if kind == "focalclick" else model).head.cls_head.bias.fill_(-30.0)
        for click in CLICKS:
            s.click(click)
        return s

    def at(mask: np.ndarray, click: Click) -> bool:
        return bool(mask[round(click.y), round(click.x)])

    plain = run(click_core_px=None)
    assert not at(plain.mask, CLICKS[0]) and not at(plain.mask, CLICKS[2])
    kept = run()  # the default: the clicked pixel alone
    assert all(at(kept.mask, c) == c.positive for c in CLICKS)
    assert np.array_equal(kept.mask, kept.prediction.probability > 0.5)
    cored = run(click_core_px=2.0)
    yy, xx = np.mgrid[: SHAPE[0], : SHAPE[1]]
    for click in CLICKS:
        core = (yy - click.y) ** 2 + (xx - click.x) ** 2 <= 4.0
        assert (cored.mask[core] == click.positive).all()


def second_click_probabilities(kind: str, first: Click, **options) -> list[np.ndarray]:
    """The probability of a second click (CLICKS[1]) after `first` was answered with
    `options`, from a predictor without `options` and from one with them: equal when the
    options concern the first click only."""
    without = segmenter(kind, click_core_px=None)
    with_options = segmenter(kind, click_core_px=None, **options)
    image = without.prepare(synthetic_slice(), Window(40.0, 400.0))
    start = with_options.predict(image, [first], None)
    return [
        seg.predict(image, [first, CLICKS[1]], start).probability for seg in (without, with_options)
    ]


@pytest.mark.parametrize("kind", KINDS)
def test_first_drag_blends_the_network_with_the_disk(kind):
    """first_drag_disk_weight w: a first drag's probability is (1 - w) x the network's + w x
    its disk; a plain first click and every later click keep the network's answer."""
    drag, plain = CLICKS[0], CLICKS[2]
    disk = disk_union([drag], SHAPE).astype(np.float32)

    def probabilities(first: Click, **options) -> list[np.ndarray]:
        s = session(kind, click_core_px=None, **options)
        out = []
        for click in (first, CLICKS[1]):
            s.click(click)
            out.append(s.prediction.probability)
        return out

    network = probabilities(drag)
    blended = probabilities(drag, first_drag_disk_weight=0.3)
    np.testing.assert_allclose(blended[0], 0.7 * network[0] + 0.3 * disk, atol=1e-6)
    assert not np.allclose(blended[0], network[0])
    assert np.array_equal(
        probabilities(plain, first_drag_disk_weight=0.3)[0], probabilities(plain)[0]
    )
    # a second click after the blended first one is the network's answer, whatever the weight
    second = second_click_probabilities(kind, drag, first_drag_disk_weight=0.3)
    assert np.array_equal(second[0], second[1])


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"first_plain_click_threshold": 1.5}, "first_plain_click_threshold must lie in"),
        ({"first_plain_click_threshold": 0.0}, "first_plain_click_threshold must lie in"),
        ({"first_drag_disk_weight": -0.1}, "first_drag_disk_weight must lie in"),
        ({"click_core_px": -1.0}, "click_core_px must be >= 0"),
        ({"local_only_after": -1}, "local_only_after must be >= 0"),
        ({"smoothing_sigma_px": -1.0}, "smoothing_sigma_px must be >= 0"),
        ({"crop": {"net_size": 0}}, "crop.net_size must be > 0"),
        ({"focus": {"refine_size": -64}}, "focus.refine_size must be > 0"),
        # before: dropped without a word, so the card or run kept the default
        (
            {"smoothing_sigma": 2.0, "flipp": True},
            "unknown predictor setting.*flipp, smoothing_sigma",
        ),
    ],
)
def test_predictor_settings_no_click_could_use_are_refused_at_once(settings, message):
    with pytest.raises(ValueError, match=message):
        PredictorConfig.from_dict(settings)


def test_predictor_settings_at_their_bounds_are_accepted():
    config = PredictorConfig.from_dict(
        {"first_drag_disk_weight": 1.0, "click_core_px": None, "local_only_after": 0}
    )
    assert config.first_drag_disk_weight == 1.0 and config.click_core_px is None


@pytest.mark.parametrize("kind", KINDS)
def test_first_plain_click_is_read_at_its_own_threshold(kind):
    """first_plain_click_threshold t: a plain first click's mask is the network's probability
    above t; a first drag and the second click keep the 0.5 threshold."""
    drag, plain = CLICKS[0], CLICKS[2]

    def first(click: Click, **options) -> Session:
        s = session(kind, click_core_px=None, **options)
        s.click(click)
        return s

    network = first(plain).prediction.probability
    lowered = first(plain, first_plain_click_threshold=0.3)
    assert np.array_equal(lowered.mask, network > 0.3)
    assert (lowered.mask & ~(network > 0.5)).any()  # the lower threshold adds pixels here
    assert np.array_equal(lowered.mask, lowered.prediction.probability > 0.5)
    assert np.array_equal(
        first(drag, first_plain_click_threshold=0.3).prediction.probability,
        first(drag).prediction.probability,
    )
    second = second_click_probabilities(kind, plain, first_plain_click_threshold=0.3)
    assert np.array_equal(second[0], second[1])
