"""Progressive Merge (FocalClick, spec 2.7): a click changes only the region it touches.

D = previous XOR new; C = the 8-connected component of D at the click (empty when the click is
not in D). If the click is inside the previous mask the result is previous minus C, otherwise
previous plus C.
"""

from __future__ import annotations

import cv2
import numpy as np

from ..core.clicks import Click


def progressive_merge(previous: np.ndarray, new: np.ndarray, click: Click) -> np.ndarray:
    """Merge the new bool mask into the previous one around the click (bool H, W)."""
    prev = np.asarray(previous, dtype=bool)
    diff = np.logical_xor(prev, np.asarray(new, dtype=bool))
    y, x = click.pixel(prev.shape)
    if not diff[y, x]:
        return prev.copy()
    _, labels = cv2.connectedComponents(diff.astype(np.uint8), connectivity=8)
    region = labels == labels[y, x]
    return prev & ~region if prev[y, x] else prev | region
