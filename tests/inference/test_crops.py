"""Where the network looks (inference/crops.py): the target crop for every click and
FocalClick's focus crop, on constructed masks with known boxes."""

from __future__ import annotations

import numpy as np
import pytest

from napari_everyclick.core.clicks import STATIC_RADIUS_PX, Click
from napari_everyclick.core.geometry import Box, disk_box, mask_box
from napari_everyclick.inference.crops import (
    CropConfig,
    FocusConfig,
    first_click_box,
    focus_box,
    target_box,
)

CFG = CropConfig()  # expansion 1.4, first_disk_ratio 2.5, min_side 40, plain_click_side 160
FOCUS = FocusConfig()  # expansion 1.4, min_side 24, local_ratio 0.4


def contains(outer: Box, inner: Box) -> bool:
    return outer.union(inner) == outer


def centre(box: Box) -> tuple[float, float]:
    """The box centre in pixel-centre coordinates (pixel i spans i - 0.5 .. i + 0.5)."""
    cy, cx = box.center
    return cy - 0.5, cx - 0.5


def empty(shape=(512, 512)) -> np.ndarray:
    return np.zeros(shape, dtype=bool)


@pytest.mark.parametrize("radius", [3.0, STATIC_RADIUS_PX, 8.0])
def test_a_plain_first_click_gets_the_plain_click_square_whatever_its_radius(radius):
    """Before: only a 5-px click was plain; a plain click of a 3-px static radius got the
    square of a 3-px drag (40 px, min_side) instead of 160 px."""
    box = first_click_box(Click(250, 250, True, radius, plain=True), (512, 512), CFG)
    assert box.height == box.width == CFG.plain_click_side


def test_a_drag_of_the_static_radius_gets_a_drags_square():
    box = first_click_box(Click(250, 250, True, STATIC_RADIUS_PX, plain=False), (512, 512), CFG)
    assert box.height == box.width == CFG.min_side


@pytest.mark.parametrize("radius", [10.0, 14.5, 30.0, 60.0])
def test_first_dynamic_disk_gets_a_square_of_2_5_diameters(radius):
    click = Click(250.3, 260.8, True, radius)
    box = target_box(empty(), [click], CFG)
    side = round(2.5 * 2 * radius)
    assert box.height == box.width == side
    cy, cx = centre(box)
    assert abs(cy - click.y) <= 0.5 and abs(cx - click.x) <= 0.5
    assert contains(box, disk_box(click))


@pytest.mark.parametrize("radius", [1.0, 3.0, 7.9])
def test_first_small_disk_gets_at_least_min_side(radius):
    click = Click(100.0, 100.0, True, radius)
    box = target_box(empty(), [click], CFG)
    assert box.height == box.width == CFG.min_side
    assert contains(box, disk_box(click))


def test_first_plain_click_gets_the_plain_click_side():
    click = Click(200.0, 300.0, True, STATIC_RADIUS_PX)
    box = target_box(empty(), [click], CFG)
    assert box.height == box.width == CFG.plain_click_side
    assert centre(box) == pytest.approx((200.0, 300.0), abs=0.5)
    other = CropConfig(plain_click_side=96)
    assert target_box(empty(), [click], other).height == 96


def test_first_click_box_is_shifted_inside_the_slice():
    click = Click(3.0, 508.0, True, 12.0)  # near the top-right corner of a 512 slice
    box = first_click_box(click, (512, 512), CFG)
    assert box.height == box.width == 60
    assert box == Box(0, 512 - 60, 60, 512)
    assert contains(box, Box(0, disk_box(click).x0, disk_box(click).y1, 512))


def test_first_click_box_larger_than_the_slice_is_centred():
    click = Click(20.0, 20.0, True, STATIC_RADIUS_PX)
    box = first_click_box(click, (64, 80), CFG)
    assert box.height == box.width == 160
    assert box == Box(-48, -40, 112, 120)


def test_later_clicks_hold_the_mask_and_all_positive_disks():
    previous = empty()
    previous[200:240, 180:260] = True  # 40 x 80 object
    clicks = [
        Click(220.0, 220.0, True, 15.0),
        Click(260.0, 300.0, True, 10.0),  # a positive disk outside the mask
        Click(100.0, 100.0, False, 4.0),  # an old negative far away: not included
        Click(230.0, 200.0, False, 3.0),  # the newest, negative
    ]
    box = target_box(previous, clicks, CFG)
    union = mask_box(previous).union(disk_box(clicks[1])).union(disk_box(clicks[0]))
    assert box.height == box.width
    assert box.height == round(1.4 * max(union.height, union.width))
    assert contains(box, union)
    assert contains(box, disk_box(clicks[3]))
    assert not contains(box, disk_box(clicks[2]))
    cy, cx = centre(box)
    uy, ux = centre(union)
    assert abs(cy - uy) <= 0.5 and abs(cx - ux) <= 0.5


