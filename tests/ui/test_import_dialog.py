"""Import dialog: CSV, NPZ, MNIST IDX and image folders with their preview, shapes, inline
errors naming the row, column or file, checksums on accept, and File > Import data."""

from __future__ import annotations

import gzip

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtWidgets import QApplication, QFileDialog
from sklearn.datasets import load_digits, load_iris

from playground.data.loading import load_dataset
from playground.data.spec import parse_data_spec
from playground.errors import DataError
from tests.ui.main_helpers import close_window, make_window
from ui.dialogs.data_import import ImportDialog, ask_import, error_html

IRIS_HEADER = "sepal_length,sepal_width,petal_length,petal_width,species"


def iris_rows() -> list[str]:
    iris = load_iris()
    return [",".join(f"{v:g}" for v in row) + "," + iris.target_names[t]
            for row, t in zip(iris.data, iris.target)]


@pytest.fixture
def iris_csv(tmp_path):
    path = tmp_path / "iris.csv"
    path.write_text("\n".join([IRIS_HEADER, *iris_rows()]) + "\n")
    return path


@pytest.fixture
def digits_npz(tmp_path):
    digits = load_digits()
    path = tmp_path / "digits.npz"
    np.savez(path, x=digits.data.astype(np.float32), y=digits.target)
    return path


def idx_bytes(data: np.ndarray, magic: int) -> bytes:
    return magic.to_bytes(4, "big") + b"".join(int(d).to_bytes(4, "big")
                                               for d in data.shape) + data.tobytes()


@pytest.fixture
def idx_files(tmp_path):
    rng = np.random.default_rng(0)
    images = tmp_path / "train-images-idx3-ubyte.gz"
    labels = tmp_path / "train-labels-idx1-ubyte.gz"
    with gzip.open(images, "wb") as f:
        f.write(idx_bytes(rng.integers(0, 256, (30, 12, 12), dtype=np.uint8), 0x803))
    with gzip.open(labels, "wb") as f:
        f.write(idx_bytes(np.arange(30, dtype=np.uint8) % 10, 0x801))
    return images, labels


@pytest.fixture
def image_folder(tmp_path):
    from PIL import Image

    root = tmp_path / "shapes"
    for k, cls in enumerate(("circle", "square", "triangle")):
        (root / cls).mkdir(parents=True)
        for i in range(4):
            Image.new("RGB", (20, 16), (40 * k, 60 * i, 90)).save(root / cls / f"{i}.png")
    return root


def dialog_for(qtbot, current=None) -> ImportDialog:
    dialog = ImportDialog(current)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def choose(qtbot, dialog: ImportDialog, type_id: str, row: str, path) -> None:
    """Show the ``type_id`` tab, type ``path`` into its ``row`` field, wait for the load."""
    page = dialog.pages[type_id]
    dialog.tabs.setCurrentWidget(page)
    getattr(page, row).set_path(str(path))
    loaded(qtbot, dialog)


def loaded(qtbot, dialog: ImportDialog) -> None:
    dialog.load_now()
    qtbot.waitUntil(lambda: dialog.dataset is not None or dialog.error.isVisible()
                    or dialog.raw_spec() is None, timeout=30_000)


def test_npz_shapes_and_checksums_on_accept(qtbot, digits_npz):
    dialog = dialog_for(qtbot)
    choose(qtbot, dialog, "npz", "file", digits_npz)
    page = dialog.pages["npz"]
    assert page.x_key.currentText() == "x" and page.y_key.currentText() == "y"
    assert page.table.rowCount() == 2 and page.table.item(0, 1).text() == "(1797, 64)"
    assert dialog.shapes.text().startswith("1797 samples, input (64,), 10 classes")
    assert dialog.ok.isEnabled()
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    spec = dialog.result_spec
    assert spec.type == "npz" and spec.params["x_key"] == "x"
    assert len(spec.files["path"]["sha256"]) == 64
    assert dialog.spec_dict()["files"] == spec.files
    assert load_dataset(parse_data_spec(dialog.spec_dict())).input_shape == (64,)
    with open(digits_npz, "ab") as handle:  # the file changes after the import
        handle.write(b"\0")
    with pytest.raises(DataError, match="changed since the project was saved"):
        load_dataset(spec)


def test_npz_without_targets_and_bad_archives(qtbot, tmp_path):
    path = tmp_path / "pairs.npz"
    np.savez(path, inputs=np.zeros((10, 3), np.float32), labels=np.zeros(9))
    dialog = dialog_for(qtbot)
    choose(qtbot, dialog, "npz", "file", path)
    page = dialog.pages["npz"]
    assert page.x_key.currentText() == "inputs"  # the biggest array
    assert page.y_key.currentText() == page.NONE  # no array with one row per sample
    page.y_key.setCurrentText("labels")
    page.changed.emit()
    loaded(qtbot, dialog)
    assert "pairs.npz: 10 samples in 'inputs' but 9 in 'labels'" in dialog.error_line
    assert not dialog.ok.isEnabled()
    page.y_key.setCurrentText(page.NONE)
    page.changed.emit()
    loaded(qtbot, dialog)
    assert dialog.shapes.text().startswith("10 samples, input (3,), no targets")
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"not a zip file")
    page.file.set_path(str(broken))
    assert "broken.npz: not a readable .npz archive" in page.problem.text()
    assert dialog.raw_spec() is None and not dialog.ok.isEnabled()


