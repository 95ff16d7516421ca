"""The plugin's own napari layers, created once per image and reused, never multiplied.

- "everyclick: clicks" (Points): each click as a circle of its radius, green positive, red
  negative, shown only on its slice; plus the live disk while dragging.
- "everyclick: object" (Labels): the current object's mask on the current slice. Its data is a
  one-slice-thick array translated onto that slice, so it costs one slice of memory however
  large the volume is.
- "everyclick: RECIST axes" (Shapes): optional long / short axis lines per lesion.
- the target Labels layer, created to match the image (shape, scale, translate) if needed.

Every layer shares the image's scale and translate, so data coordinates (voxels) line up.
Adding a layer would select it; `keep_selection` puts the user's selection back.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import numpy as np
from napari import Viewer
from napari.layers import Image, Labels, Layer, Points, Shapes
from napari.utils.colormaps import DirectLabelColormap

from ..core.clicks import Click
from ..core.measurements import LesionMeasurement
from ..io.layers import labels_layer_name
from .plane import Plane

CLICKS_LAYER = "everyclick: clicks"
PREVIEW_LAYER = "everyclick: object"
AXES_LAYER = "everyclick: RECIST axes"

POSITIVE_COLOR = np.array([0.2, 1.0, 0.4, 1.0])
NEGATIVE_COLOR = np.array([1.0, 0.25, 0.25, 1.0])
DISK_FILL_ALPHA = 0.12
PREVIEW_COLOR = "#ffc000"
LONG_AXIS_COLOR = "#00e5ff"
SHORT_AXIS_COLOR = "#ff66ff"
CIRCLE_BORDER_PX = 2.0  # ring width of a drawn click, in screen pixels


def unproxied(viewer: Viewer) -> Viewer:
    """The viewer behind the proxy napari hands a plugin's widget, or `viewer`.

    Through the proxy every `viewer.layers[...]` is a new proxy object, so neither `is`, nor a
    weak reference, nor a dictionary key holds on to a layer, and an event's `source` (the layer
    itself) matches none of them. Bugs came from that (hand strokes neither measured nor saved,
    an undone accept of another image not saved); the widget works on the viewer itself.
    """
    return getattr(viewer, "__wrapped__", viewer)


def find_layer(viewer, name: str, kind: type[Layer]) -> Layer | None:
    """The layer called `name` if it is of type `kind`, else None."""
    for layer in viewer.layers:
        if layer.name == name and isinstance(layer, kind):
            return layer
    return None


@contextmanager
def keep_selection(viewer) -> Iterator[None]:
    """Restore the layer selection (and the active layer) after adding layers."""
    selected = list(viewer.layers.selection)
    active = viewer.layers.selection.active
    try:
        yield
    finally:
        viewer.layers.selection.clear()
        viewer.layers.selection.update([lay for lay in selected if lay in viewer.layers])
        if active is not None and active in viewer.layers:
            viewer.layers.selection.active = active


def _match_geometry(layer: Layer, image: Image, offset_px: Sequence[float] | None = None) -> None:
    """Give `layer` the image's scale and translate (shifted by `offset_px` voxels), touching
    only what differs: every change makes napari recompute the world extent."""
    scale = np.asarray(image.scale, dtype=float)
    translate = np.asarray(image.translate, dtype=float)
    if offset_px is not None:
        translate = translate + np.asarray(offset_px, dtype=float) * scale
    if not np.array_equal(layer.scale, scale):
        layer.scale = scale
    if not np.array_equal(layer.translate, translate):
        layer.translate = translate


def _ensure(viewer, name: str, kind: type[Layer], image: Image, make, match: bool = True) -> Layer:
    """The layer `name` of `kind` with the image's dimensionality, created if missing; with
    `match`, also given the image's scale and translate."""
    layer = find_layer(viewer, name, kind)
    if layer is not None and layer.ndim != image.ndim:
        viewer.layers.remove(layer)
        layer = None
    if layer is None:
        with keep_selection(viewer):
            layer = viewer.add_layer(make())
    if match:
        _match_geometry(layer, image)
    return layer


def ensure_clicks_layer(viewer, image: Image) -> Points:
    """The clicks layer for `image` (created once)."""

    def make() -> Points:
        return Points(
            np.empty((0, image.ndim)),
            ndim=image.ndim,
            name=CLICKS_LAYER,
            projection_mode="none",
            border_width=CIRCLE_BORDER_PX,
            border_width_is_relative=False,
            scale=image.scale,
            translate=image.translate,
        )

    return _ensure(viewer, CLICKS_LAYER, Points, image, make)


