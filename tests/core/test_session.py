"""Session with the `disk` method: history, undo, reset, initial masks, windows and replay.

The disk method's answer is known exactly (the union of positive disks minus negative disks,
later clicks winning), so every mask here is compared with np.array_equal against it.
"""

from __future__ import annotations

import numpy as np
import pytest

from napari_everyclick.core.classical.disk import DiskSegmenter
from napari_everyclick.core.clicks import Click
from napari_everyclick.core.disks import apply_clicks_to_mask, disk_union
from napari_everyclick.core.errors import EveryClickError, InvalidClickError, InvalidImageError
from napari_everyclick.core.segmenter import Prediction, Segmenter
from napari_everyclick.core.session import Session
from napari_everyclick.core.windowing import WINDOW_PRESETS, Window

SHAPE = (48, 64)


def ct_slice(shape=SHAPE) -> np.ndarray:
    rng = np.random.default_rng(0)
    hu = rng.normal(-100, 20, size=shape)
    hu[10:30, 20:40] += 160  # a lesion at +60 HU
    return hu.astype(np.float32)


CLICKS = [
    Click(20, 30, True, 8.0),
    Click(25, 45, True, 5.0),
    Click(20, 30, False, 3.0),
    Click(40, 10, True, 2.5),
    Click(24, 44, False, 2.0),
    Click(20, 31, True, 1.0),
]


@pytest.fixture
def session() -> Session:
    s = Session(DiskSegmenter())
    s.set_image(ct_slice(), window=(40, 400))
    return s


def test_disk_segmenter_satisfies_the_protocol():
    assert isinstance(DiskSegmenter(), Segmenter)


def test_fresh_session_state(session):
    assert session.method == "disk"
    assert session.shape == SHAPE
    assert session.window == Window(40.0, 400.0)
    assert session.clicks == ()
    assert session.prediction is None
    assert session.last_latency_ms is None
    m = session.mask
    assert m.shape == SHAPE and m.dtype == bool and not m.any()


def test_each_click_gives_the_disk_union_so_far(session):
    for k, click in enumerate(CLICKS, start=1):
        mask = session.click(click)
        expected = disk_union(CLICKS[:k], SHAPE)
        assert np.array_equal(mask, expected)
        assert np.array_equal(session.mask, expected)
        assert session.clicks == tuple(CLICKS[:k])
        assert session.last_latency_ms >= 0.0


def test_undo_restores_every_level_exactly(session):
    masks = [session.mask]
    for click in CLICKS:
        masks.append(session.click(click))
    for k in range(len(CLICKS), 0, -1):
        restored = session.undo()
        assert np.array_equal(restored, masks[k - 1])
        assert np.array_equal(session.mask, masks[k - 1])
        assert session.clicks == tuple(CLICKS[: k - 1])
    assert not session.mask.any()
    assert not session.undo().any()  # undo with nothing left is a no-op
    assert session.clicks == ()


def test_undo_then_click_again_branches_the_history(session):
    session.click(CLICKS[0])
    session.click(CLICKS[1])
    session.undo()
    mask = session.click(CLICKS[3])
    assert np.array_equal(mask, disk_union([CLICKS[0], CLICKS[3]], SHAPE))
    assert session.clicks == (CLICKS[0], CLICKS[3])


def test_returned_masks_are_copies(session):
    mask = session.click(CLICKS[0])
    mask[:] = True
    session.mask[:] = True
    assert np.array_equal(session.mask, disk_union(CLICKS[:1], SHAPE))
    session.click(CLICKS[1])
    session.undo()
    assert np.array_equal(session.mask, disk_union(CLICKS[:1], SHAPE))


def test_reset_drops_every_click(session):
    for click in CLICKS:
        session.click(click)
    session.reset()
    assert session.clicks == () and not session.mask.any()
    assert np.array_equal(session.click(CLICKS[1]), disk_union([CLICKS[1]], SHAPE))


def test_initial_mask_is_the_start_and_the_reset_target():
    initial = np.zeros(SHAPE, dtype=np.uint8)
    initial[5:15, 5:15] = 1
    s = Session(DiskSegmenter())
    s.set_image(ct_slice(), initial_mask=initial)
    assert np.array_equal(s.mask, initial.astype(bool))
    assert isinstance(s.prediction, Prediction) and s.clicks == ()
    mask = s.click(Click(10, 10, False, 2.0))
    assert np.array_equal(mask, apply_clicks_to_mask(initial, [Click(10, 10, False, 2.0)]))
    s.click(Click(30, 40, True, 4.0))
    assert np.array_equal(s.undo(), mask)
    assert np.array_equal(s.undo(), initial.astype(bool))
    s.click(Click(30, 40, True, 4.0))
    s.reset()
    assert np.array_equal(s.mask, initial.astype(bool))


def test_initial_mask_is_not_tied_to_the_callers_array():
    initial = np.zeros(SHAPE, dtype=bool)
    initial[5:15, 5:15] = True
    s = Session(DiskSegmenter())
    s.set_image(ct_slice(), initial_mask=initial)
    initial[:] = False  # e.g. the user keeps painting the Labels layer the mask came from
    assert s.mask.sum() == 100
    s.click(Click(40, 50, True, 1.0))
    s.reset()
    assert s.mask.sum() == 100


