"""Driving the canvas in tests: fake mouse events through napari's public mouse callbacks.

napari's canvas runs the viewer's callbacks, then the active layer's, with a read-only proxy of
the event whose `__wrapped__` it swaps on each move; we do the same with wrapt's ObjectProxy.
Positions are given in the image's data coordinates (z, y, x) and mapped to world with the
layer's public data_to_world.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import wrapt
from napari.utils.interactions import (
    mouse_move_callbacks,
    mouse_press_callbacks,
    mouse_release_callbacks,
)

LEFT, RIGHT = 1, 2


@dataclass
class FakeMouseEvent:
    type: str
    position: tuple
    pos: tuple = (0.0, 0.0)
    button: int = LEFT
    modifiers: tuple = ()
    is_dragging: bool = False
    handled: bool = False
    dims_displayed: tuple = (1, 2)
    dims_point: tuple | None = None
    view_direction: tuple | None = None
    delta: tuple = field(default=(0.0, 0.0))


def _dispatch(viewer, callbacks, event) -> None:
    callbacks(viewer, event)
    layer = viewer.layers.selection.active
    if layer is not None:
        callbacks(layer, event)


def press(viewer, image, zyx, button=LEFT, modifiers=()):
    """Press at data point zyx; returns the proxy napari keeps for the drag."""
    event = wrapt.ObjectProxy(
        FakeMouseEvent("mouse_press", _world(image, zyx), (0.0, 0.0), button, modifiers)
    )
    _dispatch(viewer, mouse_press_callbacks, event)
    return event


def move(viewer, image, zyx, screen_px: float, button=LEFT, modifiers=()) -> None:
    """Move the pressed mouse to data point zyx, `screen_px` pixels from the press on screen."""
    event = FakeMouseEvent(
        "mouse_move", _world(image, zyx), (screen_px, 0.0), button, modifiers, True
    )
    _dispatch(viewer, mouse_move_callbacks, wrapt.ObjectProxy(event))


def release(viewer, image, zyx, screen_px: float, button=LEFT, modifiers=()) -> None:
    event = FakeMouseEvent("mouse_release", _world(image, zyx), (screen_px, 0.0), button, modifiers)
    _dispatch(viewer, mouse_release_callbacks, wrapt.ObjectProxy(event))


def drag(viewer, image, start, end, button=LEFT, modifiers=(), steps=3) -> None:
    """Press at `start`, move in `steps` to `end`, release there (data coordinates z, y, x)."""
    press(viewer, image, start, button, modifiers)
    start_a, end_a = np.asarray(start, float), np.asarray(end, float)
    for k in range(1, steps + 1):
        point = start_a + (end_a - start_a) * k / steps
        move(viewer, image, tuple(point), 30.0 * k, button, modifiers)
    release(viewer, image, end, 30.0 * steps, button, modifiers)


def click(viewer, image, zyx, button=LEFT, modifiers=()) -> None:
    """Press and release without moving."""
    press(viewer, image, zyx, button, modifiers)
    release(viewer, image, zyx, 0.0, button, modifiers)


def _world(image, zyx) -> tuple:
    return tuple(float(v) for v in image.data_to_world(np.asarray(zyx, dtype=float)))
