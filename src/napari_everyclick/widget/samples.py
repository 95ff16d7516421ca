"""Sample data for napari's File > Open Sample: the CT phantom and a real CT slice.

(a) the procedural phantom (`core.phantom`) with its ground-truth lesions; (b) pydicom's
CT_small.dcm test file, a real 128 x 128 CT slice shipped with the pydicom dependency (no data of
ours is copied anywhere). Both are returned as napari LayerData tuples; nothing here imports
napari.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.phantom import make_phantom

LayerData = tuple[Any, dict, str]

PHANTOM_NAME = "CT phantom"


def phantom_layers(seed: int = 0) -> list[LayerData]:
    """The phantom as an Image layer in HU (scale = spacing in mm) and its truth as Labels."""
    phantom = make_phantom(seed=seed)
    window = phantom.window
    spacing = phantom.spacing_mm
    geometry = {"spacing_mm": spacing, "affine": np.diag([*spacing, 1.0])}
    image = (
        phantom.hu,
        {
            "name": PHANTOM_NAME,
            "scale": spacing,
            "colormap": "gray",
            "contrast_limits": (window.low, window.high),
            "metadata": {**geometry, "window": (window.level, window.width), "source": "phantom"},
        },
        "image",
    )
    truth = (
        phantom.labels,
        {
            "name": f"{PHANTOM_NAME} truth",
            "scale": spacing,
            "opacity": 0.35,
            "visible": False,
            "metadata": geometry,
        },
        "labels",
    )
    return [image, truth]


def dicom_slice_layers() -> list[LayerData]:
    """pydicom's CT_small.dcm (one real CT slice) read with the plugin's own reader."""
    from pydicom.data import get_testdata_file

    from ..io.layers import read_layers

    return read_layers(get_testdata_file("CT_small.dcm"))
