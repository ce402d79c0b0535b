"""Every question the main window asks the user, behind one small class.

The main window never calls QFileDialog or QMessageBox itself: it calls a
:class:`Dialogs` method. Tests replace the object (or monkeypatch a method)
to answer without a modal dialog.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QInputDialog,
    QLabel,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

PROJECT_FILTER = "Projects (*.json);;All files (*)"


class Dialogs:
    """Modal questions, parented to ``parent``."""

    def __init__(self, parent: QWidget):
        self.parent = parent

    def open_path(self, folder: str = "") -> str | None:
        """A project file to open, or None."""
        path, _ = QFileDialog.getOpenFileName(self.parent, "Open project", folder, PROJECT_FILTER)
        return path or None

    def save_path(self, suggested: str) -> str | None:
        """Where to save the project, or None."""
        path, _ = QFileDialog.getSaveFileName(self.parent, "Save project as", suggested,
                                              PROJECT_FILTER)
        return path or None

    def confirm_discard(self, name: str) -> str:
        """Unsaved changes: "save", "discard" or "cancel"."""
        box = QMessageBox(QMessageBox.Icon.Warning, "Unsaved changes",
                          f"“{name}” has unsaved changes.", parent=self.parent)
        box.setInformativeText("Save them first?")
        box.setStandardButtons(QMessageBox.StandardButton.Save
                               | QMessageBox.StandardButton.Discard
                               | QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        answer = box.exec()
        return {QMessageBox.StandardButton.Save: "save",
                QMessageBox.StandardButton.Discard: "discard"}.get(
            QMessageBox.StandardButton(answer), "cancel")

    def error(self, title: str, text: str) -> None:
        """Show a one-line problem (never a traceback)."""
        QMessageBox.warning(self.parent, title, text.splitlines()[0] if text else title)

    def offer_recovery(self, path: Path) -> bool:
        """The app did not exit cleanly last time: restore the autosaved project?"""
        answer = QMessageBox.question(
            self.parent, "Restore unsaved work?",
            "The playground did not close normally last time. Restore the project it "
            f"autosaved?\n\n({path})")
        return answer == QMessageBox.StandardButton.Yes

    def confirm_overwrite(self, path: str) -> bool:
        """``path`` exists: replace it?"""
        answer = QMessageBox.question(self.parent, "Replace the file?",
                                      f"{Path(path).name} already exists. Replace it?")
        return answer == QMessageBox.StandardButton.Yes

    def ask_seeds(self, default: int) -> int | None:
        """How many seeds to train (Run seeds), or None."""
        count, ok = QInputDialog.getInt(
            self.parent, "Run seeds", "Train this many seeds (the seed, seed + 1, ...):",
            default, 2, 256)
        return count if ok else None

    def info(self, title: str, html: str) -> None:
        """A message in rich text (About)."""
        QMessageBox.about(self.parent, title, html)

    def shortcuts(self, rows: list[tuple[str, str]]) -> None:
        """The keyboard shortcuts, in a table."""
        ShortcutsDialog(rows, self.parent).exec()


class ShortcutsDialog(QDialog):
    """A two-column table of actions and their keys."""

    def __init__(self, rows: list[tuple[str, str]], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        table = QTableWidget(len(rows), 2, objectName="shortcuts_table")
        table.setHorizontalHeaderLabels(["Action", "Keys"])
        for i, (name, keys) in enumerate(rows):
            table.setItem(i, 0, QTableWidgetItem(name))
            table.setItem(i, 1, QTableWidgetItem(keys))
        table.verticalHeader().hide()
        table.horizontalHeader().setStretchLastSection(True)
        table.resizeColumnsToContents()
        note = QLabel("In the graph canvas, Space + drag pans; a Space tap plays or pauses.")
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(table)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self.resize(460, 520)


ABOUT = """<h3>Neural-network playground</h3>
<p>Build a network by dragging layers into a graph, train it live with PyTorch and watch it
learn: decision boundaries, neuron maps, filters, latent spaces, optimizer paths.</p>
<p>The chapter presets reproduce the worked examples of five deep-learning textbooks.</p>
<p>PySide6 + pyqtgraph + PyTorch. MIT licence.</p>"""


if __name__ == "__main__":
    from PySide6.QtWidgets import QApplication

    app = QApplication([])
    ShortcutsDialog([("Play / pause", "Space")]).show()
    app.exec()
