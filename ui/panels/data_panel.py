"""The data panel: dataset, its parameters, split, seed, standardisation, preview.

Every edit produces a validated :class:`~playground.data.spec.DataSpec`
(``spec_changed``); the dataset is then loaded in the background for the
preview and the shapes summary (``dataset_loaded``), at once, before any
training. Noise and the share of training data have sliders, as in
TensorFlow Playground. Errors (a bad file path...) show as one line in the
panel, never as a dialog.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFont, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from playground.data import DATASETS
from playground.data.spec import STANDARDIZE, DataSpec, parse_data_spec
from playground.errors import PlaygroundError
from playground.project.citation import human_text
from ui.panels.data_preview import DataPreview, DatasetLoader, summary
from ui.params_form import ParamsForm

NO_DATA = ""
ERROR_STYLE = "color: #d64545;"
#: Dataset params that get a slider beside their field.
SLIDERS = ("noise",)
#: The training share's slider: percent, from, to, step.
TRAIN_SHARE = (10, 90, 5)
#: The note under the dataset's description when the data is a substitute.
BANNER_STYLE = ("background: #fff3cd; color: #664d03; border: 1px solid #e6cf84;"
                " border-radius: 3px; padding: 3px;")


def dataset_model() -> QStandardItemModel:
    """Combo-box model: category headers (not selectable) with their datasets."""
    model = QStandardItemModel()
    none = QStandardItem("— no dataset —")
    none.setData(NO_DATA, Qt.ItemDataRole.UserRole)
    model.appendRow(none)
    category = None
    for entry in DATASETS:
        if entry.category != category:
            category = entry.category
            header = QStandardItem(category)
            header.setFlags(Qt.ItemFlag.NoItemFlags)
            font = QFont()
            font.setBold(True)
            header.setFont(font)
            model.appendRow(header)
        item = QStandardItem("    " + entry.label)
        item.setData(entry.id, Qt.ItemDataRole.UserRole)
        item.setToolTip(human_text(entry.doc))
        model.appendRow(item)
    return model


class DataPanel(QWidget):
    """Choose and configure the project's dataset.

    Signals
    -------
    spec_changed(object)
        The new DataSpec (None: no dataset) after a valid edit.
    dataset_loaded(object)
        The Dataset built from the current spec (for shapes and task filtering).
    import_requested()
        The "Import…" button: the window opens its import dialog.
    """

    spec_changed = Signal(object)
    dataset_loaded = Signal(object)
    import_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.spec: DataSpec | None = None
        self.dataset: Any = None
        self.loader = DatasetLoader(self)
        self.loader.loaded.connect(self._on_loaded)
        self.combo = QComboBox(objectName="dataset_combo")
        self.combo.setModel(dataset_model())
        self.combo.setMaxVisibleItems(24)
        # The longest dataset name must not set the column's width (the graph needs it).
        self.combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setMinimumContentsLength(12)
        self.combo.activated.connect(self._on_type_chosen)
        self.import_button = QPushButton("Import…", objectName="import_data",
                                         toolTip="Use your own CSV, NPZ, MNIST IDX or image "
                                                 "folder (File > Import data)")
        self.import_button.clicked.connect(self.import_requested)
        self.doc = QLabel(wordWrap=True, objectName="dataset_doc")
        self.doc.setStyleSheet("color: palette(placeholder-text);")
        self.banner = QLabel(objectName="substitute_banner", wordWrap=True)
        self.banner.setStyleSheet(BANNER_STYLE)
        self.banner.hide()
        self.form_host = QVBoxLayout()
        self.form_host.setContentsMargins(0, 0, 0, 0)
        self.form: ParamsForm | None = None
        self.files_row = QHBoxLayout()
        self.val = self._ratio("val_ratio")
        self.test = self._ratio("test_ratio")
        low, high, step = TRAIN_SHARE
        self.train_share = QSlider(Qt.Orientation.Horizontal, objectName="train_share",
                                   minimum=low, maximum=high, singleStep=step, pageStep=step,
                                   toolTip="Ratio of training to test data: the rest (after "
                                           "validation) is held out for testing")
        self.train_share_label = QLabel(objectName="train_share_label")
        self.train_share.valueChanged.connect(self._on_train_share)
        self.train_share.sliderReleased.connect(lambda: self._set_train_share(
            self.train_share.value()))
        self.seed = QSpinBox(objectName="data_seed", maximum=2**31 - 1, keyboardTracking=False,
                             toolTip="Seeds the samples and the split")
        self.seed.valueChanged.connect(lambda *_: self._emit())
        regenerate = QPushButton("Regenerate", objectName="regenerate",
                                 toolTip="Draw new samples (next seed)")
        regenerate.clicked.connect(self.regenerate)
        self.standardize = QComboBox(objectName="standardize")
        self.standardize.addItems(STANDARDIZE)
        self.standardize.setToolTip("Scale inputs, fitted on the training part only")
        self.standardize.activated.connect(lambda *_: self._emit())
        self.error = QLabel(wordWrap=True, objectName="data_error")
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.hide()
        self.summary = QLabel(wordWrap=True, objectName="data_summary")
        self.preview = DataPreview()
        self._visible: int | None = None  # the height of the panel that shows (fit_height)
        self._fit_later = QTimer(self, singleShot=True, interval=0)
        self._fit_later.timeout.connect(self._fit_preview)
        self._build_layout(regenerate)

    def _ratio(self, name: str) -> QDoubleSpinBox:
        box = QDoubleSpinBox(objectName=name, minimum=0.0, maximum=0.9, singleStep=0.05,
                             decimals=2, keyboardTracking=False)
        box.valueChanged.connect(lambda *_: self._emit())
        return box

    def _build_layout(self, regenerate: QPushButton) -> None:
        split = QHBoxLayout()
        for label, box in (("val", self.val), ("test", self.test)):
            split.addWidget(QLabel(label, toolTip="Share held out for validation"
                                   if label == "val" else "Share held out for testing"))
            split.addWidget(box, 1)
        seed = QHBoxLayout()
        seed.addWidget(self.seed, 1)
        seed.addWidget(regenerate)
        share = QHBoxLayout()
        share.addWidget(self.train_share, 1)
        share.addWidget(self.train_share_label)
        form = QFormLayout()
        form.addRow("Training data", share)
        form.addRow("Hold out", split)
        form.addRow("Data seed", seed)
        form.addRow("Standardize", self.standardize)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        chooser = QHBoxLayout()
        chooser.addWidget(self.combo, 1)
        chooser.addWidget(self.import_button)
        layout.addLayout(chooser)
        layout.addWidget(self.doc)
        layout.addWidget(self.banner)
        layout.addLayout(self.form_host)
        layout.addLayout(self.files_row)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.summary)
        layout.addWidget(self.preview, 1)

    # -- fitting the visible area ------------------------------------------------------------
    def fit_height(self, visible: int | None = None) -> None:
        """The panel shows ``visible`` pixels of height (its scroll area's; None: the last
        given): the preview takes what the rest leaves, so it shows whole when it can."""
        if visible is not None:
            self._visible = visible
        self._fit_later.start()  # once this turn's layout has placed the rest

    def _fit_preview(self) -> None:
        if self._visible is None or not self.isVisible():
            return
        # What the rest takes as laid out (wrapped text included), not as hinted.
        others = self.height() - self.preview.height()
        self.preview.fit_room(self._visible - others)

    def wanted_height(self) -> int:
        """The height the panel needs to show everything, the preview at its wanted size."""
        return (self.minimumSizeHint().height() - self.preview.minimumHeight()
                + self.preview.WANTED_HEIGHT)

    # -- showing a spec ----------------------------------------------------------------------
    def set_spec(self, spec: DataSpec | None, load: bool = True) -> None:
        """Show ``spec`` (without emitting); load it for the preview unless ``load`` is False
        (then :meth:`reload` later)."""
        self.spec = spec
        self.dataset = None
        self._fill(spec)
        if load:
            self.reload()

    def _fill(self, spec: DataSpec | None) -> None:
        widgets = (self.combo, self.val, self.test, self.seed, self.standardize)
        for w in widgets:
            w.blockSignals(True)
        try:
            index = self.combo.findData(spec.type if spec else NO_DATA, Qt.ItemDataRole.UserRole)
            self.combo.setCurrentIndex(max(index, 0))
            if spec is not None:
                self.val.setValue(spec.val)
                self.test.setValue(spec.test)
                self.seed.setValue(spec.seed)
                self.standardize.setCurrentText(spec.standardize)
        finally:
            for w in widgets:
                w.blockSignals(False)
        for w in (self.val, self.test, self.seed, self.standardize, self.train_share):
            w.setEnabled(spec is not None)
        self._show_train_share()
        self._make_form(spec)

    # -- the training share ------------------------------------------------------------------
    def _show_train_share(self) -> None:
        """Put the slider where the validation and test boxes say (without committing)."""
        share = round((1.0 - self.val.value() - self.test.value()) * 100)
        self.train_share.blockSignals(True)
        self.train_share.setValue(share)
        self.train_share.blockSignals(False)
        self.train_share_label.setText(f"{share}%")

    def _on_train_share(self, percent: int) -> None:
        self.train_share_label.setText(f"{percent}%")
        if not self.train_share.isSliderDown():  # a click or a key: at once
            self._set_train_share(percent)

    def _set_train_share(self, percent: int) -> None:
        """Keep ``percent`` of the data for training: the test part takes the rest."""
        test = round(max(0.0, 1.0 - percent / 100 - self.val.value()), 4)
        self.test.setValue(min(test, self.test.maximum()))  # emits through valueChanged
        self._show_train_share()

    def _make_form(self, spec: DataSpec | None) -> None:
        if self.form is not None:
            self.form.setParent(None)
            self.form.deleteLater()
            self.form = None
        while self.files_row.count():
            item = self.files_row.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        if spec is None:
            self.doc.setText("This project uses no dataset.")
            return
        entry = DATASETS.get(spec.type)
        self.doc.setText(human_text(entry.doc))
        self.form = ParamsForm(entry.params, spec.params, sliders=SLIDERS)
        self.form.setObjectName("dataset_params")
        self.form.value_changed.connect(lambda *_: self._emit())
        self.form_host.addWidget(self.form)
        for name in entry.file_params:
            button = QPushButton(f"Choose {name}…", objectName=f"choose_{name}")
            button.clicked.connect(lambda _=False, n=name: self._choose_file(n))
            self.files_row.addWidget(button)
        self.fit_height()  # another dataset's fields: another room for the preview

    def _choose_file(self, name: str) -> None:
        folder = name == "path" and self.spec is not None and self.spec.type == "image_folder"
        if folder:
            path = QFileDialog.getExistingDirectory(self, "Choose the image folder")
        else:
            path, _ = QFileDialog.getOpenFileName(self, f"Choose {name}")
        if path and self.form is not None:
            self.form.set_values({**self.form.values(), name: path})
            self._emit()

    # -- edits -------------------------------------------------------------------------------
    def _on_type_chosen(self, index: int) -> None:
        type_id = self.combo.itemData(index, Qt.ItemDataRole.UserRole)
        old = self.spec
        if type_id == NO_DATA:
            self._commit(None)
            return
        if old is not None and type_id == old.type:
            return
        raw = {"type": type_id, "seed": old.seed if old else 0,
               "split": {"val": old.val, "test": old.test} if old else {},
               "standardize": old.standardize if old else "none"}
        self._try_commit(raw, new_form=True)

    def regenerate(self) -> None:
        """Draw new samples: the next seed."""
        if self.spec is not None:
            self.seed.setValue(self.seed.value() + 1)  # emits through valueChanged

    def _emit(self) -> None:
        if self.spec is None:
            return
        self._show_train_share()
        params = self.form.values() if self.form is not None else dict(self.spec.params)
        entry = DATASETS.get(self.spec.type)
        # Recorded checksums belong to the files they were taken from.
        same_files = all(params.get(k) == self.spec.params.get(k) for k in entry.file_params)
        raw = {"type": self.spec.type, "params": params, "seed": self.seed.value(),
               "split": {"val": round(self.val.value(), 4), "test": round(self.test.value(), 4)},
               "standardize": self.standardize.currentText()}
        if self.spec.files and same_files:
            raw["files"] = {k: dict(v) for k, v in self.spec.files.items()}
        self._try_commit(raw)

    def _try_commit(self, raw: dict, new_form: bool = False) -> None:
        try:
            spec = parse_data_spec(raw)
        except PlaygroundError as exc:
            self.show_error(str(exc))
            return
        if new_form:
            self._fill(spec)
        self._commit(spec)

    def _commit(self, spec: DataSpec | None) -> None:
        if spec == self.spec:
            return
        if spec is None:
            self._fill(None)
        self.spec = spec
        self.reload()
        self.spec_changed.emit(spec)  # last: a listener may put another spec back

    # -- loading -----------------------------------------------------------------------------
    def reload(self) -> None:
        """Load the current spec in the background (preview, summary, shapes)."""
        self.show_error(None)
        self.dataset = None
        if self.spec is None:
            self.summary.setText("")
            self.preview.show_message("No dataset")
            return
        self.summary.setText("Loading…")
        self.loader.request(self.spec)

    def _on_loaded(self, token: int, dataset: Any, error: str) -> None:
        if dataset is None:
            self.summary.setText("")
            self.show_error(error)
            self.preview.show_message("Cannot load this dataset")
            return
        self.dataset = dataset
        self.summary.setText(summary(dataset))
        self.preview.show_dataset(dataset)
        self.fit_height()  # the summary's lines may have changed
        self.dataset_loaded.emit(dataset)

    def show_error(self, text: str | None) -> None:
        """Show a one-line error under the form (None hides it)."""
        self.error.setText(text.splitlines()[0] if text else "")
        self.error.setVisible(bool(text))

    def shutdown(self) -> None:
        """Join the loader thread."""
        self.loader.shutdown()


if __name__ == "__main__":
    from PySide6.QtWidgets import QApplication

    app = QApplication([])
    panel = DataPanel()
    panel.set_spec(parse_data_spec({"type": "spiral", "seed": 0, "split": {"test": 0.5}}))
    panel.resize(340, 620)
    panel.show()
    app.exec()
