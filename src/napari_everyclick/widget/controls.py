"""The dock's form: targets, method, window, click options, action buttons, status.

Pure Qt layout; the dock (`dock.py`) connects these widgets to the annotator. Every action
button's text shows its key (from `keys.SHORTCUTS`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from napari.layers import Layer
from qtpy.QtCore import Qt
from qtpy.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ..core.clicks import STATIC_RADIUS_PX
from ..core.windowing import DEFAULT_WINDOW, WINDOW_PRESETS
from ..io.recovery import recovery_dir
from ..methods import MethodInfo
from .keys import SHORTCUTS
from .segmenters import DEVICES

CUSTOM_WINDOW = "custom"
NEW_LABELS = "(new layer at first accept)"


class LayerCombo(QComboBox):
    """A combo box of layer names of one kind, optionally with a first 'none' entry."""

    def __init__(self, none_text: str | None = None) -> None:
        super().__init__()
        self._none_text = none_text

    def set_layers(self, layers: Iterable[Layer], keep: Layer | None = None) -> None:
        """Refill with `layers` (names), keeping `keep` selected when it is among them."""
        self.blockSignals(True)
        self.clear()
        if self._none_text is not None:
            self.addItem(self._none_text)
        names = [layer.name for layer in layers]
        self.addItems(names)
        if keep is not None and keep.name in names:
            self.setCurrentText(keep.name)
        self.blockSignals(False)

    def current_name(self) -> str | None:
        """The selected layer's name, or None for the 'none' entry / an empty box."""
        text = self.currentText()
        return None if not text or text == self._none_text else text


def action_button(action: str, checkable: bool = False) -> QPushButton:
    """A button whose text shows the action's key, e.g. 'Accept object [Shift+Enter]'."""
    shortcut = SHORTCUTS[action]
    button = QPushButton(shortcut.button_text)
    button.setCheckable(checkable)
    button.setObjectName(f"everyclick_{action}")
    return button


class ControlPanel(QWidget):
    """All controls of the dock, as attributes; no behaviour of its own."""

    def __init__(self, methods: Sequence[MethodInfo], method: str) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)

        self.tool_button = action_button("toggle", checkable=True)
        layout.addWidget(self.tool_button)

        targets = QGroupBox("Layers")
        form = QFormLayout(targets)
        self.image_combo = LayerCombo()
        self.labels_combo = LayerCombo(NEW_LABELS)
        form.addRow("CT image", self.image_combo)
        form.addRow("Write to", self.labels_combo)
        layout.addWidget(targets)

        method_box = QGroupBox("Method")
        form = QFormLayout(method_box)
        self.method_combo = QComboBox()
        for info in methods:
            self.method_combo.addItem(info.name)
            self.method_combo.setItemData(
                self.method_combo.count() - 1, f"{info.kind}: {info.summary}", Qt.ToolTipRole
            )
        self.method_combo.setCurrentText(method)
        self.device_combo = QComboBox()
        self.device_combo.addItems(DEVICES)
        self.merge_check = QCheckBox("Progressive Merge")
        self.merge_check.setChecked(False)  # as the cards were measured (docs/models.md)
        self.merge_check.setToolTip("FocalClick: only change the mask near the newest click")
        form.addRow("Method", self.method_combo)
        form.addRow("Device", self.device_combo)
        form.addRow(self.merge_check)
        layout.addWidget(method_box)

        window_box = QGroupBox("Window (display and model input, HU)")
        form = QFormLayout(window_box)
        self.preset_combo = QComboBox()
        self.preset_combo.addItems([*WINDOW_PRESETS, CUSTOM_WINDOW])
        self.level_spin = QDoubleSpinBox()
        self.level_spin.setRange(-1500.0, 3000.0)
        self.level_spin.setDecimals(0)
        self.level_spin.setValue(DEFAULT_WINDOW.level)
        self.width_spin = QDoubleSpinBox()
        self.width_spin.setRange(1.0, 5000.0)
        self.width_spin.setDecimals(0)
        self.width_spin.setValue(DEFAULT_WINDOW.width)
        form.addRow("Preset", self.preset_combo)
        form.addRow("Level", self.level_spin)
        form.addRow("Width", self.width_spin)
        layout.addWidget(window_box)

        click_box = QGroupBox("Objects")
        form = QFormLayout(click_box)
        self.radius_spin = QDoubleSpinBox()
        self.radius_spin.setRange(0.5, 100.0)
        self.radius_spin.setSingleStep(0.5)
        self.radius_spin.setSuffix(" px")
        self.radius_spin.setValue(STATIC_RADIUS_PX)
        self.radius_spin.setToolTip("radius of a plain click (a drag sets its own radius)")
        self.label_spin = QSpinBox()
        self.label_spin.setRange(0, 65535)
        self.label_spin.setSpecialValueText("new")
        self.label_spin.setToolTip(
            "new: each accept adds a label. A number N: clicks correct label N on each slice "
            "and accept replaces it there"
        )
        self.overwrite_check = QCheckBox("Overwrite other labels")
        self.autosave_check = QCheckBox("Autosave .nii.gz beside the CT")
        self.autosave_check.setToolTip(
            "after each accept, write <CT name>_everyclick_labels.nii.gz beside the CT file; "
            "reopening the CT opens it too. On or off, each accept also goes to a recovery "
            f"copy in {recovery_dir()}, which reopening the CT brings back if it was not saved"
        )
        self.axes_check = QCheckBox("Draw RECIST axes")
        form.addRow("Static radius", self.radius_spin)
        form.addRow("Label", self.label_spin)
        form.addRow(self.overwrite_check)
        form.addRow(self.autosave_check)
        form.addRow(self.axes_check)
        layout.addWidget(click_box)

        buttons = QGridLayout()
        self.buttons = {
            action: action_button(action)
            for action in (
                "accept",
                "undo",
                "reset",
                "undo_accept",
                "propagate_up",
                "propagate_down",
                "propagate_through",
            )
        }
        buttons.addWidget(self.buttons["accept"], 0, 0, 1, 2)
        buttons.addWidget(self.buttons["undo"], 1, 0)
        buttons.addWidget(self.buttons["reset"], 1, 1)
        buttons.addWidget(self.buttons["undo_accept"], 2, 0, 1, 2)
        buttons.addWidget(self.buttons["propagate_up"], 3, 0)
        buttons.addWidget(self.buttons["propagate_down"], 3, 1)
        buttons.addWidget(self.buttons["propagate_through"], 4, 0, 1, 2)
        layout.addLayout(buttons)

        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)  # an endless "working" animation
        self.busy_bar.setMaximumHeight(8)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.setVisible(False)
        self.status_label = QLabel("")
        self.status_label.setWordWrap(True)
        self.status_label.setContentsMargins(4, 2, 4, 2)
        # the busy bar and the status line are placed by the dock, outside the scroll area
