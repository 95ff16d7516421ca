"""Property tests of the crop geometry every predictor and the training views rely on
(core/geometry.py): slice <-> crop pixel mapping, boxes, padding and the resize round trip.

50 examples per property by default; HYPOTHESIS_PROFILE=long runs 2000 (as tests/core).
"""

from __future__ import annotations

import math
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from napari_everyclick.core.clicks import Click
from napari_everyclick.core.geometry import (
    Box,
    CropTransform,
    crop_padded,
    crop_resize,
    disk_box,
    expand_to_square,
    mask_box,
    shift_inside,
    square_around,
)

LONG = os.environ.get("HYPOTHESIS_PROFILE") == "long"
PROPERTY = settings(
    max_examples=2000 if LONG else 50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

coordinate = st.floats(-50.0, 300.0, allow_nan=False)
radius = st.floats(0.5, 60.0)
out_side = st.integers(8, 256)


@st.composite
def boxes(draw, low: int = -40, high: int = 240, max_side: int = 200) -> Box:
    y0 = draw(st.integers(low, high))
    x0 = draw(st.integers(low, high))
    return Box(y0, x0, y0 + draw(st.integers(1, max_side)), x0 + draw(st.integers(1, max_side)))


@st.composite
def transforms(draw) -> CropTransform:
    return CropTransform(draw(boxes()), draw(out_side), draw(out_side))


@PROPERTY
@given(transforms(), coordinate, coordinate)
def test_to_crop_and_back_is_the_identity(transform, y, x):
    cy, cx = transform.to_crop(y, x)
    by, bx = transform.from_crop(cy, cx)
    assert by == pytest.approx(y, abs=1e-6) and bx == pytest.approx(x, abs=1e-6)


@PROPERTY
@given(transforms(), coordinate, coordinate, radius, st.booleans())
def test_click_to_crop_matches_to_crop_and_scales_the_radius(transform, y, x, r, positive):
    click = Click(y, x, positive, r)
    mapped = transform.click_to_crop(click)
    ty, tx = transform.to_crop(y, x)
    assert mapped.y == pytest.approx(ty, abs=1e-6) and mapped.x == pytest.approx(tx, abs=1e-6)
    sy, sx = transform.scale
    assert mapped.radius == pytest.approx(r * (sy + sx) / 2.0, rel=1e-9)
    assert mapped.positive == positive
    back_y, back_x = transform.from_crop(mapped.y, mapped.x)
    assert abs(back_y - y) < 1.0 and abs(back_x - x) < 1.0
    assert back_y == pytest.approx(y, abs=1e-6) and back_x == pytest.approx(x, abs=1e-6)


@PROPERTY
@given(transforms())
def test_box_edges_map_to_crop_edges(transform):
    """Pixel-centre convention: the box's outer edges (y0 - 0.5, y1 - 0.5) land on the crop's
    (-0.5, out_h - 0.5)."""
    b = transform.box
    top, left = transform.to_crop(b.y0 - 0.5, b.x0 - 0.5)
    bottom, right = transform.to_crop(b.y1 - 0.5, b.x1 - 0.5)
    assert top == pytest.approx(-0.5) and left == pytest.approx(-0.5)
    assert bottom == pytest.approx(transform.out_h - 0.5)
    assert right == pytest.approx(transform.out_w - 0.5)


def test_scale_is_output_over_box():
    t = CropTransform(Box(10, 20, 50, 100), 80, 40)
    assert t.scale == (2.0, 0.5)
    mapped = t.click_to_crop(Click(30.0, 60.0, True, 4.0))
    assert mapped.radius == pytest.approx(4.0 * 1.25)
    assert (mapped.y, mapped.x) == pytest.approx(
        ((30 - 10 + 0.5) * 2 - 0.5, (60 - 20 + 0.5) * 0.5 - 0.5)
    )


@st.composite
def smooth_images(draw) -> np.ndarray:
    """A linear ramp plus a slow wave: what bilinear resampling reproduces closely."""
    h = draw(st.integers(24, 96))
    w = draw(st.integers(24, 96))
    a, b = draw(st.floats(-2.0, 2.0)), draw(st.floats(-2.0, 2.0))
    yy, xx = np.mgrid[:h, :w].astype(np.float32)
    return (a * yy + b * xx + 5.0 * np.sin(xx / 15.0) * np.cos(yy / 17.0)).astype(np.float32)


@PROPERTY
@given(smooth_images(), st.data())
def test_upsampling_crop_then_paste_restores_the_inside(image, data):
    h, w = image.shape
    y0 = data.draw(st.integers(0, h - 8))
    x0 = data.draw(st.integers(0, w - 8))
    box = Box(y0, x0, data.draw(st.integers(y0 + 8, h)), data.draw(st.integers(x0 + 8, w)))
    factor = data.draw(st.floats(1.0, 4.0))
    transform = CropTransform(
        box,
        max(int(math.ceil(box.height * factor)), box.height),
        max(int(math.ceil(box.width * factor)), box.width),
    )
    crop = transform.crop(image)
    assert crop.shape == (transform.out_h, transform.out_w)
    canvas = np.full(image.shape, np.nan, dtype=np.float32)
    transform.paste(canvas, crop)
    inside = canvas[box.y0 : box.y1, box.x0 : box.x1]
    original = image[box.y0 : box.y1, box.x0 : box.x1]
    outside = np.ones(image.shape, dtype=bool)
    outside[box.y0 : box.y1, box.x0 : box.x1] = False
    assert np.isnan(canvas[outside]).all() and not np.isnan(inside).any()
    # one pixel of slope at the edges (cv2 replicates the border), closer in the interior
    slope = max(np.abs(np.diff(image, axis=0)).max(), np.abs(np.diff(image, axis=1)).max())
    assert np.abs(inside - original).max() <= slope + 1e-3
    if box.height > 4 and box.width > 4:
        core = np.abs(inside - original)[2:-2, 2:-2]
        assert core.max() <= 0.3 * slope + 1e-3


def test_paste_writes_only_the_part_inside_the_canvas():
    canvas = np.zeros((10, 10), dtype=np.float32)
    transform = CropTransform(Box(-3, 6, 5, 14), 8, 8)  # 8x8 box, identity resize
    values = np.arange(64, dtype=np.float32).reshape(8, 8)
    transform.paste(canvas, values)
    assert np.array_equal(canvas[0:5, 6:10], values[3:8, 0:4])
    canvas[0:5, 6:10] = 0
    assert not canvas.any()


@PROPERTY
@given(boxes(), st.integers(20, 120), st.integers(20, 120))
def test_shift_inside_keeps_the_size_and_fits_when_it_can(box, h, w):
    moved = shift_inside(box, (h, w))
    assert (moved.height, moved.width) == (box.height, box.width)
    if box.height <= h:
        assert 0 <= moved.y0 and moved.y1 <= h
        if 0 <= box.y0 and box.y1 <= h:
            assert moved.y0 == box.y0  # already inside: unchanged
    else:  # too tall: centred, overhanging both sides by about the same amount
        assert moved.y0 <= 0 and moved.y1 >= h
        assert abs((-moved.y0) - (moved.y1 - h)) <= 1
    if box.width <= w:
        assert 0 <= moved.x0 and moved.x1 <= w
        if 0 <= box.x0 and box.x1 <= w:
            assert moved.x0 == box.x0
    else:
        assert moved.x0 <= 0 and moved.x1 >= w
        assert abs((-moved.x0) - (moved.x1 - w)) <= 1


@PROPERTY
@given(boxes(), st.floats(1.0, 3.0), st.integers(1, 120))
def test_expand_to_square(box, ratio, min_side):
    square = expand_to_square(box, ratio, min_side)
    assert square.height == square.width
    expected = max(ratio * max(box.height, box.width), min_side)
    assert abs(square.height - expected) <= 0.5
    assert square.height >= min_side
    cy, cx = box.center
    sy, sx = square.center
    assert abs(sy - cy) <= 0.5 and abs(sx - cx) <= 0.5
    if square.height >= max(box.height, box.width) + 1:
        assert square.union(box) == square  # it holds the box


def test_expand_to_square_max_side():
    square = expand_to_square(Box(0, 0, 100, 40), 1.4, 10, max_side=60)
    assert square.height == square.width == 60
    assert square.center == (50.0, 20.0)


@PROPERTY
@given(st.floats(-20.0, 200.0), st.floats(-20.0, 200.0), st.floats(1.0, 150.0))
def test_square_around(cy, cx, side):
    square = square_around(cy, cx, side)
    assert square.height == square.width == max(1, int(round(side)))
    # the pixel holding the centre is in the middle: centre within half a pixel
    sy, sx = square.center
    assert abs(sy - 0.5 - cy) <= 0.5 + 1e-9 and abs(sx - 0.5 - cx) <= 0.5 + 1e-9


@PROPERTY
@given(st.integers(1, 40), st.integers(1, 40), st.floats(0.0, 0.2), st.integers(0, 2**32 - 1))
def test_mask_box_is_the_tight_box(h, w, density, seed):
    mask = np.random.default_rng(seed).random((h, w)) < density
    box = mask_box(mask)
    if not mask.any():
        assert box is None
        return
    ys, xs = np.nonzero(mask)
    assert box == Box(ys.min(), xs.min(), ys.max() + 1, xs.max() + 1)
    inner = mask[box.y0 : box.y1, box.x0 : box.x1]
    assert inner.sum() == mask.sum()
    assert inner[0].any() and inner[-1].any() and inner[:, 0].any() and inner[:, -1].any()


@PROPERTY
@given(coordinate, coordinate, radius)
def test_disk_box_holds_the_disk(y, x, r):
    box = disk_box(Click(y, x, True, r))
    assert box.y0 <= y - r and box.x0 <= x - r
    assert box.y1 - 1 >= y + r and box.x1 - 1 >= x + r
    assert box.height <= 2 * r + 3 and box.width <= 2 * r + 3


@PROPERTY
@given(boxes(low=-30, high=40, max_side=60), st.floats(-5.0, 5.0), st.booleans())
def test_crop_padded(box, pad, channels):
    h, w = 30, 40
    image = np.arange(h * w, dtype=np.float32).reshape(h, w)
    if channels:
        image = np.stack([image, -image])
    out = crop_padded(image, box, pad)
    assert out.shape == (*image.shape[:-2], box.height, box.width)
    yy, xx = np.mgrid[box.y0 : box.y1, box.x0 : box.x1]
    inside = (yy >= 0) & (yy < h) & (xx >= 0) & (xx < w)
    assert (out[..., ~inside] == np.float32(pad)).all()
    expected = image[..., yy[inside], xx[inside]]
    assert np.array_equal(out[..., inside], expected)


@PROPERTY
@given(boxes(low=-30, high=40, max_side=60), out_side, out_side, st.booleans())
def test_crop_resize_shape_and_constant_image(box, out_h, out_w, channels):
    """A constant image with the same pad value stays constant at any zoom."""
    image = np.full((2, 30, 40) if channels else (30, 40), 0.25, dtype=np.float32)
    out = crop_resize(image, box, (out_h, out_w), pad_value=0.25)
    assert out.shape == (*image.shape[:-2], out_h, out_w)
    assert out.dtype == np.float32
    assert np.allclose(out, 0.25, atol=1e-6)


def test_crop_resize_channel_axis_stays_separate():
    """(C, H, W) images resize per channel, including a single channel."""
    rng = np.random.default_rng(0)
    image = rng.normal(size=(3, 20, 30)).astype(np.float32)
    box = Box(-4, 5, 16, 25)
    both = crop_resize(image, box, (40, 40), pad_value=-1.0)
    for c in range(3):
        assert np.allclose(both[c], crop_resize(image[c], box, (40, 40), pad_value=-1.0))
    assert crop_resize(image[:1], box, (40, 40)).shape == (1, 40, 40)


def test_box_union_and_iou():
    a, b = Box(0, 0, 10, 10), Box(5, 5, 15, 15)
    assert a.union(b) == Box(0, 0, 15, 15)
    assert a.iou(b) == pytest.approx(25 / 175)
    assert a.iou(Box(20, 20, 30, 30)) == 0.0
    assert a.iou(a) == 1.0