def test_initial_mask_of_the_wrong_shape_is_rejected():
    s = Session(DiskSegmenter())
    with pytest.raises(InvalidImageError, match="initial mask has shape"):
        s.set_image(ct_slice(), initial_mask=np.zeros((10, 10), bool))
    with pytest.raises(EveryClickError):
        s.shape  # noqa: B018 - nothing was set


def test_set_image_starts_a_new_object(session):
    session.click(CLICKS[0])
    session.set_image(ct_slice((20, 20)))
    assert session.shape == (20, 20) and session.clicks == () and not session.mask.any()
    assert session.window == WINDOW_PRESETS["soft tissue"]


def test_failed_set_image_keeps_the_previous_state(session):
    session.click(CLICKS[0])
    with pytest.raises(InvalidImageError):
        session.set_image(np.zeros((20, 20, 3)))
    with pytest.raises(InvalidImageError):
        session.set_image(ct_slice(), window=(40, 0))
    assert session.shape == SHAPE and session.clicks == (CLICKS[0],)
    assert np.array_equal(session.mask, disk_union(CLICKS[:1], SHAPE))


@pytest.mark.parametrize("call", ["mask", "shape", "window", "click", "undo", "set_window"])
def test_using_a_session_before_set_image_fails_clearly(call):
    s = Session(DiskSegmenter())
    with pytest.raises(EveryClickError, match="call set_image"):
        if call == "click":
            s.click(Click(1, 1))
        elif call == "undo":
            s.undo()
        elif call == "set_window":
            s.set_window("lung")
        else:
            getattr(s, call)


def test_reset_and_clicks_before_set_image_are_harmless():
    s = Session(DiskSegmenter())
    s.reset()
    assert s.clicks == () and s.prediction is None


def test_set_window_keeps_the_object_and_history(session):
    session.click(CLICKS[0])
    session.click(CLICKS[1])
    before = session.mask
    session.set_window("lung")
    assert session.window == Window(-150.0, 1500.0)
    assert session.clicks == tuple(CLICKS[:2])
    assert np.array_equal(session.mask, before)
    session.click(CLICKS[2])
    assert np.array_equal(session.mask, disk_union(CLICKS[:3], SHAPE))
    assert np.array_equal(session.undo(), before)
    assert np.array_equal(session.undo(), disk_union(CLICKS[:1], SHAPE))


def test_set_window_recomputes_the_windowed_image(session):
    hu = ct_slice()
    session.set_window((60, 200))
    image = session._require_image()
    expected = np.clip((hu - (60 - 100)) / 200, 0, 1)
    np.testing.assert_allclose(image.windowed, expected, atol=1e-6)
    with pytest.raises(InvalidImageError, match="unknown window preset"):
        session.set_window("brain")
    assert session.window == Window(60.0, 200.0)


@pytest.mark.parametrize(
    "click, pattern",
    [
        (Click(-1, 5), "outside the 48x64 slice"),
        (Click(5, 64), "outside the 48x64 slice"),
        (Click(48, 5), "outside the 48x64 slice"),
        (Click(5, 5, radius=81), "larger than the 48x64 slice"),  # diagonal 80
    ],
)
def test_invalid_clicks_are_rejected_and_leave_no_trace(session, click, pattern):
    session.click(CLICKS[0])
    with pytest.raises(InvalidClickError, match=pattern):
        session.click(click)
    assert session.clicks == (CLICKS[0],)
    assert np.array_equal(session.mask, disk_union(CLICKS[:1], SHAPE))


def test_click_at_the_slice_edges_is_accepted(session):
    mask = session.click(Click(0, 63, True, 2.0))
    assert mask[0, 63] and mask[2, 63] and mask[0, 61] and not mask[1, 60]


def test_replay_gives_the_same_masks(session):
    for click in CLICKS:
        session.click(click)
    final = session.mask
    session.click(Click(1, 1, True, 20.0))
    assert np.array_equal(session.replay(CLICKS), final)
    assert session.clicks == tuple(CLICKS)
    assert np.array_equal(session.undo(), disk_union(CLICKS[:-1], SHAPE))
    assert not session.replay([]).any()


def test_replay_keeps_the_initial_mask():
    initial = np.zeros(SHAPE, dtype=bool)
    initial[:, :5] = True
    s = Session(DiskSegmenter())
    s.set_image(ct_slice(), initial_mask=initial)
    mask = s.replay(CLICKS[:2])
    assert np.array_equal(mask, apply_clicks_to_mask(initial, CLICKS[:2]))


def test_slice_is_not_tied_to_the_callers_array():
    hu = ct_slice()  # float32: no conversion needed, so a view would be easy to keep
    s = Session(DiskSegmenter())
    s.set_image(hu, window=(40, 400))
    expected = s._require_image().windowed.copy()
    hu[:] = 3000.0
    s.set_window((40, 400))
    np.testing.assert_array_equal(s._require_image().windowed, expected)