def test_csv_header_target_task_and_text_columns(qtbot, iris_csv):
    dialog = dialog_for(qtbot)
    choose(qtbot, dialog, "csv", "file", iris_csv)
    page = dialog.pages["csv"]
    assert page.preview.has_header and page.target.currentText() == "species"
    assert page.task.currentText() == "classification"
    assert "comma" in page.detected.text() and "is a header" in page.detected.text()
    assert page.table.horizontalHeaderItem(4).text() == "species\ntarget"
    assert dialog.shapes.text().startswith("150 samples, input (4,), 3 classes")
    assert dialog.raw_spec()["params"]["target"] == "species"

    page.target.setCurrentText("petal_width")  # a number with many values: regression
    page.target.activated.emit(3)
    assert page.task.currentText() == "regression"
    assert "'species' has cells that are not numbers" in page.problem.text()
    loaded(qtbot, dialog)
    assert "iris.csv row 2, column 'species'" in dialog.error_line
    assert "'setosa' is not a number" in dialog.error_line

    page.header.setCurrentText("no")  # the header row is then data
    page.refresh()
    assert page.preview.header[0] == "column 1" and page.preview.rows[0][0] == "sepal_length"


def test_csv_columns_left_out_by_clicking_their_header(qtbot, tmp_path):
    """A text id column blocks the import until its header is clicked to leave it out."""
    path = tmp_path / "ids.csv"
    path.write_text("\n".join(["name," + IRIS_HEADER]
                              + [f"flower{i}," + row for i, row in enumerate(iris_rows())]))
    dialog = dialog_for(qtbot)
    choose(qtbot, dialog, "csv", "file", path)
    page = dialog.pages["csv"]
    assert "'name' has cells that are not numbers" in page.problem.text()
    header = page.table.horizontalHeader()
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton,
                     pos=header.rect().topLeft() + QPoint(header.sectionSize(0) // 2, 5))
    assert page.skipped == {0}
    assert page.table.horizontalHeaderItem(0).text() == "name\nleft out"
    assert not page.problem.isVisible() and "1 left out" in page.features.text()
    raw = dialog.raw_spec()
    assert raw["params"]["features"] == "sepal_length,sepal_width,petal_length,petal_width"
    loaded(qtbot, dialog)
    assert dialog.dataset is not None, dialog.error_line
    assert dialog.shapes.text().startswith("150 samples, input (4,), 3 classes")

    page.toggle_column(4 + 1)  # the target cannot be left out
    assert page.skipped == {0}
    again = dialog_for(qtbot)  # the dialog opened on this spec shows the same choice
    again.pages["csv"].set_params(raw["params"])
    assert again.pages["csv"].skipped == {0}
    for j in (1, 2, 3, 4):
        page.toggle_column(j)
    assert "No feature columns left" in page.problem.text()


def test_csv_bad_cell_is_named_and_shown(qtbot, tmp_path):
    rows = iris_rows()
    rows[11] = rows[11].replace(rows[11].split(",")[1], "abc", 1)  # line 13 of the file
    path = tmp_path / "iris_bad.csv"
    path.write_text("\n".join([IRIS_HEADER, *rows]) + "\n")
    dialog = dialog_for(qtbot)
    choose(qtbot, dialog, "csv", "file", path)
    assert dialog.error_line == "iris_bad.csv row 13, column 'sepal_width': 'abc' is not a number"
    assert "<b>iris_bad.csv row 13, column 'sepal_width'</b>" in error_html(
        "iris_bad.csv row 13, column 'sepal_width': 'abc' is not a number")
    table = dialog.pages["csv"].table
    last = table.rowCount() - 1
    assert table.verticalHeaderItem(last).text() == "row 13"
    assert table.item(last, 1).text() == "abc" and table.item(last, 1).font().bold()
    assert not dialog.ok.isEnabled()
    dialog.accept()  # refused: nothing loaded
    assert dialog.result_spec is None and dialog.isVisible()


def test_csv_file_problems_name_the_file(qtbot, tmp_path):
    binary = tmp_path / "latin1.csv"
    binary.write_bytes("a,b\n\xe9,1\n".encode("latin-1"))
    dialog = dialog_for(qtbot)
    page = dialog.pages["csv"]
    choose(qtbot, dialog, "csv", "file", binary)
    assert page.problem.text().startswith("latin1.csv: not a UTF-8 text file")
    page.file.set_path(str(tmp_path / "missing.csv"))
    assert "missing.csv: file not found" in page.problem.text()


def test_mnist_idx_labels_found_and_errors(qtbot, idx_files, tmp_path):
    images, labels = idx_files
    dialog = dialog_for(qtbot)
    choose(qtbot, dialog, "mnist_idx", "images", images)
    page = dialog.pages["mnist_idx"]
    assert page.labels.path == str(labels)  # found next to the images
    assert "30 images of 12 × 12 pixels" in page.info.text()
    assert dialog.shapes.text().startswith("30 samples, input (1, 12, 12), 10 classes")
    page.images.set_path(str(labels))  # a labels file where the images belong
    assert "not an IDX images file: magic number 0x00000801" in page.problem.text()
    short = tmp_path / "short-images-idx3-ubyte"
    short.write_bytes(idx_bytes(np.zeros((30, 12, 12), np.uint8), 0x803)[:500])
    page.images.set_path(str(short))
    loaded(qtbot, dialog)
    assert "short-images-idx3-ubyte: file is truncated" in dialog.error_line


def test_image_folder_thumbnails_size_and_bad_images(qtbot, image_folder):
    dialog = dialog_for(qtbot)
    choose(qtbot, dialog, "image_folder", "folder", image_folder)
    page = dialog.pages["image_folder"]
    assert page.table.rowCount() == 3 and page.thumb_count() == 9
    assert dialog.shapes.text().startswith("12 samples, input (1, 28, 28), 3 classes")
    page.size.setValue(16)
    page.color.setCurrentText("rgb")
    page.color.activated.emit(1)
    loaded(qtbot, dialog)
    assert dialog.shapes.text().startswith("12 samples, input (3, 16, 16), 3 classes")
    (image_folder / "square" / "bad.png").write_bytes(b"not an image")
    page.refresh()
    loaded(qtbot, dialog)
    assert "square/bad.png: cannot read this image" in dialog.error_line
    loose = image_folder / "square"
    page.folder.set_path(str(loose))
    assert "no class subfolders" in page.problem.text() and "square" in page.problem.text()


def test_choose_buttons_use_the_file_dialogs(qtbot, monkeypatch, iris_csv, image_folder):
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(iris_csv), ""))
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(image_folder))
    dialog = dialog_for(qtbot)
    qtbot.mouseClick(dialog.findChild(type(dialog.ok), "import_choose_csv_path"),
                     Qt.MouseButton.LeftButton)
    assert dialog.pages["csv"].file.path == str(iris_csv)
    assert dialog.pages["csv"].preview is not None
    dialog.tabs.setCurrentWidget(dialog.pages["image_folder"])
    qtbot.mouseClick(dialog.findChild(type(dialog.ok), "import_choose_folder_path"),
                     Qt.MouseButton.LeftButton)
    assert len(dialog.pages["image_folder"].classes) == 3


