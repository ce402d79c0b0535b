"""File > Export…: the model export dialog, metrics to CSV and a view to PNG/SVG.

:class:`ExportDialog` chooses the format (:data:`playground.export.FORMATS`),
the graph (for projects with several, such as a GAN's generator and
discriminator) and the file, then runs the export off the UI thread through
a *runner* (:mod:`ui.dialogs.export_runners`: on the main window's training thread,
or on a thread pool) and shows the summary, the notes or the one-line error.

:func:`playground.export.export` works on a copy of the model: the live one
is never changed. :func:`export_metrics` writes the run's metric history as
CSV and :func:`save_view_figure` saves one view as PNG or SVG.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from playground.errors import PlaygroundError
from ui.dialogs.export_runners import SessionRunner, WorkerRunner, one_line

ERROR_STYLE = "color: #d64545;"
NOTE_STYLE = ("background: #fff3cd; color: #664d03; border: 1px solid #e6cf84;"
              " border-radius: 3px; padding: 3px;")


def missing_packages(fmt: Any) -> list[str]:
    """The optional packages format ``fmt`` needs that are not installed."""
    return [name for name in fmt.needs if importlib.util.find_spec(name) is None]


class ExportDialog(QDialog):
    """Choose format, graph and file; export; show what was written.

    Parameters
    ----------
    runner : callable
        ``runner(fmt, path, graph, done)``; see :class:`WorkerRunner`, :class:`SessionRunner`.
    graphs : list of str
        The project's graph names (a choice shows when there are several).
    suggested : str
        Initial file path (its suffix follows the format).
    note : str, optional
        A line shown above the buttons (e.g. that the model was edited since it was built).
    confirm_overwrite : callable, optional
        ``confirm_overwrite(path) -> bool``: asked before an existing file is replaced
        (a file chosen with Browse… was confirmed by the file dialog already).

    Signals
    -------
    exported(object, str)
        After each export: the ExportResult and "", or None and the error line.
    """

    exported = Signal(object, str)

    def __init__(self, runner: Callable, graphs: list[str], suggested: str, note: str = "",
                 formats: dict | None = None, parent: QWidget | None = None,
                 confirm_overwrite: Callable[[str], bool] | None = None):
        super().__init__(parent)
        from playground.export import FORMATS

        self.setWindowTitle("Export model")
        self.runner = runner
        self.confirm_overwrite = confirm_overwrite or self._ask_overwrite
        self._confirmed = ""  # the path the file dialog already asked about
        self.formats = formats or FORMATS
        self.busy = False
        self.format = QComboBox(objectName="export_format")
        legacy_started = False  # current formats first, then a separator and legacy ones
        for fmt in sorted(self.formats.values(), key=lambda f: f.legacy):
            if fmt.legacy and not legacy_started:
                self.format.insertSeparator(self.format.count())
                legacy_started = True
            self.format.addItem(fmt.label, fmt.id)
            missing = missing_packages(fmt)
            if missing:
                item = self.format.model().item(self.format.count() - 1)
                item.setEnabled(False)
                item.setToolTip(f"needs {', '.join(missing)}: pip install {' '.join(missing)}")
        self.doc = QLabel(wordWrap=True, objectName="export_doc")
        self.graph = QComboBox(objectName="export_graph")
        self.graph.addItems(graphs)
        default = next((g for g in ("generator", "model") if g in graphs), None)
        if default:
            self.graph.setCurrentText(default)
        self.path = QLineEdit(suggested, objectName="export_path")
        self.path.textEdited.connect(lambda *_: self._clear())
        self.browse = QPushButton("Browse…", objectName="export_browse")
        self.browse.clicked.connect(self._browse)
        self.note = QLabel(note, wordWrap=True, objectName="export_note")
        self.note.setStyleSheet(NOTE_STYLE)
        self.note.setVisible(bool(note))
        self.progress = QProgressBar(objectName="export_progress", minimum=0, maximum=0)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.result = QLabel(wordWrap=True, objectName="export_result")
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error = QLabel(wordWrap=True, objectName="export_error")
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.run_button = self.buttons.addButton("Export",
                                                 QDialogButtonBox.ButtonRole.ActionRole)
        self.run_button.setObjectName("export_run")
        self.run_button.setDefault(True)
        self.run_button.clicked.connect(self.start)
        self.buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(self.browse)
        form = QFormLayout()
        form.addRow("Format", self.format)
        form.addRow("", self.doc)
        form.addRow("Graph", self.graph)
        form.addRow("File", row)
        self._graph_label = form.labelForField(self.graph)
        for widget in (self.graph, self._graph_label):
            widget.setVisible(len(graphs) > 1)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.note)
        layout.addWidget(self.progress)
        layout.addWidget(self.result)
        layout.addWidget(self.error)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self.format.currentIndexChanged.connect(self._on_format)
        self._select_first_available()
        self._on_format()
        self._clear()
        self.resize(560, 300)

    def _select_first_available(self) -> None:
        model = self.format.model()
        if isinstance(model, QStandardItemModel) and not model.item(
                self.format.currentIndex()).isEnabled():
            for i in range(self.format.count()):
                if model.item(i).isEnabled():
                    self.format.setCurrentIndex(i)
                    return

    # -- choices -------------------------------------------------------------------------------
    @property
    def fmt(self) -> Any:
        """The chosen ExportFormat."""
        return self.formats[self.format.currentData()]

    def _on_format(self, *_: Any) -> None:
        fmt = self.fmt
        self.doc.setText(fmt.doc)
        text = self.path.text().strip()
        if text:
            self.path.setText(str(Path(text).with_suffix(fmt.suffix)))
        self.graph.setEnabled(fmt.id != "checkpoint")  # a checkpoint holds every graph
        self.graph.setToolTip("A checkpoint holds every graph" if fmt.id == "checkpoint"
                              else "The graph to export")
        self._clear()

    def _browse(self) -> None:
        fmt = self.fmt
        path, _ = QFileDialog.getSaveFileName(self, "Export to", self.path.text(),
                                              f"{fmt.label} (*{fmt.suffix});;All files (*)")
        if path:
            self.path.setText(path)
            self._confirmed = path
            self._clear()

    def choice(self) -> tuple[str, str, str | None]:
        """(format id, path, graph or None)."""
        graph = self.graph.currentText() if self.graph.count() > 1 and \
            self.graph.isEnabled() else None
        return self.format.currentData(), self.path.text().strip(), graph

    # -- running -------------------------------------------------------------------------------
    def _clear(self) -> None:
        if not self.busy:
            self.result.setText("")
            self.error.setText("")
            self.result.hide()
            self.error.hide()

    def show_error(self, text: str) -> None:
        """One line in red under the form."""
        self.error.setText(text.splitlines()[0] if text else "")
        self.error.setVisible(bool(text))

    def start(self) -> bool:
        """Export with the current choices; False if a choice is refused at once."""
        if self.busy:
            return False
        self._clear()
        fmt, path, graph = self.choice()
        problem = self._check_path(path)
        if problem:
            self.show_error(problem)
            return False
        full = Path(os.path.expanduser(path))
        if full.exists() and str(path) != self._confirmed and not self.confirm_overwrite(path):
            self.show_error(f"{full.name} exists: choose another name, or confirm to "
                            "replace it.")
            return False
        self._set_busy(True)
        self.result.setText(f"Exporting {self.fmt.label} to {path}…")
        self.result.show()
        self.runner(fmt, path, graph, self._on_done)
        return True

    @staticmethod
    def _check_path(path: str) -> str:
        if not path:
            return "Choose a file to export to."
        full = Path(os.path.expanduser(path))
        if full.is_dir():
            return f"{full} is a folder: add a file name."
        if not full.parent.is_dir():
            return f"The folder {full.parent} does not exist."
        return ""

    def _ask_overwrite(self, path: str) -> bool:
        answer = QMessageBox.question(self, "Replace the file?",
                                      f"{Path(path).name} already exists. Replace it?")
        return answer == QMessageBox.StandardButton.Yes

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.progress.setVisible(busy)
        for widget in (self.format, self.path, self.browse, self.run_button):
            widget.setEnabled(not busy)
        self.graph.setEnabled(not busy and self.fmt.id != "checkpoint")

    def _on_done(self, result: Any, error: str) -> None:
        self._set_busy(False)
        if error or result is None:
            self.result.hide()
            self.show_error(f"Export failed: {error or 'no result'}")
        else:
            paused = " Training was paused for the export." \
                if getattr(self.runner, "paused", False) else ""
            notes = "".join(f"<li>{_html(n)}</li>" for n in result.notes)
            files = "<br>".join(_html(str(p)) for p in result.paths)
            self.result.setText(f"<b>Done:</b> {_html(result.summary())}.{paused}"
                                f"<br>{files}" + (f"<ul>{notes}</ul>" if notes else ""))
            self.result.setStyleSheet("")
            self.result.show()
        self.exported.emit(result, error)


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# -- main window entry points ------------------------------------------------------------------

def suggested_path(window: Any, suffix: str) -> str:
    """``<project file's folder>/<project file's name><suffix>`` (``my_circle.pt`` beside
    ``my_circle.json``); before the project is saved, ``<home>/<preset id or name><suffix>``."""
    path = window.files.path
    if path is not None:
        return str(path.with_name(f"{path.stem}{suffix}"))
    project = window.project
    stem = (project.id or project.name or "model").replace(" ", "_")
    return str(Path.home() / f"{stem}{suffix}")


def open_export_dialog(window: Any) -> ExportDialog | None:
    """File > Export…: show the export dialog for the window's built model (non-modal)."""
    session = window.run.session
    if session is None:
        window.dialogs.error("Nothing to export yet",
                             "Press Reset or Play to build the model first.")
        return None
    note = "The graph was edited since the model was built: this exports the built model " \
           "(Reset rebuilds it)." if window.run.stale else ""
    runner = WorkerRunner(window.run)
    dialog = ExportDialog(runner, list(session.project.graphs), suggested_path(window, ".pt"),
                          note, parent=window,
                          confirm_overwrite=getattr(window.dialogs, "confirm_overwrite", None))
    runner.setParent(dialog)  # closing the dialog disconnects it
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.exported.connect(lambda result, error: window.show_status(
        result.summary() if result is not None else f"Export failed: {error}",
        error=result is None))
    dialog.show()
    dialog.raise_()
    return dialog