def test_later_click_newest_disk_is_included_even_when_negative():
    previous = empty()
    previous[100:120, 100:120] = True
    newest = Click(180.0, 110.0, False, 6.0)
    box = target_box(previous, [Click(110.0, 110.0, True, 8.0), newest], CFG)
    assert contains(box, disk_box(newest))
    assert contains(box, Box(100, 100, 120, 120))


def test_later_click_small_object_gets_min_side():
    previous = empty()
    previous[300:306, 300:306] = True
    box = target_box(previous, [Click(302.0, 302.0, True, 2.0)] * 2, CFG)
    assert box.height == box.width == CFG.min_side
    assert contains(box, Box(300, 300, 306, 306))


def test_later_click_box_stays_inside_the_slice():
    previous = empty((128, 128))
    previous[0:30, 90:128] = True
    box = target_box(previous, [Click(10.0, 110.0, True, 8.0)] * 2, CFG)
    assert box.y0 >= 0 and box.x0 >= 0 and box.y1 <= 128 and box.x1 <= 128
    assert box.height == box.width == round(1.4 * 38)


# --- focus crop ---------------------------------------------------------------------------


def test_focus_box_on_the_first_click_covers_the_object():
    coarse = empty((160, 160))
    coarse[40:100, 50:90] = True  # 60 x 40
    click = Click(70.0, 70.0, True, 10.0)
    box = focus_box(empty((160, 160)), coarse, click, FOCUS)
    assert box.height == box.width == round(1.4 * 60)
    assert contains(box, mask_box(coarse))
    cy, cx = centre(box)
    assert abs(cy - 69.5) <= 0.5 and abs(cx - 69.5) <= 0.5


def test_focus_box_on_the_first_click_with_an_empty_answer_is_around_the_disk():
    click = Click(70.0, 70.0, True, 4.0)
    box = focus_box(empty((160, 160)), empty((160, 160)), click, FOCUS)
    assert box.height == box.width == FOCUS.min_side
    assert contains(box, disk_box(click))


def test_focus_box_small_change_is_a_local_square_around_the_click():
    previous = empty((256, 256))
    previous[50:150, 60:160] = True  # 100 x 100 object
    coarse = previous.copy()
    coarse[148:154, 100:106] = True  # a 6 x 6 bump at the bottom edge
    click = Click(151.0, 103.0, True, 2.0)
    box = focus_box(previous, coarse, click, FOCUS)
    # the new object is 104 x 100: a local square of 0.4 * 104 -> 42 around the click,
    # expanded 1.4 -> 59
    assert box.height == box.width == round(1.4 * round(0.4 * 104)) == 59
    cy, cx = centre(box)
    assert abs(cy - click.y) <= 1.0 and abs(cx - click.x) <= 1.0


def test_focus_box_click_outside_the_change_is_local_too():
    previous = empty((256, 256))
    previous[50:150, 60:160] = True
    coarse = previous.copy()
    coarse[50:60, 60:160] = False  # a change far from the click
    click = Click(100.0, 110.0, True, 3.0)
    box = focus_box(previous, coarse, click, FOCUS)
    assert box.height == box.width == round(1.4 * 0.4 * 100)
    cy, cx = centre(box)
    assert abs(cy - click.y) <= 1.0 and abs(cx - click.x) <= 1.0


def test_focus_box_large_change_covers_the_changed_region():
    previous = empty((256, 256))
    previous[50:150, 60:160] = True
    coarse = previous.copy()
    coarse[150:200, 60:160] = True  # the object grows by 50 rows at the click
    click = Click(175.0, 110.0, True, 5.0)
    box = focus_box(previous, coarse, click, FOCUS)
    changed = Box(150, 60, 200, 160)
    assert contains(box, changed)
    assert box.height == box.width == round(1.4 * 100)
    other = Box(40, 40, 60, 60)  # the untouched top edge of the object is not needed
    assert not contains(box, other)


def test_focus_box_is_clamped_to_the_target_crop():
    """Outside the target crop the coarse network has no logits or features (spec 2.4 step 5):
    a focus box near the crop's edge is cut to it (it failed before the clamp)."""
    from napari_everyclick.core.geometry import Box
    from napari_everyclick.inference.crops import FocusConfig, focus_box

    coarse = np.zeros((200, 200), bool)
    coarse[60:140, 60:140] = True
    target = Box(50, 50, 150, 150)
    box = focus_box(np.zeros_like(coarse), coarse, Click(100.0, 100.0), FocusConfig(), target)
    assert target.y0 <= box.y0 < box.y1 <= target.y1
    assert target.x0 <= box.x0 < box.x1 <= target.x1
    unclamped = focus_box(np.zeros_like(coarse), coarse, Click(100.0, 100.0), FocusConfig())
    assert unclamped.height > target.height  # 1.4 x the 80-px object overflows the 100-px crop
