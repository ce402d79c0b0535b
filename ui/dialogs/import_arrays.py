"""The import dialog's array files: NumPy ``.npz`` archives and MNIST IDX files.

:class:`NpzPage` lists an archive's arrays from their headers (nothing is
loaded) and proposes which holds the inputs and which the targets;
:class:`IdxPage` reads the two IDX headers (what they claim to hold, or why
they are not IDX files) and finds the labels file next to an images file.
"""

from __future__ import annotations

import gzip
import os
import zipfile

import numpy as np
from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QTableWidgetItem, QVBoxLayout

from playground.data.arrayfiles import IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC
from playground.errors import DataError, PlaygroundError
from ui.dialogs.import_pages import FileRow, SourcePage, demo_page, make_table


def npz_arrays(path: str) -> list[tuple[str, tuple, str]]:
    """(key, shape, dtype) of every array in an ``.npz`` archive, from the headers only.

    Raises
    ------
    PlaygroundError
        When the file is missing or not a readable archive.
    """
    from playground.errors import DataError

    name = os.path.basename(path) or path
    if not os.path.isfile(os.path.expanduser(path)):
        raise DataError(f"file not found: {path}", name)
    found = []
    try:
        with zipfile.ZipFile(os.path.expanduser(path)) as zf:
            for member in zf.namelist():
                if not member.endswith(".npy"):
                    continue
                with zf.open(member) as f:
                    version = np.lib.format.read_magic(f)
                    shape, _, dtype = (np.lib.format.read_array_header_1_0(f)
                                       if version == (1, 0)
                                       else np.lib.format.read_array_header_2_0(f))
                found.append((member[:-4], tuple(shape), str(dtype)))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise DataError(f"not a readable .npz archive ({exc})", name) from None
    if not found:
        raise DataError("the archive holds no arrays", name)
    return found


class NpzPage(SourcePage):
    """A NumPy ``.npz`` archive: which array holds the inputs, which the targets."""

    type_id, label = "npz", "NumPy .npz"
    NONE = "— none (no targets) —"

    def __init__(self):
        super().__init__()
        self.arrays: list[tuple[str, tuple, str]] = []
        self.file = FileRow("npz_path", "Choose an .npz archive",
                            "NumPy archives (*.npz);;All files (*)")
        self.file.chosen.connect(lambda *_: self.refresh())
        self.x_key = QComboBox(objectName="import_npz_x")
        self.y_key = QComboBox(objectName="import_npz_y")
        self.task = QComboBox(objectName="import_npz_task")
        self.task.addItems(["classification", "regression"])
        for box in (self.x_key, self.y_key, self.task):
            box.activated.connect(lambda *_: self.changed.emit())
        self.table = make_table(0, 3)
        self.table.setHorizontalHeaderLabels(["array", "shape", "type"])
        self.table.horizontalHeader().setStretchLastSection(True)
        form = QFormLayout()
        form.addRow("File", self.file)
        form.addRow("Inputs", self.x_key)
        form.addRow("Targets", self.y_key)
        form.addRow("Task", self.task)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.table, 1)

    def refresh(self) -> None:
        """List the archive's arrays and propose inputs and targets."""
        self.arrays = []
        self.show_problem(None)
        if self.file.path:
            try:
                self.arrays = npz_arrays(self.file.path)
            except PlaygroundError as exc:
                self.show_problem(str(exc))
        keys = [k for k, _, _ in self.arrays]
        self.table.setRowCount(len(self.arrays))
        for i, (key, shape, dtype) in enumerate(self.arrays):
            for j, text in enumerate((key, str(shape), dtype)):
                self.table.setItem(i, j, QTableWidgetItem(text))
        self.x_key.clear()
        self.x_key.addItems(keys)
        self.y_key.clear()
        self.y_key.addItems([*keys, self.NONE])
        if keys:
            biggest = max(self.arrays, key=lambda a: int(np.prod(a[1])))[0]
            x = "x" if "x" in keys else biggest
            self.x_key.setCurrentText(x)
            n = dict((k, s) for k, s, _ in self.arrays)[x][:1]
            others = [k for k, s, _ in self.arrays if k != x and s[:1] == n]
            self.y_key.setCurrentText("y" if "y" in keys and x != "y" else
                                      others[0] if others else self.NONE)
        self.changed.emit()

    def params(self) -> dict | None:
        if not self.arrays:
            return None
        y = self.y_key.currentText()
        return {"path": self.file.path, "x_key": self.x_key.currentText(),
                "y_key": "" if y == self.NONE else y, "task": self.task.currentText()}

    def set_params(self, params: dict) -> None:
        self.file.set_path(params.get("path", ""), emit=False)
        self.refresh()
        self.x_key.setCurrentText(params.get("x_key", "x"))
        self.y_key.setCurrentText(params.get("y_key") or self.NONE)
        self.task.setCurrentText(params.get("task", "classification"))


