"""Whether mouse gestures on the canvas belong to EveryClick or to napari.

On: a left/right drag makes a disk instead of panning, whichever layer is selected. That takes
two public switches: the camera stops panning with the mouse (`camera.mouse_pan`; the
wheel still zooms), and the selected layer is kept in its pan/zoom mode so its own tools (paint,
fill, add points) do not act on the same drag. Holding Space pans as in napari's layer modes.

Off: napari's behaviour is back untouched. Choosing another mode on the selected layer (e.g.
the Labels brush, by button or key) switches the tool off, so painting just works.
"""

from __future__ import annotations

from collections.abc import Callable, Generator

from .keys import PAN_KEY

PAN_ZOOM = "pan_zoom"


def camera_of(viewer):
    """The viewer's camera: `viewer.scene.camera` since napari 0.9 (where `viewer.camera` is
    deprecated), `viewer.camera` before."""
    scene = getattr(viewer, "scene", None)
    return viewer.camera if scene is None else scene.camera


class ToolSwitch:
    """The on/off state of the click tool on one viewer.

    on_change(active) is called after every switch (to update the button and status line).
    """

    def __init__(self, viewer, on_change: Callable[[bool], None]) -> None:
        self.viewer = viewer
        self._on_change = on_change
        self.active = False
        self.panning = False
        self._watched = None
        viewer.layers.selection.events.active.connect(self._on_active_layer)
        camera_of(viewer).events.mouse_pan.connect(self._on_mouse_pan)
        self._watch(viewer.layers.selection.active)

    @property
    def capturing(self) -> bool:
        """True when a drag on the canvas makes a click (on, and Space not held)."""
        return self.active and not self.panning

    def set_active(self, active: bool) -> None:
        """Switch the tool on or off."""
        if active == self.active:
            return
        self.active = active
        if active:
            self.viewer.bind_key(PAN_KEY, self._hold_to_pan, overwrite=True)
            self._pan_zoom_mode(self.viewer.layers.selection.active)
        else:
            self.viewer.bind_key(PAN_KEY, None)
            self.panning = False
        self._apply_camera()
        self._on_change(active)

    def toggle(self) -> None:
        self.set_active(not self.active)

    def close(self) -> None:
        """Give the mouse back to napari and stop listening."""
        self.set_active(False)
        self.viewer.layers.selection.events.active.disconnect(self._on_active_layer)
        camera_of(self.viewer).events.mouse_pan.disconnect(self._on_mouse_pan)
        self._watch(None)

    def _hold_to_pan(self, _viewer) -> Generator[None, None, None]:
        self.panning = True
        self._apply_camera()
        yield
        self.panning = False
        self._apply_camera()

    def _apply_camera(self) -> None:
        if self.capturing:
            camera_of(self.viewer).mouse_pan = False
        else:
            layer = self.viewer.layers.selection.active
            camera_of(self.viewer).mouse_pan = True if layer is None else layer.mouse_pan

    def _on_mouse_pan(self, event) -> None:
        if self.capturing and camera_of(self.viewer).mouse_pan:
            camera_of(self.viewer).mouse_pan = False

    def _on_active_layer(self, event) -> None:
        layer = event.value
        self._watch(layer)
        if self.active:
            self._pan_zoom_mode(layer)
            self._apply_camera()

    def _watch(self, layer) -> None:
        if self._watched is not None and hasattr(self._watched.events, "mode"):
            self._watched.events.mode.disconnect(self._on_mode)
        self._watched = layer
        if layer is not None and hasattr(layer.events, "mode"):
            layer.events.mode.connect(self._on_mode)

    def _on_mode(self, event) -> None:
        if self.active and str(event.mode) != PAN_ZOOM:
            self.set_active(False)

    @staticmethod
    def _pan_zoom_mode(layer) -> None:
        if layer is not None and hasattr(layer, "mode") and str(layer.mode) != PAN_ZOOM:
            layer.mode = PAN_ZOOM
