"""Mouse gestures on the canvas -> Clicks on the displayed slice.

- press and release without moving: a positive click with the static radius;
- press, drag, release: a positive *dynamic disk* centred at the press point whose radius is
  the drag distance in slice pixels, drawn live while dragging;
- the same with the right button, or with Ctrl held (trackpads), is negative.

`DiskGesture` is a napari mouse drag callback (a generator: press, then one step per move, then
release). napari gives positions in world coordinates (mm); they are mapped to the image's data
coordinates with the public `layer.world_to_data`, then to (y, x) pixels of the displayed plane.
A press counts as a drag once the cursor has moved DRAG_THRESHOLD_PX screen pixels, so a shaky
click stays a click at any zoom.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from typing import Any

import numpy as np
from napari.layers import Image

from ..core.clicks import Click
from .plane import Plane

DRAG_THRESHOLD_PX = 4.0
"""Cursor travel, in screen pixels, that turns a click into a drag."""
MIN_DISK_RADIUS_PX = 1.0
"""Smallest dynamic disk radius in slice pixels."""

LEFT, RIGHT = 1, 2


def displayed_plane(viewer, image: Image, world_point) -> Plane | None:
    """The image's displayed 2D plane through a world point, or None (3D view, or fewer than
    two of the image's axes on screen)."""
    if viewer.dims.ndisplay != 2:
        return None
    offset = viewer.dims.ndim - image.ndim
    axes = [d - offset for d in viewer.dims.displayed]
    if len(axes) != 2 or min(axes) < 0:
        return None
    data_point = image.world_to_data(np.asarray(world_point))
    return Plane.from_point(image.data.shape, axes, data_point)


def is_negative(event: Any) -> bool:
    """Right button, or Ctrl held with any button, means a negative (background) disk."""
    modifiers = {str(getattr(m, "name", m)) for m in (event.modifiers or ())}
    return event.button == RIGHT or "Control" in modifiers


class DiskGesture:
    """A napari drag callback that turns press / drag / release into one Click.

    get_image(): the target image layer or None. static_radius(): the plain-click radius (px).
    active(): whether the tool is on. on_live(plane, click | None): show / hide the live disk.
    on_click(plane, click): the finished gesture. on_reject(message): a press that cannot be a
    click (outside the image, 3D view).
    """

    def __init__(
        self,
        get_image: Callable[[], Image | None],
        static_radius: Callable[[], float],
        active: Callable[[], bool],
        on_live: Callable[[Plane, Click | None], None],
        on_click: Callable[[Plane, Click], None],
        on_reject: Callable[[str], None],
    ) -> None:
        self._get_image = get_image
        self._static_radius = static_radius
        self._active = active
        self._on_live = on_live
        self._on_click = on_click
        self._on_reject = on_reject

    def __call__(self, viewer, event: Any) -> Generator[None, None, None]:
        image = self._get_image()
        if not self._active() or image is None or event.button not in (LEFT, RIGHT):
            return
        plane = displayed_plane(viewer, image, event.position)
        if plane is None:
            self._on_reject("EveryClick works on 2D slices: switch the viewer to 2D (Ctrl+Y)")
            return
        y, x = plane.to_plane(image.world_to_data(np.asarray(event.position)))
        h, w = plane.shape(image.data.shape)
        if not (-0.5 <= y < h - 0.5 and -0.5 <= x < w - 0.5):
            self._on_reject("the click is outside the image")
            return
        positive = not is_negative(event)
        press_pos = np.asarray(event.pos, dtype=float)
        static = float(self._static_radius())
        dragged = False
        self._on_live(plane, Click(y, x, positive, static, plain=True))
        yield
        while event.type == "mouse_move":
            if not dragged:
                travel = np.asarray(event.pos, dtype=float) - press_pos
                dragged = math.hypot(*travel) >= DRAG_THRESHOLD_PX
            if dragged:
                self._on_live(plane, self._disk(image, plane, y, x, positive, event.position))
            yield
        click = (
            self._disk(image, plane, y, x, positive, event.position)
            if dragged
            else Click(y, x, positive, static, plain=True)
        )
        self._on_live(plane, None)
        self._on_click(plane, click)

    @staticmethod
    def _disk(image: Image, plane: Plane, y: float, x: float, positive: bool, world_point) -> Click:
        """The dynamic disk from press (y, x) to the cursor's current world position."""
        cy, cx = plane.to_plane(image.world_to_data(np.asarray(world_point)))
        radius = max(math.hypot(cy - y, cx - x), MIN_DISK_RADIUS_PX)
        return Click(y, x, positive, radius, plain=False)
