"""`disk`: the honest trivial baseline, the user's disks and nothing else.

The mask is the union of the positive disks minus the negative disks (later clicks override
earlier ones where they overlap), on top of the initial mask if any. Every other method is judged
by how far it beats this.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..clicks import Click
from ..disks import apply_clicks_to_mask
from ..segmenter import Prediction, PreparedSlice
from ..session import prepare_slice
from ..windowing import Window


class DiskSegmenter:
    name = "disk"

    def prepare(self, slice_hu: np.ndarray, window: Window) -> PreparedSlice:
        return prepare_slice(slice_hu, window)

    def predict(
        self, image: PreparedSlice, clicks: Sequence[Click], previous: Prediction | None
    ) -> Prediction:
        base = previous.mask if previous is not None else np.zeros(image.shape, dtype=bool)
        return Prediction(mask=apply_clicks_to_mask(base, clicks[-1:]))