# -- MNIST IDX ---------------------------------------------------------------------------

def idx_header(path: str, magic: int) -> tuple[int, ...]:
    """The shape an IDX file's header claims ((N, rows, cols) or (N,)).

    Raises
    ------
    DataError
        Naming the file: missing, unreadable, or another magic number.
    """
    name = os.path.basename(path) or path
    full = os.path.expanduser(path)
    if not os.path.isfile(full):
        raise DataError(f"file not found: {full}", name)
    ndim = magic & 0xFF
    try:
        with open(full, "rb") as f:
            gz = f.read(2) == b"\x1f\x8b"
        with gzip.open(full, "rb") if gz else open(full, "rb") as f:
            head = f.read(4 + 4 * ndim)
    except (OSError, EOFError) as exc:
        raise DataError(f"cannot read: {exc}", name) from None
    what = "images" if magic == IDX_IMAGES_MAGIC else "labels"
    if len(head) < 4 + 4 * ndim:
        raise DataError("file is truncated: no complete IDX header", name)
    found = int.from_bytes(head[:4], "big")
    if found != magic:
        raise DataError(f"not an IDX {what} file: magic number 0x{found:08X}, expected "
                        f"0x{magic:08X}", name)
    return tuple(int(d) for d in np.frombuffer(head[4:], ">u4"))


def labels_beside(images: str) -> str | None:
    """The labels file next to an images file (``train-images-idx3`` ->
    ``train-labels-idx1``), if it exists."""
    folder, name = os.path.split(images)
    guess = name.replace("images", "labels").replace("idx3", "idx1")
    path = os.path.join(folder, guess)
    return path if guess != name and os.path.isfile(path) else None


class IdxPage(SourcePage):
    """MNIST-format images and labels files (also Fashion-MNIST, KMNIST), gzipped or not."""

    type_id, label = "mnist_idx", "MNIST IDX"

    def __init__(self):
        super().__init__()
        filt = "IDX files (*-ubyte *-ubyte.gz *.idx *.idx.gz *.gz);;All files (*)"
        self.images = FileRow("idx_images", "Choose the images file", filt)
        self.labels = FileRow("idx_labels", "Choose the labels file", filt)
        self.images.chosen.connect(self._on_images)
        self.labels.chosen.connect(lambda *_: self.refresh())
        self.info = QLabel(wordWrap=True, objectName="import_idx_info")
        form = QFormLayout()
        form.addRow("Images", self.images)
        form.addRow("Labels", self.labels)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.info)
        layout.addWidget(self.problem)
        layout.addStretch(1)
        self.shapes: dict[str, tuple] = {}

    def _on_images(self, path: str) -> None:
        guess = labels_beside(path) if path else None
        if guess and not self.labels.path:
            self.labels.set_path(guess, emit=False)
        self.refresh()

    def refresh(self) -> None:
        """Read both headers; say what they hold or what is wrong."""
        self.shapes = {}
        self.show_problem(None)
        lines = []
        for key, row, magic in (("images", self.images, IDX_IMAGES_MAGIC),
                                ("labels", self.labels, IDX_LABELS_MAGIC)):
            if not row.path:
                continue
            try:
                self.shapes[key] = idx_header(row.path, magic)
            except PlaygroundError as exc:
                self.show_problem(str(exc))
                continue
            shape = self.shapes[key]
            lines.append(f"{os.path.basename(row.path)}: {shape[0]:,} images of "
                         f"{shape[1]} × {shape[2]} pixels" if key == "images" else
                         f"{os.path.basename(row.path)}: {shape[0]:,} labels")
        if len(self.shapes) == 2 and self.shapes["images"][0] != self.shapes["labels"][0]:
            self.show_problem(f"{self.shapes['images'][0]:,} images but "
                              f"{self.shapes['labels'][0]:,} labels: choose matching files")
        self.info.setText("\n".join(lines))
        self.changed.emit()

    def params(self) -> dict | None:
        if not (self.images.path and self.labels.path) or len(self.shapes) < 2:
            return None
        return {"images": self.images.path, "labels": self.labels.path}

    def set_params(self, params: dict) -> None:
        self.images.set_path(params.get("images", ""), emit=False)
        self.labels.set_path(params.get("labels", ""), emit=False)
        self.refresh()


if __name__ == "__main__":
    demo_page(NpzPage)
