"""Measurements: analytic ellipses (long / short axis within one pixel), area, volume, CSV."""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest

from napari_everyclick.core.measurements import (
    MeasurementTable,
    measure_labels_on_slice,
    recist_axes,
    write_csv,
)


def ellipse(shape, cy, cx, a_mm, b_mm, angle_deg, spacing):
    """Pixels whose centre lies in an ellipse with semi-axes a (along angle) and b, in mm."""
    yy, xx = np.mgrid[: shape[0], : shape[1]].astype(float)
    y, x = (yy - cy) * spacing[0], (xx - cx) * spacing[1]
    t = math.radians(angle_deg)
    u = x * math.cos(t) + y * math.sin(t)
    v = -x * math.sin(t) + y * math.cos(t)
    return (u / a_mm) ** 2 + (v / b_mm) ** 2 <= 1.0


@pytest.mark.parametrize(
    "a, b, angle, spacing",
    [
        (40.0, 15.0, 0.0, (1.0, 1.0)),
        (40.0, 15.0, 30.0, (1.0, 1.0)),
        (33.3, 12.7, 57.0, (0.7, 0.7)),
        (40.0, 20.0, 0.0, (0.5, 1.0)),
        (20.0, 8.0, 135.0, (0.6, 0.9)),
        (25.0, 25.0, 0.0, (0.8, 0.8)),
    ],
)
def test_ellipse_axes_match_analytic_within_one_pixel(a, b, angle, spacing):
    mask = ellipse((220, 220), 110.3, 109.6, a, b, angle, spacing)
    long_axis, short_axis = recist_axes(mask, spacing)
    pixel = max(spacing)
    assert abs(long_axis.length_mm - 2 * a) <= pixel
    assert abs(short_axis.length_mm - 2 * b) <= pixel
    # the short axis is perpendicular to the long one (in mm)
    d_long = (np.subtract(long_axis.end, long_axis.start)) * spacing
    d_short = (np.subtract(short_axis.end, short_axis.start)) * spacing
    cos = abs(d_long @ d_short) / (np.linalg.norm(d_long) * np.linalg.norm(d_short))
    assert cos < 1e-6


def test_single_pixel_and_empty():
    mask = np.zeros((5, 5), bool)
    assert recist_axes(mask, (1.0, 1.0)) is None
    mask[2, 2] = True
    long_axis, short_axis = recist_axes(mask, (0.8, 0.8))
    assert long_axis.length_mm == pytest.approx(0.8)
    assert short_axis.length_mm == pytest.approx(0.8)


def test_slice_measurements_are_positioned_in_the_slice():
    labels = np.zeros((60, 60), np.uint8)
    labels[10:20, 30:50] = 2
    found = measure_labels_on_slice(labels, (1.0, 1.0))
    m = found[2]
    assert m.pixels == 200 and m.area_mm2 == 200.0
    ys = sorted([m.long_axis.start[0], m.long_axis.end[0]])
    assert 9 <= ys[0] and ys[1] <= 20.5  # end points are on the lesion, not the crop


def test_table_volume_slices_area_and_recist_slice():
    spacing = (3.0, 0.8, 0.8)
    labels = np.zeros((5, 80, 80), np.uint8)
    radii = {1: 10.0, 2: 20.0, 3: 14.0}
    for z, r in radii.items():
        labels[z] = ellipse((80, 80), 40, 40, r * 0.8, r * 0.8, 0, spacing[1:]) * 7
    labels[2, 0:3, 0:3] = 1  # a second lesion on one slice
    table = MeasurementTable(spacing)
    table.update(labels)
    rows = {m.label: m for m in table.lesions()}
    seven = rows[7]
    assert seven.slices == 3
    assert (seven.first_slice, seven.last_slice) == (1, 3)
    assert seven.recist_slice == 2
    voxels = int((labels == 7).sum())
    assert seven.volume_ml == pytest.approx(voxels * 3.0 * 0.8 * 0.8 / 1000.0)
    assert seven.areas_mm2[1] == pytest.approx((labels[1] == 7).sum() * 0.64)
    assert abs(seven.long_axis.length_mm - 2 * 20 * 0.8) <= 0.8 + 1e-9
    assert rows[1].slices == 1
    assert (rows[1].first_slice, rows[1].last_slice) == (2, 2)
    # re-measuring one slice after an edit
    labels[2][labels[2] == 7] = 0
    table.update(labels, [2])
    assert {m.label: m for m in table.lesions()}[7].recist_slice == 3


def test_2d_labels_have_no_volume():
    table = MeasurementTable((0.5, 0.5))
    labels = np.zeros((20, 20), np.uint8)
    labels[5:10, 5:10] = 1
    table.update(labels)
    (row,) = table.lesions()
    assert row.volume_ml is None and row.slices == 1


def test_csv_holds_the_axes(tmp_path):
    spacing = (2.0, 1.0, 1.0)
    labels = np.zeros((2, 100, 100), np.uint8)
    labels[1] = ellipse((100, 100), 50, 50, 30.0, 12.0, 20.0, (1.0, 1.0)) * 3
    table = MeasurementTable(spacing)
    table.update(labels)
    path = write_csv(table.lesions(), tmp_path / "m.csv")
    with path.open() as fh:
        (row,) = list(csv.DictReader(fh))
    assert row["label"] == "3"
    assert abs(float(row["long_axis_mm"]) - 60.0) <= 1.0
    assert abs(float(row["short_axis_mm"]) - 24.0) <= 1.0
    assert row["slices"] == "1"
    assert row["first_slice"] == row["last_slice"] == "1"
    assert row["area_mm2_by_slice"].startswith("1:")
