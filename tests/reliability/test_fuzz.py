"""Fuzzing what the other property tests leave out: Progressive Merge, the predictors' crop
boxes and the accept policy on label volumes, over random shapes, masks, clicks and radii.

50 examples per property (2000 with HYPOTHESIS_PROFILE=long). Crop geometry, disk encoding, the
robot clicker and the metrics have their own properties in tests/inference/test_geometry.py and
tests/core (test_disks, test_clicker, test_metrics, test_windowing).
"""

from __future__ import annotations

import numpy as np
import scipy.ndimage as ndi
from hypothesis import given
from hypothesis import strategies as st

from napari_everyclick.core.clicks import STATIC_RADIUS_PX, Click
from napari_everyclick.core.geometry import Box, disk_box, mask_box
from napari_everyclick.inference.crops import CropConfig, FocusConfig, focus_box, target_box
from napari_everyclick.inference.merge import progressive_merge
from napari_everyclick.widget.label_writes import make_edit, plan_paste, plan_undo
from napari_everyclick.widget.plane import Plane

from .conftest import FUZZ

shapes = st.tuples(st.integers(4, 64), st.integers(4, 64))


@st.composite
def blobby_masks(draw, shape: tuple[int, int]) -> np.ndarray:
    """A bool mask of a few rectangles and random specks (several components, holes)."""
    h, w = shape
    mask = np.zeros(shape, bool)
    for _ in range(draw(st.integers(0, 4))):
        y0, x0 = draw(st.integers(0, h - 1)), draw(st.integers(0, w - 1))
        mask[y0 : y0 + draw(st.integers(1, h)), x0 : x0 + draw(st.integers(1, w))] ^= True
    seed = draw(st.integers(0, 2**32 - 1))
    specks = np.random.default_rng(seed).random(shape) < draw(st.sampled_from([0.0, 0.05, 0.3]))
    return mask ^ specks


@st.composite
def clicks_on(draw, shape: tuple[int, int], max_radius: float = 40.0) -> Click:
    """A click whose centre lies on the slice (sub-pixel, up to the half-pixel edges)."""
    h, w = shape
    return Click(
        y=draw(st.floats(-0.5, h - 0.51)),
        x=draw(st.floats(-0.5, w - 0.51)),
        positive=draw(st.booleans()),
        radius=draw(st.one_of(st.just(STATIC_RADIUS_PX), st.floats(0.5, max_radius))),
    )


def component_at(diff: np.ndarray, y: int, x: int) -> np.ndarray:
    """The 8-connected component of `diff` holding (y, x), by scipy (not cv2, as merge uses)."""
    labels, _ = ndi.label(diff, structure=np.ones((3, 3), int))
    return labels == labels[y, x] if diff[y, x] else np.zeros_like(diff)


# --- Progressive Merge ------------------------------------------------------------------------


@FUZZ
@given(shapes.flatmap(lambda s: st.tuples(blobby_masks(s), blobby_masks(s), clicks_on(s))))
def test_progressive_merge_changes_only_the_component_at_the_click(case):
    previous, new, click = case
    merged = progressive_merge(previous, new, click)
    y, x = click.pixel(previous.shape)
    region = component_at(previous ^ new, y, x)
    assert merged.dtype == bool and merged.shape == previous.shape
    assert not ((merged ^ previous) & ~region).any()  # nothing changes outside the component
    expected = previous & ~region if previous[y, x] else previous | region
    np.testing.assert_array_equal(merged, expected)
    if region.any():
        assert merged[y, x] == new[y, x]  # the clicked pixel takes the new answer
    assert not np.shares_memory(merged, previous)
    np.testing.assert_array_equal(progressive_merge(merged, new, click), merged)  # idempotent


# --- crop boxes -------------------------------------------------------------------------------

crop_configs = st.builds(
    CropConfig,
    net_size=st.just(64),
    expansion=st.floats(1.0, 2.0),
    first_disk_ratio=st.floats(1.0, 4.0),
    min_side=st.integers(4, 64),
    plain_click_side=st.integers(8, 160),
)


def clipped(box: Box, shape: tuple[int, int]) -> Box | None:
    return box.intersection(Box(0, 0, *shape))


def holds(outer: Box, inner: Box | None) -> bool:
    return inner is None or (
        outer.y0 <= inner.y0 and outer.x0 <= inner.x0 and inner.y1 <= outer.y1
        and inner.x1 <= outer.x1
    )  # fmt: skip