def draw_clicks(layer: Points, clicks: Sequence[tuple[Plane, Click]]) -> None:
    """Show `clicks` (each with its slice) as circles of their radius (diameter = 2 r px).

    While a disk is dragged only its size changes, so only the sizes are sent to napari."""
    if not clicks:
        if len(layer.data):
            layer.data = np.empty((0, layer.ndim))
        return
    coords = np.array([plane.to_data(c.y, c.x) for plane, c in clicks])
    sizes = np.array([2.0 * c.radius for _, c in clicks])
    edge = np.array([POSITIVE_COLOR if c.positive else NEGATIVE_COLOR for _, c in clicks])
    same_points = layer.data.shape == coords.shape and np.array_equal(layer.data, coords)
    if same_points and np.array_equal(layer.border_color, edge):
        if not np.array_equal(layer.size, sizes):
            layer.size = sizes
        return
    face = edge.copy()
    face[:, 3] = DISK_FILL_ALPHA
    with layer.events.blocker_all():
        layer.data = coords
        layer.size = sizes
        layer.border_color = edge
        layer.face_color = face
        layer.selected_data = set()
    layer.refresh()


def ensure_preview_layer(viewer, image: Image) -> Labels:
    """The object preview layer for `image` (created once)."""

    def make() -> Labels:
        layer = Labels(
            np.zeros((1,) * image.ndim, dtype=np.uint8),
            name=PREVIEW_LAYER,
            opacity=0.55,
            scale=image.scale,
            translate=image.translate,
        )
        layer.colormap = DirectLabelColormap(
            color_dict={None: "transparent", 0: "transparent", 1: PREVIEW_COLOR}
        )
        return layer

    return _ensure(viewer, PREVIEW_LAYER, Labels, image, make, match=False)


def draw_preview(layer: Labels, image: Image, plane: Plane, mask: np.ndarray | None) -> None:
    """Show bool (H, W) `mask` on `plane` (nothing when None): a one-slice array moved there."""
    slab = np.zeros(plane.slab_shape(image.data.shape), dtype=np.uint8)
    if mask is not None:
        slab.reshape(mask.shape)[...] = mask
    if (
        mask is None
        and layer.data.shape == slab.shape
        and not layer.data.any()
        and np.array_equal(layer.translate, _slab_translate(image, plane))
    ):
        return  # already empty here
    _match_geometry(layer, image, plane.slab_offset())
    layer.data = slab


def _slab_translate(image: Image, plane: Plane) -> np.ndarray:
    offset = np.asarray(plane.slab_offset(), dtype=float)
    return np.asarray(image.translate, dtype=float) + offset * np.asarray(image.scale, dtype=float)


def ensure_axes_layer(viewer, image: Image) -> Shapes:
    """The RECIST axes layer for `image` (created once)."""

    def make() -> Shapes:
        return Shapes(
            ndim=image.ndim,
            name=AXES_LAYER,
            scale=image.scale,
            translate=image.translate,
        )

    return _ensure(viewer, AXES_LAYER, Shapes, image, make)


def draw_axes(layer: Shapes, lesions: Sequence[LesionMeasurement]) -> None:
    """Draw each lesion's long and short axes as lines on its RECIST slice (axial volumes or
    2D images: the slice number is axis 0 of a 3-D layer)."""
    lines, colors = [], []
    for m in lesions:
        for axis, color in ((m.long_axis, LONG_AXIS_COLOR), (m.short_axis, SHORT_AXIS_COLOR)):
            ends = np.array([axis.start, axis.end], dtype=float)
            if layer.ndim == 3:
                ends = np.column_stack([np.full(2, float(m.recist_slice)), ends])
            lines.append(ends)
            colors.append(color)
    layer.data = []
    if lines:
        layer.add_lines(lines, edge_color=colors, edge_width=1.5)


def create_target_labels(viewer, image: Image, data: np.ndarray | None = None) -> Labels:
    """A new Labels layer matching the image's shape, scale and translate: `data` (lesion ids of
    the image's shape), else empty uint16.

    The image's metadata (spacing, affine, source path) is copied so a writer can put the labels
    back in the source's orientation.
    """
    if data is None:
        data = np.zeros(image.data.shape, dtype=np.uint16)
    with keep_selection(viewer):
        labels = viewer.add_labels(
            data,
            name=labels_layer_name(image.name),
            scale=image.scale,
            translate=image.translate,
            metadata=dict(image.metadata),
            opacity=0.5,
        )
    return labels
