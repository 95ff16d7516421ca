"""A 600 x 512 x 512 int16 CT opened from a NIfTI file through the plugin's reader: opening holds
one copy of the volume, and a click on it costs what a click on a single 512 x 512 slice costs
(the displayed slice is read as a view; nothing per click copies the volume). Prints the open
time, the peak memory of opening and of clicking, and the per-click latencies.

Slow (writing and reading 315 MB): `python -m pytest -m slow tests/reliability -s`.
"""

from __future__ import annotations

import time
import tracemalloc

import nibabel as nib
import numpy as np
import pytest
from widget import canvas
from widget.conftest import wait_idle

SHAPE = (600, 512, 512)
VOLUME_MB = np.prod(SHAPE) * 2 / 1e6
Z = 300
LESION = (256, 240)


def ct_volume() -> np.ndarray:
    """Air, a soft-tissue body and a brighter lesion on every slice (int16 HU)."""
    yy, xx = np.mgrid[:512, :512]
    body = ((yy - 256) / 200.0) ** 2 + ((xx - 256) / 230.0) ** 2 <= 1.0
    lesion = (yy - LESION[0]) ** 2 + (xx - LESION[1]) ** 2 <= 30**2
    slice_hu = np.where(body, 40, -1000).astype(np.int16)
    slice_hu[lesion] = 140
    volume = np.empty(SHAPE, np.int16)
    volume[:] = slice_hu
    return volume


def click_latencies_ms(viewer, widget, qtbot, image, z: int | None, n: int) -> list[float]:
    """Wall time from a drag's release to the mask on screen, for n drags on the lesion."""
    times = []
    for k in range(n):
        y, x = LESION[0] + (k % 3) * 4 - 4, LESION[1] + (k % 2) * 4
        where = (y, x) if z is None else (z, y, x)
        end = (y, x + 12) if z is None else (z, y, x + 12)
        start = time.perf_counter()
        canvas.drag(viewer, image, where, end)
        wait_idle(qtbot, widget)
        times.append((time.perf_counter() - start) * 1000.0)
        widget.annotator.reset_object()
    return times


@pytest.mark.slow
def test_a_600_slice_volume_opens_once_and_clicks_cost_a_slice(
    make_napari_viewer, dock_plugin, qtbot, tmp_path
):
    path = tmp_path / "big.nii"
    volume = ct_volume()
    nib.save(nib.Nifti1Image(volume.T, np.diag([0.7, 0.7, 1.0, 1.0])), path)
    del volume
    viewer = make_napari_viewer()

    tracemalloc.start()
    start = time.perf_counter()
    (image,) = viewer.open(str(path), plugin="napari-everyclick")
    open_s = time.perf_counter() - start
    _, open_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert image.data.shape == SHAPE and image.data.dtype == np.int16

    widget = dock_plugin(viewer)
    widget.controls.method_combo.setCurrentText("flood")
    viewer.dims.set_point(0, float(Z))
    click_latencies_ms(viewer, widget, qtbot, image, Z, 2)  # warm-up
    big = click_latencies_ms(viewer, widget, qtbot, image, Z, 10)
    tracemalloc.start()
    click_latencies_ms(viewer, widget, qtbot, image, Z, 3)
    _, click_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    canvas.drag(viewer, image, (Z, *LESION), (Z, LESION[0], LESION[1] + 20))
    wait_idle(qtbot, widget)
    widget.annotator.accept()  # the labels layer: the one other full-size array
    assert viewer.layers["big lesions"].data.shape == SHAPE

    flat = viewer.add_image(np.asarray(image.data[Z]).copy(), name="one slice")
    widget.controls.image_combo.setCurrentText(flat.name)
    click_latencies_ms(viewer, widget, qtbot, flat, None, 2)  # warm-up
    single = click_latencies_ms(viewer, widget, qtbot, flat, None, 10)

    big_ms, single_ms = float(np.median(big)), float(np.median(single))
    print(
        f"\nlarge volume {SHAPE} int16 ({VOLUME_MB:.0f} MB): opened in {open_s:.1f} s, "
        f"peak traced memory while opening {open_peak / 1e6:.0f} MB, while clicking "
        f"{click_peak / 1e6:.1f} MB; per-click latency median {big_ms:.0f} ms "
        f"(p90 {np.percentile(big, 90):.0f}) vs a single 512x512 slice {single_ms:.0f} ms "
        f"(p90 {np.percentile(single, 90):.0f})"
    )
    assert open_peak / 1e6 < 1.2 * VOLUME_MB  # one copy, no float or transposed copy
    assert click_peak / 1e6 < 0.05 * VOLUME_MB  # a few slices, never the volume
    assert big_ms < 1.5 * single_ms + 30.0
