"""The import dialog's folder of images: one subfolder of PNG/JPEG images per class.

:class:`FolderPage` scans the folder (classes and image counts) and shows the
first images of each class as thumbnails, with the size and colour they will
be converted to.
"""

from __future__ import annotations

import os

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QScrollArea,
    QSpinBox,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from playground.errors import PlaygroundError
from ui.dialogs.import_pages import FileRow, SourcePage, demo_page, make_table

#: Thumbnails per class and their size in pixels.
PER_CLASS = 3
THUMB_PX = 48
MAX_CLASSES_SHOWN = 12


class FolderPage(SourcePage):
    """A folder with one subfolder of PNG/JPEG images per class."""

    type_id, label = "image_folder", "Image folder"

    def __init__(self):
        super().__init__()
        self.classes: list[tuple[str, list[str]]] = []
        self.folder = FileRow("folder_path", "Choose the image folder", folder=True)
        self.folder.chosen.connect(lambda *_: self.refresh())
        self.size = QSpinBox(objectName="import_folder_size", minimum=4, maximum=512, value=28,
                             keyboardTracking=False, suffix=" px")
        self.size.setToolTip("Every image is resized to size × size pixels")
        self.color = QComboBox(objectName="import_folder_color")
        self.color.addItems(["grayscale", "rgb"])
        self.size.valueChanged.connect(lambda *_: self.changed.emit())
        self.color.activated.connect(lambda *_: self.changed.emit())
        self.table = make_table(0, 2)
        self.table.setHorizontalHeaderLabels(["class", "images"])
        self.table.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.thumbs = QWidget(objectName="import_folder_thumbs")
        self.grid = QGridLayout(self.thumbs)
        self.grid.setSpacing(4)
        scroll = QScrollArea(widgetResizable=True)
        scroll.setWidget(self.thumbs)
        scroll.setMinimumHeight(THUMB_PX + 40)
        convert = QHBoxLayout()
        convert.addWidget(self.size)
        convert.addWidget(self.color)
        convert.addStretch(1)
        form = QFormLayout()
        form.addRow("Folder", self.folder)
        form.addRow("Convert to", convert)
        row = QHBoxLayout()
        row.addWidget(self.table, 1)
        row.addWidget(scroll, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addLayout(row, 1)

    def refresh(self) -> None:
        """Scan the folder: classes, counts, thumbnails."""
        from playground.data.image_folder import scan_image_folder

        self.classes = []
        self.show_problem(None)
        if self.folder.path:
            try:
                self.classes = scan_image_folder(self.folder.path)
            except PlaygroundError as exc:
                self.show_problem(str(exc))
        self.table.setRowCount(len(self.classes))
        for i, (name, files) in enumerate(self.classes):
            self.table.setItem(i, 0, QTableWidgetItem(name))
            self.table.setItem(i, 1, QTableWidgetItem(f"{len(files):,}"))
        self._fill_thumbs()
        self.changed.emit()

    def _fill_thumbs(self) -> None:
        while self.grid.count():
            item = self.grid.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        for row, (name, files) in enumerate(self.classes[:MAX_CLASSES_SHOWN]):
            caption = QLabel(name)
            caption.setToolTip(name)
            self.grid.addWidget(caption, row, 0)
            for col, path in enumerate(files[:PER_CLASS], start=1):
                thumb = QLabel(objectName="import_thumb")
                pixmap = QPixmap(path)
                if pixmap.isNull():
                    thumb.setText("?")
                    thumb.setToolTip(f"{name}/{os.path.basename(path)}: cannot show this image")
                else:
                    thumb.setPixmap(pixmap.scaled(
                        THUMB_PX, THUMB_PX, Qt.AspectRatioMode.KeepAspectRatio,
                        Qt.TransformationMode.SmoothTransformation))
                    thumb.setToolTip(f"{name}/{os.path.basename(path)}")
                self.grid.addWidget(thumb, row, col)
        if len(self.classes) > MAX_CLASSES_SHOWN:
            more = QLabel(f"… and {len(self.classes) - MAX_CLASSES_SHOWN} more classes")
            self.grid.addWidget(more, MAX_CLASSES_SHOWN, 0, 1, PER_CLASS + 1)
        self.grid.setColumnStretch(PER_CLASS + 1, 1)
        self.grid.setRowStretch(min(len(self.classes), MAX_CLASSES_SHOWN) + 1, 1)

    def thumb_count(self) -> int:
        """Thumbnails shown (for tests)."""
        return sum(1 for i in range(self.grid.count())
                   if self.grid.itemAt(i).widget() is not None
                   and self.grid.itemAt(i).widget().objectName() == "import_thumb")

    def params(self) -> dict | None:
        if not self.classes:
            return None
        return {"path": self.folder.path, "size": self.size.value(),
                "color": self.color.currentText()}

    def set_params(self, params: dict) -> None:
        self.size.blockSignals(True)
        self.size.setValue(int(params.get("size", 28)))
        self.size.blockSignals(False)
        self.color.setCurrentText(params.get("color", "grayscale"))
        self.folder.set_path(params.get("path", ""), emit=False)
        self.refresh()


if __name__ == "__main__":
    demo_page(FolderPage)
