"""The autosave write is atomic: a write that dies midway (a full disk, a crash) leaves the
previous file whole and no temporary file behind; the next write replaces it completely."""

from __future__ import annotations

import os

import nibabel as nib
import numpy as np
import pytest

from napari_everyclick.io import nifti
from napari_everyclick.io.layers import write_labels


def labels_with(n: int) -> np.ndarray:
    data = np.zeros((4, 32, 32), np.uint16)
    for k in range(1, n + 1):
        data[k % 4, 4 * k : 4 * k + 3, 5:9] = k
    return data


def test_a_write_dying_midway_leaves_the_previous_autosave_whole(tmp_path, monkeypatch):
    path = tmp_path / "case_everyclick_labels.nii.gz"
    meta = {"scale": (2.5, 0.8, 0.8)}
    write_labels(str(path), labels_with(2), meta)
    saved = path.read_bytes()

    real_save = nib.save

    def dies_midway(img, filename):
        real_save(img, filename)
        with open(filename, "r+b") as fh:  # half the file is on disk when the crash comes
            fh.truncate(os.path.getsize(filename) // 2)
        raise OSError("No space left on device")

    monkeypatch.setattr(nifti.nib, "save", dies_midway)
    with pytest.raises(OSError, match="No space left"):
        write_labels(str(path), labels_with(5), meta)
    assert path.read_bytes() == saved
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # no temporary left
    np.testing.assert_array_equal(np.asanyarray(nib.load(path).dataobj).T, labels_with(2))

    monkeypatch.setattr(nifti.nib, "save", real_save)
    write_labels(str(path), labels_with(5), meta)
    np.testing.assert_array_equal(np.asanyarray(nib.load(path).dataobj).T, labels_with(5))
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]
