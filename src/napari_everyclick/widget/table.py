"""The measurement table under the controls: one row per label, CSV export, and a way to a
lesion: double-clicking a row shows the lesion (a slice number: that slice; elsewhere: its
RECIST slice).

Columns follow `core.measurements` (areas in mm^2, axes in mm, volume in mL); the area column
shows the area on the displayed slice and the largest area; the CSV also lists every slice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from qtpy.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..core.measurements import LesionMeasurement, write_csv

MIN_TABLE_HEIGHT_PX = 120

HEADERS = (
    "label",
    "long mm",
    "short mm",
    "volume mL",
    "RECIST slice",
    "first slice",
    "last slice",
    "slices",
    "area here mm\u00b2",
    "max area mm\u00b2",
)
"""The columns, the RECIST figures first (they are what gets reported; the slice columns are
for finding one's way, and scroll into view on a narrow dock)."""


def row_values(m: LesionMeasurement, current_slice: int | None) -> list[str]:
    """The table cells of one lesion; `current_slice` picks the 'area here' value."""
    here = m.areas_mm2.get(current_slice) if current_slice is not None else None
    return [
        str(m.label),
        f"{m.long_axis.length_mm:.1f}",
        f"{m.short_axis.length_mm:.1f}",
        "" if m.volume_ml is None else f"{m.volume_ml:.2f}",
        str(m.recist_slice),
        str(m.first_slice),
        str(m.last_slice),
        str(m.slices),
        "" if here is None else f"{here:.1f}",
        f"{m.max_area_mm2:.1f}",
    ]


def slice_to_show(m: LesionMeasurement, column: int) -> int:
    """The slice a double-click on `column` of the lesion's row asks for: the first, last or
    RECIST slice in their columns, else the RECIST slice (where the lesion measures largest)."""
    header = HEADERS[column] if 0 <= column < len(HEADERS) else ""
    if header == "first slice":
        return m.first_slice
    if header == "last slice":
        return m.last_slice
    return m.recist_slice


class MeasurementView(QWidget):
    """A read-only table of LesionMeasurement rows with Export CSV and Refresh buttons.

    on_refresh(): re-measure the whole labels layer (after napari's own Labels undo).
    on_show(label, slice): show that lesion on that slice (a double-click on its row).
    on_delete(label): delete that lesion (Delete lesion, on the selected row).
    """

    def __init__(
        self,
        on_refresh: Callable[[], None],
        on_show: Callable[[int, int], None] = lambda label, z: None,
        on_delete: Callable[[int], None] = lambda label: None,
    ) -> None:
        super().__init__()
        self._on_show = on_show
        self._on_delete = on_delete
        self.rows: list[LesionMeasurement] = []
        self.current_slice: int | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 4)
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.setEditTriggers(QTableWidget.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.table.setMinimumHeight(MIN_TABLE_HEIGHT_PX)
        self.table.setToolTip(
            "Double-click a lesion to show it: a slice number goes to that slice, "
            "any other cell to its RECIST slice"
        )
        self.table.cellDoubleClicked.connect(self.show_lesion)
        layout.addWidget(self.table)
        buttons = QHBoxLayout()
        self.export_button = QPushButton("Export CSV ...")
        self.refresh_button = QPushButton("Re-measure all")
        self.delete_button = QPushButton("Delete lesion")
        self.delete_button.setToolTip(
            "Delete the selected row's lesion from every slice (Undo accept brings it back)"
        )
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.refresh_button)
        buttons.addWidget(self.delete_button)
        layout.addLayout(buttons)
        self.export_button.clicked.connect(self._ask_export)
        self.refresh_button.clicked.connect(on_refresh)
        self.delete_button.clicked.connect(self.delete_selected)

    def show_rows(self, rows: Sequence[LesionMeasurement]) -> None:
        """Replace the table's contents."""
        self.rows = list(rows)
        self._fill()

    def set_current_slice(self, z: int | None) -> None:
        """Which slice the 'area here' column refers to."""
        if z != self.current_slice:
            self.current_slice = z
            self._fill()

    def show_lesion(self, row: int, column: int) -> None:
        """Show the lesion of `row` on the slice its `column` names (see slice_to_show)."""
        if 0 <= row < len(self.rows):
            m = self.rows[row]
            self._on_show(m.label, slice_to_show(m, column))

    def delete_selected(self) -> None:
        """Delete the lesion of the selected row (nothing when no row is selected)."""
        row = self.table.currentRow()
        if self.table.selectionModel().hasSelection() and 0 <= row < len(self.rows):
            self._on_delete(self.rows[row].label)

    def export(self, path: str | Path) -> Path:
        """Write the rows to a CSV file (see core.measurements.write_csv)."""
        return write_csv(self.rows, path)

    def _fill(self) -> None:
        self.table.setRowCount(len(self.rows))
        for r, m in enumerate(self.rows):
            for c, text in enumerate(row_values(m, self.current_slice)):
                self.table.setItem(r, c, QTableWidgetItem(text))

    def _ask_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Export measurements", "measurements.csv", "CSV (*.csv)"
        )
        if path:
            self.export(path)