def export_metrics(window: Any) -> str | None:
    """File > Export metrics as CSV…: the current run's history; the path written or None."""
    from playground.export.metrics import export_metrics_csv

    snapshot = window.run.latest
    if snapshot is None or not snapshot.history:
        window.dialogs.error("No metrics yet", "Train for a while first: the metrics of the "
                                               "current run are exported.")
        return None
    path, _ = QFileDialog.getSaveFileName(window, "Export metrics as CSV",
                                          suggested_path(window, "_metrics.csv"),
                                          "CSV files (*.csv);;All files (*)")
    if not path:
        return None
    try:
        written = export_metrics_csv(snapshot.history, path)
    except (OSError, PlaygroundError) as exc:
        window.dialogs.error("Cannot export the metrics", one_line(exc))
        return None
    window.show_status(f"Wrote the metrics of step {snapshot.step} to {written}")
    return str(written)


def save_view_figure(view: Any, parent: QWidget | None = None) -> tuple[str | None, str]:
    """Ask for a PNG or SVG file and save ``view`` there: (path or None, error line or "").

    The hook for a view dock's "Export image…" action.
    """
    png, svg = "PNG image (*.png)", "SVG drawing (*.svg)"
    path, chosen = QFileDialog.getSaveFileName(parent, f"Export {view.title}",
                                               f"{view.view_id}.png", f"{png};;{svg}")
    if not path:
        return None, ""
    if Path(path).suffix.lower() not in (".png", ".svg"):
        path += ".svg" if chosen == svg else ".png"
    try:
        if path.lower().endswith(".svg"):
            view.export_svg(path)
        else:
            view.export_png(path)
    except OSError as exc:
        return None, one_line(exc)
    return path, ""


if __name__ == "__main__":
    import sys

    from PySide6.QtWidgets import QApplication

    from playground.project.presets import load_preset
    from playground.run.session import build_session

    app = QApplication.instance() or QApplication(sys.argv)
    session = build_session(load_preset(sys.argv[1] if len(sys.argv) > 1 else "launch-xor"))
    dialog = ExportDialog(SessionRunner(session), list(session.project.graphs),
                          str(Path.home() / "model.pt"))
    dialog.show()
    app.exec()