def test_reopening_shows_the_projects_file_data(qtbot, iris_csv):
    spec = parse_data_spec({"type": "csv", "params": {"path": str(iris_csv), "target": "2",
                                                      "task": "regression"},
                            "split": {"val": 0.1, "test": 0.3}, "standardize": "standard"})
    dialog = dialog_for(qtbot, spec)
    page = dialog.pages["csv"]
    assert dialog.page is page and page.target.currentText() == "sepal_width"
    assert page.task.currentText() == "regression"
    assert (dialog.val.value(), dialog.test.value()) == (0.1, 0.3)
    assert dialog.standardize.currentText() == "standard"


def test_ask_import_returns_the_accepted_spec(qtbot, digits_npz):
    state = {"filled": False}

    def drive():
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, ImportDialog):
            return
        if not state["filled"]:
            state["filled"] = True
            dialog.tabs.setCurrentWidget(dialog.pages["npz"])
            dialog.pages["npz"].file.set_path(str(digits_npz))
        elif dialog.ok.isEnabled():
            dialog.ok.click()

    timer = QTimer(interval=50)
    timer.timeout.connect(drive)
    timer.start()
    try:
        spec = ask_import()
    finally:
        timer.stop()
    assert spec is not None and spec.type == "npz" and spec.files


def test_file_import_data_puts_the_spec_into_the_project(qtbot, tmp_path, monkeypatch,
                                                         iris_csv):
    from playground.data.spec import record_checksums

    spec = record_checksums(parse_data_spec({"type": "csv", "params": {"path": str(iris_csv)},
                                             "split": {"test": 0.2}}))
    asked = []
    monkeypatch.setattr("ui.dialogs.data_import.ask_import",
                        lambda parent, current: asked.append(current) or spec)
    window = make_window(qtbot, tmp_path, "launch-iris", wait=False)
    try:
        before = window.project.data
        qtbot.mouseClick(window.data_panel.import_button, Qt.MouseButton.LeftButton)
        assert asked == [before]
        assert window.project.data == spec and window.project.data.files
        assert window.data_panel.spec == spec
        assert window.data_panel.combo.currentData() == "csv"
        assert window.windowTitle().split(" — ")[0].endswith("*")
        qtbot.waitUntil(lambda: window.data_panel.dataset is not None, timeout=30_000)
        assert window.data_panel.dataset.input_shape == (4,)
        assert window.project.to_dict()["data"]["files"]["path"]["size"] == iris_csv.stat().st_size
    finally:
        close_window(qtbot, window)
