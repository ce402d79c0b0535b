"""The import dialog's source pages (their base and the CSV page); NPZ and MNIST IDX are in
:mod:`ui.dialogs.import_arrays`, the image folder in :mod:`ui.dialogs.import_images`.

Each page shows what is in the chosen file before anything is loaded (a CSV's
first rows and column kinds, an archive's arrays, an IDX header, a folder's
classes with a thumbnail each), proposes the choices (target column and task,
input and target arrays, the labels file next to the images file) and
returns the dataset ``params`` for its dataset type. Problems found while
looking show as one red line on the page, naming the file.
"""

from __future__ import annotations

import os
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from playground.errors import PlaygroundError

ERROR_STYLE = "color: #d64545;"
TARGET_BRUSH = QBrush(QColor(52, 120, 200, 60))
BAD_BRUSH = QBrush(QColor(214, 69, 69, 90))
SKIPPED_BRUSH = QBrush(QColor(150, 150, 150))
PREVIEW_ROWS = 8


def make_table(rows: int = 0, columns: int = 0) -> QTableWidget:
    """A read-only table with compact rows, for the pages' previews."""
    table = QTableWidget(rows, columns)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.verticalHeader().setDefaultSectionSize(20)
    table.setMinimumHeight(120)
    return table


class FileRow(QWidget):
    """A path field with a Choose… button (a file, or a folder when ``folder``)."""

    chosen = Signal(str)

    def __init__(self, name: str, caption: str, file_filter: str = "", folder: bool = False):
        super().__init__()
        self.caption, self.filter, self.folder = caption, file_filter, folder
        self.edit = QLineEdit(objectName=f"import_{name}", placeholderText=caption)
        self.edit.editingFinished.connect(lambda: self.chosen.emit(self.path))
        button = QPushButton("Choose…", objectName=f"import_choose_{name}")
        button.clicked.connect(self.choose)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit, 1)
        row.addWidget(button)

    @property
    def path(self) -> str:
        """The path as typed (stripped)."""
        return self.edit.text().strip()

    def set_path(self, path: str, emit: bool = True) -> None:
        """Show ``path``; ``chosen`` is emitted unless ``emit`` is False."""
        self.edit.setText(path)
        if emit:
            self.chosen.emit(self.path)

    def choose(self) -> None:
        """Ask with a file (or folder) dialog."""
        start = os.path.dirname(self.path) if self.path else ""
        if self.folder:
            path = QFileDialog.getExistingDirectory(self, self.caption, self.path or start)
        else:
            path, _ = QFileDialog.getOpenFileName(self, self.caption, start, self.filter)
        if path:
            self.set_path(path)


class SourcePage(QWidget):
    """Base of the pages. ``changed`` fires when the params may have changed."""

    type_id = ""
    label = ""
    changed = Signal()

    def __init__(self):
        super().__init__()
        self.problem = QLabel(wordWrap=True, objectName=f"import_{self.type_id}_problem")
        self.problem.setStyleSheet(ERROR_STYLE)
        self.problem.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problem.hide()

    def params(self) -> dict | None:
        """The dataset params, or None while something is missing."""
        raise NotImplementedError

    def set_params(self, params: dict) -> None:
        """Show ``params`` (a spec of this page's type being re-imported)."""

    def highlight(self, where: str) -> None:
        """Mark what a loading error names (``where`` of the DataError)."""

    def show_problem(self, text: str | None) -> None:
        """One red line on the page (None hides it)."""
        self.problem.setText(text.splitlines()[0] if text else "")
        self.problem.setVisible(bool(text))


# -- CSV -------------------------------------------------------------------------------------

def propose_task(cells: list[str], kind: str) -> str:
    """"classification" for text or a few whole numbers, else "regression"."""
    if kind != "numeric":
        return "classification"
    values = [float(c) for c in cells if c.strip()]
    whole = all(v == int(v) for v in values)
    return "classification" if values and whole and len(set(values)) <= 20 else "regression"


def csv_line(path: str, number: int, delimiter: str, limit: int = 200_000) -> list | None:
    """The cells of the file's row on line ``number`` (as errors count: from 1), or None
    if it cannot be read or lies beyond the first ``limit`` lines."""
    import csv

    if number > limit:
        return None
    try:
        with open(os.path.expanduser(path), encoding="utf-8-sig", newline="") as f:
            reader = csv.reader(f, delimiter="\t" if delimiter == "tab" else delimiter)
            for cells in reader:
                if reader.line_num >= number:
                    return cells if reader.line_num == number else None
    except (OSError, UnicodeDecodeError, csv.Error):
        return None
    return None


