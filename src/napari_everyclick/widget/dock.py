"""The "Every Click" dock widget: the controls and the measurement table, wired to an Annotator.

No hidden set-up step: docking it targets the selected (or the only) CT image layer and turns
the click tool on at once; an image added later is targeted when none is. The window controls
drive both the image's contrast limits and the model input, and follow the contrast slider.

The widget works on the viewer itself, not on the proxy napari hands it (`layers.unproxied`).
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import replace

from napari.layers import Image, Labels, Points
from qtpy.QtCore import QEvent, Qt
from qtpy.QtWidgets import QApplication, QScrollArea, QSplitter, QVBoxLayout, QWidget

from ..core.windowing import WINDOW_PRESETS, Window, as_window
from ..methods import available_methods
from .annotator import Annotator, Settings
from .controls import CUSTOM_WINDOW, ControlPanel
from .keys import SHORTCUTS, bind_shortcuts, unbind_shortcuts
from .layers import CLICKS_LAYER, PREVIEW_LAYER, find_layer, unproxied
from .segmenters import MethodChoice, SegmenterFactory, SegmenterPool, default_method
from .table import MeasurementView

SCROLLBAR_ALLOWANCE_PX = 36


def _is_ours(layer) -> bool:
    return layer.name.startswith("everyclick: ")


class EveryClickWidget(QWidget):
    """Dock widget for napari (npe2 contribution "Every Click").

    segmenter_factory: builds a segmenter from (name, **options); default
    `methods.make_segmenter`. Tests pass a fake one.
    """

    def __init__(self, napari_viewer, segmenter_factory: SegmenterFactory | None = None) -> None:
        super().__init__()
        self.viewer = napari_viewer = unproxied(napari_viewer)
        methods = available_methods()
        method = default_method(methods)
        pool = SegmenterPool() if segmenter_factory is None else SegmenterPool(segmenter_factory)
        self.controls = ControlPanel(methods, method)
        self.table = MeasurementView(
            on_refresh=lambda: self.annotator.refresh_measurements(),
            on_show=lambda label, z: self.annotator.show_lesion(label, z),
            on_delete=lambda label: self.annotator.delete_label(label),
        )
        self.settings = Settings(method=MethodChoice(method))
        self.annotator = Annotator(
            napari_viewer,
            self.settings,
            pool,
            on_status=self.controls.status_label.setText,
            on_busy=self._busy_changed,
            on_measurements=self.table.show_rows,
            on_tool=self._tool_changed,
            on_target=self._target_changed,
        )
        self._closed = False
        self._syncing_window = False
        self._layout()
        self._connect()
        self._refresh_layer_combos()
        self._method_options_changed()
        self._pick_initial_image()
        # napari deletes docked widgets when its window closes, without a close event: stop the
        # background work's callbacks, which would touch deleted Qt widgets (a lambda, as a
        # method of a dying object is no longer called)
        self.destroyed.connect(lambda *_: self.close_tool())
        # an app that quits with the viewer open deletes the widget only at the interpreter's
        # exit: finish the saves while Qt and the event loop still stand
        self._app_quitting = lambda: self.close_tool()
        QApplication.instance().aboutToQuit.connect(self._app_quitting)

    # --- public actions (buttons and keys) --------------------------------------------------

    def handlers(self) -> dict:
        """Action name -> callable, for buttons and key bindings."""
        a = self.annotator
        return {
            "toggle": a.tool.toggle,
            "accept": a.accept,
            "undo": a.undo_click,
            "reset": a.reset_object,
            "undo_accept": a.undo_accept,
            "propagate_up": lambda: a.propagate(+1),
            "propagate_down": lambda: a.propagate(-1),
            "propagate_through": self._propagate_through_or_stop,
        }

    def _propagate_through_or_stop(self) -> None:
        """Propagate through the lesion; while a propagation runs, the same button (and key)
        stops it."""
        a = self.annotator
        if a.propagating:
            a.stop_propagation()
        else:
            a.propagate(0)
        self._show_propagation_state()

    def _busy_changed(self, busy: bool) -> None:
        self.controls.busy_bar.setVisible(busy)
        self._show_propagation_state()

    def _show_propagation_state(self) -> None:
        shortcut = SHORTCUTS["propagate_through"]
        if self.annotator.propagating:
            shortcut = replace(shortcut, label="Stop propagation")
        self.controls.buttons["propagate_through"].setText(shortcut.button_text)

    # --- layout and wiring -----------------------------------------------------------------

    def _layout(self) -> None:
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        scroll.setWidget(self.controls)
        scroll.setMinimumWidth(self.controls.sizeHint().width() + SCROLLBAR_ALLOWANCE_PX)
        splitter = QSplitter(Qt.Vertical)
        splitter.addWidget(scroll)
        splitter.addWidget(self.table)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)
        layout.addWidget(self.controls.busy_bar)  # below the scrolling controls: always in view
        layout.addWidget(self.controls.status_label)

    def _connect(self) -> None:
        c = self.controls
        handlers = self.handlers()
        c.tool_button.clicked.connect(lambda checked: self.annotator.tool.set_active(checked))
        for action, button in c.buttons.items():
            button.clicked.connect(lambda _=False, f=handlers[action]: f())
        c.image_combo.currentIndexChanged.connect(self._image_chosen)
        c.labels_combo.currentIndexChanged.connect(self._labels_chosen)
        c.method_combo.currentIndexChanged.connect(self._method_options_changed)
        c.device_combo.currentIndexChanged.connect(self._method_options_changed)
        c.merge_check.toggled.connect(self._method_options_changed)
        c.preset_combo.currentIndexChanged.connect(self._preset_chosen)
        c.level_spin.valueChanged.connect(self._window_changed)
        c.width_spin.valueChanged.connect(self._window_changed)
        c.radius_spin.valueChanged.connect(self._radius_changed)
        c.label_spin.valueChanged.connect(self._label_changed)
        c.overwrite_check.toggled.connect(self._flags_changed)
        c.autosave_check.toggled.connect(self._flags_changed)
        c.axes_check.toggled.connect(self._axes_changed)
        layers = self.viewer.layers
        layers.events.inserted.connect(self._layers_changed)
        layers.events.removed.connect(self._layers_changed)
        layers.events.reordered.connect(self._layers_changed)
        self.viewer.dims.events.point.connect(self._slice_changed)
        bind_shortcuts([self.viewer], handlers)

    def _our_layers(self) -> list:
        layers = [
            find_layer(self.viewer, name, kind)
            for name, kind in ((CLICKS_LAYER, Points), (PREVIEW_LAYER, Labels))
        ]
        return [lay for lay in layers if lay is not None]

    def _bind_layer_keys(self) -> None:
        bind_shortcuts(self._our_layers(), self.handlers())

    def _layer_named(self, name: str | None):
        return next((lay for lay in self.viewer.layers if lay.name == name), None)

    def _images(self) -> list[Image]:
        return [lay for lay in self.viewer.layers if isinstance(lay, Image) and not _is_ours(lay)]

    def _labels(self) -> list[Labels]:
        return [lay for lay in self.viewer.layers if isinstance(lay, Labels) and not _is_ours(lay)]

    def _refresh_layer_combos(self) -> None:
        self.controls.image_combo.set_layers(self._images(), keep=self.annotator.image)
        self.controls.labels_combo.set_layers(self._labels(), keep=self.annotator.target)

    def _pick_initial_image(self) -> None:
        images = self._images()
        active = self.viewer.layers.selection.active
        image = active if isinstance(active, Image) and active in images else None
        if image is None and images:
            image = images[0]
        if image is not None:
            self._target_image(image)
            self.annotator.tool.set_active(True)

    def _target_image(self, image: Image | None) -> None:
        previous = self.annotator.image
        if previous is not None and previous is not image:
            previous.events.contrast_limits.disconnect(self._contrast_changed)
        self.annotator.set_image(image)
        image = self.annotator.image  # None when the layer cannot be segmented (e.g. RGB)
        if image is not None and image is not previous:
            self.controls.image_combo.setCurrentText(image.name)
            window = image.metadata.get("window")
            self._set_window(as_window(window) if window is not None else self.settings.window)
            image.events.contrast_limits.connect(self._contrast_changed)
            self._bind_layer_keys()
            self._refresh_layer_combos()
        self._slice_changed()

    # --- slots -----------------------------------------------------------------------------

    def _layers_changed(self, event=None) -> None:
        if self._closed:
            return
        if self.annotator.image is not None and self.annotator.image not in self.viewer.layers:
            self._target_image(None)
        if self.annotator.target is not None and self.annotator.target not in self.viewer.layers:
            self.annotator.set_target(None)
        self._refresh_layer_combos()
        if self.annotator.image is None and self._images():
            self._target_image(self._images()[-1])
            self.annotator.tool.set_active(True)
        elif self.annotator.target is not None:
            self.controls.labels_combo.setCurrentText(self.annotator.target.name)

    def _image_chosen(self, _index: int) -> None:
        name = self.controls.image_combo.current_name()
        image = self._layer_named(name)
        if image is not self.annotator.image:
            self._target_image(image)

    def _labels_chosen(self, _index: int) -> None:
        name = self.controls.labels_combo.current_name()
        self.annotator.set_target(self._layer_named(name))

    def _method_options_changed(self, *_args) -> None:
        c = self.controls
        name = c.method_combo.currentText()
        learned = self.annotator.pool.is_learned(name)
        c.device_combo.setEnabled(learned)
        offers_merge = learned and name.startswith("focalclick")
        c.merge_check.setEnabled(offers_merge)
        merge = c.merge_check.isChecked() if offers_merge else None
        choice = MethodChoice(name, c.device_combo.currentText(), merge)
        if choice != self.settings.method:
            self.settings.method = choice
            self.annotator.method_changed()

    def _preset_chosen(self, _index: int) -> None:
        preset = self.controls.preset_combo.currentText()
        if preset in WINDOW_PRESETS:
            self._set_window(WINDOW_PRESETS[preset])

    def _set_window(self, window: Window) -> None:
        c = self.controls
        c.level_spin.blockSignals(True)
        c.width_spin.blockSignals(True)
        c.level_spin.setValue(window.level)
        c.width_spin.setValue(window.width)
        c.level_spin.blockSignals(False)
        c.width_spin.blockSignals(False)
        self._window_changed()

    def _window_changed(self, *_args) -> None:
        c = self.controls
        window = Window(c.level_spin.value(), c.width_spin.value())
        self.settings.window = window
        preset = next((n for n, w in WINDOW_PRESETS.items() if w == window), CUSTOM_WINDOW)
        c.preset_combo.blockSignals(True)
        c.preset_combo.setCurrentText(preset)
        c.preset_combo.blockSignals(False)
        image = self.annotator.image
        if image is not None and not self._syncing_window:
            self._syncing_window = True
            try:
                image.contrast_limits_range = (
                    min(image.contrast_limits_range[0], window.low),
                    max(image.contrast_limits_range[1], window.high),
                )
                image.contrast_limits = (window.low, window.high)
            finally:
                self._syncing_window = False

    def _contrast_changed(self, event=None) -> None:
        image = self.annotator.image
        if self._syncing_window or image is None or event is not None and event.source is not image:
            return
        low, high = image.contrast_limits
        if high > low:
            self._syncing_window = True
            try:
                self._set_window(Window.from_range(low, high))
            finally:
                self._syncing_window = False

    def _radius_changed(self, value: float) -> None:
        self.settings.static_radius = float(value)

    def _label_changed(self, value: int) -> None:
        self.settings.edit_label = int(value)
        self.annotator.edit_label_changed()

    def _flags_changed(self, *_args) -> None:
        self.settings.overwrite = self.controls.overwrite_check.isChecked()
        self.settings.autosave = self.controls.autosave_check.isChecked()

    def _axes_changed(self, checked: bool) -> None:
        self.settings.draw_axes = bool(checked)
        self.annotator.axes_toggled()

    def _slice_changed(self, event=None) -> None:
        plane = self.annotator.plane
        self.table.set_current_slice(None if plane is None else plane.z)

    def _target_changed(self, labels: Labels | None) -> None:
        self.controls.labels_combo.set_layers(self._labels(), keep=labels)

    def _tool_changed(self, active: bool) -> None:
        button = self.controls.tool_button
        button.blockSignals(True)
        button.setChecked(active)
        button.blockSignals(False)
        state = "on: click or drag on a lesion" if active else "off: napari's tools"
        self.controls.status_label.setText(f"EveryClick tool {state}")

    # --- closing ---------------------------------------------------------------------------

    def close_tool(self) -> None:
        """Give mouse and keys back to napari, after saving what waits (Annotator.close);
        accepted labels are left as they are."""
        if self._closed:
            return
        self._closed = True
        with suppress(AttributeError, TypeError, RuntimeError):  # the app already gone
            QApplication.instance().aboutToQuit.disconnect(self._app_quitting)
        layers = self.viewer.layers
        layers.events.inserted.disconnect(self._layers_changed)
        layers.events.removed.disconnect(self._layers_changed)
        layers.events.reordered.disconnect(self._layers_changed)
        self.viewer.dims.events.point.disconnect(self._slice_changed)
        if self.annotator.image is not None:
            self.annotator.image.events.contrast_limits.disconnect(self._contrast_changed)
        unbind_shortcuts([self.viewer, *self._our_layers()])
        self.annotator.close()

    def closeEvent(self, event) -> None:
        self.close_tool()
        super().closeEvent(event)

    def changeEvent(self, event) -> None:
        # napari's remove_dock_widget detaches the widget with setParent(None)
        if event.type() == QEvent.ParentChange and self.parent() is None and self.isWindow():
            self.close_tool()
        super().changeEvent(event)
