"""File > Import data…: bring a CSV table, an ``.npz`` archive, MNIST IDX files or a folder
of images into the project.

One tab per source (:mod:`ui.dialogs.import_pages`, :mod:`ui.dialogs.import_arrays`,
:mod:`ui.dialogs.import_images`)
shows what the file holds before anything is loaded and proposes the
choices. Every change loads the data in the background with the dataset
types the core registers (``csv``, ``npz``, ``mnist_idx``, ``image_folder``),
so the dialog shows the shapes the model will get ("1797 samples, input
(64,), 10 classes") and a picture of the samples, or the one-line error that
names the bad file, row or column. Nothing here shows a traceback.

On Import the files' checksums are recorded
(:func:`playground.data.spec.record_checksums`): a project that later
finds a file moved or changed says so instead of training on other data.
:func:`ask_import` returns the :class:`~playground.data.spec.DataSpec`.
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from playground.data.spec import STANDARDIZE, DataSpec, parse_data_spec
from playground.errors import PlaygroundError
from ui.dialogs.import_arrays import IdxPage, NpzPage
from ui.dialogs.import_images import FolderPage
from ui.dialogs.import_pages import ERROR_STYLE, CsvPage, SourcePage
from ui.panels.data_preview import DataPreview, DatasetLoader, summary_parts

#: Milliseconds of quiet after a change before the data is loaded again.
SETTLE_MS = 200
PAGES = (CsvPage, NpzPage, IdxPage, FolderPage)


def shapes_text(dataset: Any) -> str:
    """"1797 samples, input (64,), 10 classes · 1437 train, 360 test"."""
    total, split, shape, target = summary_parts(dataset)
    return f"{total} samples, input {shape}, {target} · {split}"


def error_html(text: str) -> str:
    """A one-line error with its place ("iris.csv row 12, column 'x'") in bold."""
    line = text.splitlines()[0] if text else ""
    where, sep, message = line.partition(": ")
    if not sep or len(where) > 120:
        return html.escape(line, quote=False)
    return f"<b>{html.escape(where, quote=False)}</b>: {html.escape(message, quote=False)}"


class ImportDialog(QDialog):
    """Choose a data file, check what it gives, import it.

    Parameters
    ----------
    current : DataSpec, optional
        The project's data: its split and standardisation are kept, and a
        file dataset opens on its own tab with its settings.

    Attributes
    ----------
    dataset : Dataset or None
        The data as loaded with the current choices (None while loading or on error).
    error_line : str
        The loading error shown ("" when none).
    result_spec : DataSpec or None
        After Import: the spec with the files' checksums.
    """

    def __init__(self, current: DataSpec | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Import data")
        self.dataset: Any = None
        self.error_line = ""
        self.result_spec: DataSpec | None = None
        self._requested: DataSpec | None = None
        self.seed = current.seed if current is not None else 0
        self.loader = DatasetLoader(self)
        self.loader.loaded.connect(self._on_loaded)
        self._timer = QTimer(self, singleShot=True, interval=SETTLE_MS)
        self._timer.timeout.connect(self._load)
        self.tabs = QTabWidget(objectName="import_tabs")
        self.pages: dict[str, SourcePage] = {}
        for cls in PAGES:
            page = cls()
            page.changed.connect(self._schedule)
            self.pages[page.type_id] = page
            self.tabs.addTab(page, page.label)
        self.tabs.currentChanged.connect(lambda *_: self._schedule())
        self.val = self._ratio("import_val", current.val if current else 0.0)
        self.test = self._ratio("import_test", current.test if current else 0.2)
        self.standardize = QComboBox(objectName="import_standardize")
        self.standardize.addItems(STANDARDIZE)
        self.standardize.setCurrentText(current.standardize if current else "none")
        self.standardize.setToolTip("Scale inputs, fitted on the training part only")
        self.standardize.activated.connect(lambda *_: self._schedule())
        self.shapes = QLabel(objectName="import_shapes", wordWrap=True)
        self.error = QLabel(objectName="import_error", wordWrap=True)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.hide()
        self.preview = DataPreview()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Import")
        self.ok.setObjectName("import_ok")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self._build_layout()
        if current is not None and current.type in self.pages:
            self.tabs.setCurrentWidget(self.pages[current.type])
            self.pages[current.type].set_params(dict(current.params))
        self._schedule()
        self.resize(980, 680)

    def _ratio(self, name: str, value: float) -> QDoubleSpinBox:
        box = QDoubleSpinBox(objectName=name, minimum=0.0, maximum=0.9, singleStep=0.05,
                             decimals=2, value=value, keyboardTracking=False)
        box.valueChanged.connect(lambda *_: self._schedule())
        return box

    def _build_layout(self) -> None:
        split = QHBoxLayout()
        for text, widget in (("Hold out for validation", self.val), ("test", self.test),
                             ("Standardize", self.standardize)):
            split.addWidget(QLabel(text))
            split.addWidget(widget)
        split.addStretch(1)
        right = QWidget()
        column = QVBoxLayout(right)
        column.setContentsMargins(0, 0, 0, 0)
        title = QLabel("<b>What the model gets</b>")
        column.addWidget(title)
        column.addWidget(self.shapes)
        column.addWidget(self.error)
        column.addWidget(self.preview, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal, childrenCollapsible=False)
        splitter.addWidget(self.tabs)
        splitter.addWidget(right)
        splitter.setSizes([620, 360])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addLayout(split)
        layout.addWidget(self.buttons)

    # -- choices -------------------------------------------------------------------------------
    @property
    def page(self) -> SourcePage:
        """The source tab shown."""
        return self.tabs.currentWidget()

    def raw_spec(self) -> dict | None:
        """The ``data`` section the current choices make (None while a file is missing)."""
        params = self.page.params()
        if params is None:
            return None
        return {"type": self.page.type_id, "params": params, "seed": self.seed,
                "split": {"val": round(self.val.value(), 4), "test": round(self.test.value(), 4)},
                "standardize": self.standardize.currentText()}

    def _schedule(self) -> None:
        self.dataset = None
        self.ok.setEnabled(False)
        self._timer.start()

    def _load(self) -> None:
        self._requested = None
        raw = self.raw_spec()
        if raw is None:
            self.show_error(None)
            self.shapes.setText("Choose a file (or a folder) on the left.")
            self.preview.show_message("No data yet")
            return
        try:
            spec = parse_data_spec(raw)
        except PlaygroundError as exc:
            self._failed(str(exc))
            return
        self._requested = spec
        self.show_error(None)
        self.shapes.setText("Loading…")
        self.loader.request(spec)

    def load_now(self) -> None:
        """Load at once instead of after the settle delay (tests)."""
        self._timer.stop()
        self._load()

    def _on_loaded(self, token: int, dataset: Any, error: str) -> None:
        if self._requested is None or self._timer.isActive():
            return  # the choices changed since: another load follows
        if dataset is None:
            self._failed(error)
            return
        self.dataset = dataset
        self.shapes.setText(shapes_text(dataset))
        self.preview.show_dataset(dataset)
        self.ok.setEnabled(True)

    def _failed(self, error: str) -> None:
        self.dataset = None
        self.shapes.setText("")
        self.show_error(error)
        self.page.highlight(error)
        self.preview.show_message("Cannot load this data")
        self.ok.setEnabled(False)

    def show_error(self, text: str | None) -> None:
        """The loading error, its place in bold (None hides it)."""
        self.error_line = text.splitlines()[0] if text else ""
        self.error.setText(error_html(text) if text else "")
        self.error.setVisible(bool(text))

    # -- result --------------------------------------------------------------------------------
    def accept(self) -> None:
        """Record the files' checksums and close; an unreadable file keeps the dialog open."""
        from playground.data.spec import record_checksums

        if self.dataset is None or self._requested is None:
            return
        try:
            self.result_spec = record_checksums(self._requested)
        except PlaygroundError as exc:
            self.show_error(str(exc))
            return
        super().accept()

    def spec_dict(self) -> dict | None:
        """The accepted spec as a project's ``data`` section (None before Import)."""
        return None if self.result_spec is None else self.result_spec.to_dict()

    def done(self, result: int) -> None:  # noqa: D102 (Qt override)
        self._timer.stop()
        self.loader.shutdown()
        super().done(result)


def ask_import(parent: QWidget | None = None, current: DataSpec | None = None
               ) -> DataSpec | None:
    """Show the import dialog; the imported DataSpec (with checksums) or None."""
    dialog = ImportDialog(current, parent)
    try:
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.result_spec
    finally:
        dialog.deleteLater()


if __name__ == "__main__":
    import sys

    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv)
    spec = ask_import()
    print(spec.to_dict() if spec is not None else "cancelled")