def placed(box: Box, shape: tuple[int, int]) -> bool:
    """Inside the slice on each axis where it fits, centred (overhang split) where not."""
    for lo, size, limit in ((box.y0, box.height, shape[0]), (box.x0, box.width, shape[1])):
        if size >= limit and lo != -((size - limit) // 2):
            return False
        if size < limit and not 0 <= lo <= limit - size:
            return False
    return True


@FUZZ
@given(
    shapes.flatmap(
        lambda s: st.tuples(
            st.just(s),
            st.one_of(st.just(np.zeros(s, bool)), blobby_masks(s)),
            st.lists(clicks_on(s), min_size=1, max_size=5),
        )
    ),
    crop_configs,
)
def test_target_box_is_a_placed_square_holding_the_object_and_the_disks(case, config):
    shape, previous, clicks = case
    box = target_box(previous, clicks, config)
    newest = clicks[-1]
    assert box.height == box.width >= 1
    assert placed(box, shape)
    y, x = newest.pixel(shape)
    assert holds(box, Box(y, x, y + 1, x + 1))  # the clicked pixel is always seen
    first = mask_box(previous) is None
    if not first:
        assert box.height >= config.min_side
        must = mask_box(previous).union(disk_box(newest))
        for click in clicks:
            if click.positive:
                must = must.union(disk_box(click))
        assert holds(box, clipped(must, shape))  # what lies on the slice is in the crop


@FUZZ
@given(
    shapes.flatmap(lambda s: st.tuples(st.just(s), blobby_masks(s), blobby_masks(s), clicks_on(s))),
    st.floats(1.0, 2.0),
    st.integers(4, 40),
    st.data(),
)
def test_focus_box_stays_inside_the_target_crop(case, expansion, min_side, data):
    shape, previous, coarse, click = case
    h, w = shape
    y0, x0 = data.draw(st.integers(-10, h - 1)), data.draw(st.integers(-10, w - 1))
    side = data.draw(st.integers(1, max(h, w) + 10))
    within = Box(y0, x0, y0 + side, x0 + side)
    config = FocusConfig(expansion=expansion, min_side=min_side)
    box = focus_box(previous, coarse, click, config, within)
    assert holds(within, box) and box.height >= 1 and box.width >= 1
    free = focus_box(previous, coarse, click, config)
    assert placed(free, shape) and free.height == free.width >= min_side


# --- the accept policy on label volumes --------------------------------------------------------


@st.composite
def label_volumes(draw) -> np.ndarray:
    shape = (draw(st.integers(1, 3)), draw(st.integers(4, 24)), draw(st.integers(4, 24)))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, draw(st.integers(1, 6)), size=shape)
    return np.where(rng.random(shape) < 0.6, 0, ids).astype(np.uint16)


@FUZZ
@given(label_volumes(), st.data(), st.booleans(), st.booleans())
def test_paste_then_undo_is_exact_and_touches_only_what_the_policy_allows(
    labels, data, overwrite, replace
):
    z = data.draw(st.integers(0, labels.shape[0] - 1))
    plane = Plane.from_point(labels.shape, (1, 2), (z, 0, 0))
    mask = data.draw(blobby_masks(labels.shape[1:]))
    label = data.draw(st.integers(1, 8))
    original = labels.copy()
    indices, values = plan_paste(labels, plane, mask, label, overwrite, replace)
    edit = make_edit(labels, [(plane, indices, values)], label)
    labels[edit.indices] = edit.after
    changed = labels != original
    assert not changed[np.arange(labels.shape[0]) != z].any()  # only this slice
    was, now, inside = original[z], labels[z], mask
    if not overwrite:
        assert not (changed[z] & (was != 0) & (was != label)).any()  # other ids stay
    grew = changed[z] & (now == label)
    shrank = changed[z] & (now == 0)
    assert (grew | shrank == changed[z]).all()
    assert not (grew & ~inside).any() and not (shrank & inside).any()
    if not replace:
        assert not shrank.any()
    assert ((now == label) | ~inside | ((was != 0) & (was != label) & ~np.bool_(overwrite))).all()

    # someone paints a few pixels by hand; undo restores the rest exactly and spares them
    painted = np.zeros_like(changed)
    painted[z] = np.random.default_rng(label).random(now.shape) < 0.1
    labels[painted] = 77
    undo_indices, undo_values = plan_undo(labels, edit)
    labels[undo_indices] = undo_values
    expected = np.where(painted, 77, original)
    np.testing.assert_array_equal(labels, expected)