class CsvPage(SourcePage):
    """A CSV table: header and delimiter detection, target column, task, column kinds."""

    type_id, label = "csv", "CSV file"

    def __init__(self):
        super().__init__()
        self.preview: Any = None
        self._task_touched = False
        self.file = FileRow("csv_path", "Choose a CSV file",
                            "Tables (*.csv *.tsv *.txt);;All files (*)")
        self.file.chosen.connect(lambda *_: self.refresh())
        self.header = QComboBox(objectName="import_csv_header")
        self.header.addItems(["auto", "yes", "no"])
        self.delimiter = QComboBox(objectName="import_csv_delimiter")
        self.delimiter.addItems(["auto", ",", ";", "tab"])
        for box in (self.header, self.delimiter):
            box.activated.connect(lambda *_: self.refresh())
        self.target = QComboBox(objectName="import_csv_target")
        self.target.activated.connect(lambda *_: self._on_target())
        self.task = QComboBox(objectName="import_csv_task")
        self.task.addItems(["classification", "regression"])
        self.task.activated.connect(lambda *_: self._on_task())
        self.detected = QLabel(wordWrap=True, objectName="import_csv_detected")
        self.features = QLabel(wordWrap=True, objectName="import_csv_features")
        #: Columns left out of the features (clicked headers), by index.
        self.skipped: set[int] = set()
        self.table = make_table()
        self.table.horizontalHeader().setSectionsClickable(True)
        self.table.horizontalHeader().sectionClicked.connect(self.toggle_column)
        options = QHBoxLayout()
        for text, box in (("Header row", self.header), ("Delimiter", self.delimiter)):
            options.addWidget(QLabel(text))
            options.addWidget(box)
        options.addStretch(1)
        form = QFormLayout()
        form.addRow("File", self.file)
        form.addRow("", options)
        form.addRow("", self.detected)
        form.addRow("Target column", self.target)
        form.addRow("Task", self.task)
        form.addRow("Features", self.features)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.table, 1)

    def refresh(self) -> None:
        """Read the file's first rows again (after a new file, header or delimiter)."""
        from playground.data.preview import preview_csv

        self.preview = None
        self.skipped = set()
        self.table.clear()
        self.table.setRowCount(0)
        self.table.setColumnCount(0)
        self.detected.setText("")
        self.show_problem(None)
        if self.file.path:
            try:
                self.preview = preview_csv(self.file.path, PREVIEW_ROWS,
                                           self.delimiter.currentText(),
                                           self.header.currentText())
            except PlaygroundError as exc:
                self.show_problem(str(exc))
        self._fill_targets()
        self._fill_table()
        self.changed.emit()

    def _fill_targets(self) -> None:
        old = self.target.currentText()
        self.target.clear()
        if self.preview is None:
            return
        self.target.addItems(self.preview.header)
        names = self.preview.header
        self.target.setCurrentIndex(names.index(old) if old in names else len(names) - 1)
        self._propose_task()

    def toggle_column(self, j: int) -> None:
        """Leave column ``j`` out of the features, or take it back (not the target)."""
        if self.preview is None or j == self.target.currentIndex() or j >= len(
                self.preview.header):
            return
        self.skipped ^= {j}
        self._fill_table()
        self.changed.emit()

    def _on_target(self) -> None:
        self.skipped.discard(self.target.currentIndex())
        self._propose_task()
        self._fill_table()
        self.changed.emit()

    def _on_task(self) -> None:
        self._task_touched = True
        self.changed.emit()

    def _propose_task(self) -> None:
        if self._task_touched or self.preview is None:
            return
        j = self.target.currentIndex()
        cells = [r[j] for r in self.preview.rows if j < len(r)]
        self.task.setCurrentText(propose_task(cells, self.preview.kinds[j]))

    def _fill_table(self) -> None:
        p = self.preview
        if p is None:
            self.features.setText("")
            return
        t = self.target.currentIndex()
        self.table.setColumnCount(0)  # fresh header items: none keeps an earlier red mark
        self.table.setColumnCount(len(p.header))
        self.table.setRowCount(len(p.rows))
        self.table.setHorizontalHeaderLabels(
            [f"{name}\n{'target' if j == t else 'left out' if j in self.skipped else kind}"
             for j, (name, kind) in enumerate(zip(p.header, p.kinds))])
        self.table.setVerticalHeaderLabels([""] * len(p.rows))  # file rows: see csv_line
        for i, row in enumerate(p.rows):
            for j, cell in enumerate(row[:len(p.header)]):
                item = QTableWidgetItem(cell)
                if j == t:
                    item.setBackground(TARGET_BRUSH)
                elif j in self.skipped:
                    item.setForeground(SKIPPED_BRUSH)
                self.table.setItem(i, j, item)
        delimiter = {"tab": "tab", ",": "comma", ";": "semicolon"}[p.delimiter]
        self.detected.setText(f"Delimiter: {delimiter}; first row "
                              f"{'is a header' if p.has_header else 'is data (no header)'}; "
                              f"the first {len(p.rows)} rows are shown.")
        features = [n for j, n in enumerate(p.header) if j != t and j not in self.skipped]
        text = [j for j, k in enumerate(p.kinds)
                if k != "numeric" and j != t and j not in self.skipped]
        which = "every column but the target" if not self.skipped else \
            f"{len(self.skipped)} left out"
        self.features.setText(f"{len(features)} columns, {which} "
                              f"({', '.join(features[:8])}{', …' if len(features) > 8 else ''})"
                              " · click a column's header to leave it out or take it back")
        self.show_problem(None)
        if not features:
            self.show_problem("No feature columns left: take one back by clicking its header")
        if text:
            names = ", ".join(repr(p.header[j]) for j in text)
            self.show_problem(f"Column {names} has cells that are not numbers: features must "
                              "be numbers (leave it out by clicking its header, choose it as "
                              "the target, or fix the file)")
            for j in text:
                self._mark_column(j)

    def _mark_column(self, j: int) -> None:
        for i in range(self.table.rowCount()):
            item = self.table.item(i, j)
            if item is not None:
                item.setBackground(BAD_BRUSH)
        header = self.table.horizontalHeaderItem(j)
        if header is not None:
            font = QFont(header.font())
            font.setBold(True)
            header.setFont(font)
            header.setForeground(QBrush(QColor(214, 69, 69)))

    def highlight(self, where: str) -> None:
        """Mark the column an error names and add the row it names below the first rows."""
        import re

        p = self.preview
        if p is None:
            return
        column = re.search(r"column '([^']*)'", where)
        j = p.header.index(column.group(1)) if column and column.group(1) in p.header else None
        if j is not None:
            self._mark_column(j)
        row = re.search(r" row (\d+)", where)
        cells = csv_line(self.file.path, int(row.group(1)), p.delimiter) if row else None
        if cells is None:
            return
        i = self.table.rowCount()
        self.table.setRowCount(i + 1)
        self.table.setVerticalHeaderItem(i, QTableWidgetItem(f"row {row.group(1)}"))
        for k, cell in enumerate(cells[:len(p.header)]):
            item = QTableWidgetItem(cell)
            item.setBackground(BAD_BRUSH if k == j or j is None else TARGET_BRUSH
                               if k == self.target.currentIndex() else QBrush())
            if k == j:  # the bad cell itself
                font = QFont(item.font())
                font.setBold(True)
                item.setFont(font)
                item.setForeground(QBrush(QColor(180, 30, 30)))
            self.table.setItem(i, k, item)
        self.table.scrollToBottom()

    def params(self) -> dict | None:
        p = self.preview
        if p is None or not self.target.count():
            return None
        j = self.target.currentIndex()
        name = p.header[j]
        unique = p.has_header and p.header.count(name) == 1 and not name.lstrip("-").isdigit()
        params = {"path": self.file.path, "target": name if unique else str(j + 1),
                  "header": self.header.currentText(), "task": self.task.currentText(),
                  "delimiter": self.delimiter.currentText()}
        if self.skipped:
            kept = [k for k in range(len(p.header)) if k != j and k not in self.skipped]
            params["features"] = ",".join(self._column_ref(k) for k in kept)
        return params

    def _column_ref(self, j: int) -> str:
        """Column ``j`` as the file's params name it: its header name if unambiguous, else
        its number from 1."""
        p = self.preview
        name = p.header[j]
        unique = p.has_header and p.header.count(name) == 1 and not name.lstrip("-").isdigit() \
            and "," not in name and name.strip() == name and name != ""
        return name if unique else str(j + 1)

    def set_params(self, params: dict) -> None:
        self.header.setCurrentText(params.get("header", "auto"))
        self.delimiter.setCurrentText(params.get("delimiter", "auto"))
        self.task.setCurrentText(params.get("task", "classification"))
        self._task_touched = True
        self.file.set_path(params.get("path", ""), emit=False)
        self.refresh()
        target = str(params.get("target", ""))
        if self.preview is not None and target:
            index = self._column_index(target)
            if index >= 0:
                self.target.setCurrentIndex(index)
        features = [f.strip() for f in str(params.get("features") or "").split(",") if f.strip()]
        if self.preview is not None and features:
            kept = {self._column_index(f) for f in features}
            self.skipped = {k for k in range(len(self.preview.header))
                            if k not in kept and k != self.target.currentIndex()}
        self._fill_table()

    def _column_index(self, ref: str) -> int:
        """A column named by header name or number from 1; -1 if none."""
        names = self.preview.header
        if ref in names:
            return names.index(ref)
        return int(ref) - 1 if ref.isdigit() and 0 < int(ref) <= len(names) else -1


def demo_page(page_class: type) -> None:
    """Show one source page alone, printing its params on every change (for developers)."""
    import sys

    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv)
    page = page_class()
    page.changed.connect(lambda: print(page.params()))
    page.resize(620, 480)
    page.show()
    app.exec()


if __name__ == "__main__":
    demo_page(CsvPage)
