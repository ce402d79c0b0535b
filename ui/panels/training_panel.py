"""The training panel: task and loss, optimizer and every hyperparameter, batches, epochs,
regularisation, early stopping, learning-rate schedule, seed, device; the run buttons.

Forms are generated from the declarations (:class:`~playground.params.Param`)
of the task, the optimizer and the schedule. Each valid edit emits the new
task or the new :class:`~playground.training.config.TrainingConfig`; the main
window decides whether it applies live (an optimizer hyperparameter, the
number of epochs) or at the next Reset/Play.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from playground.errors import PlaygroundError
from playground.tasks import TASKS
from playground.training.config import _EARLY_STOPPING as EARLY_STOPPING_PARAMS
from playground.training.config import _SCALARS as SCALAR_PARAMS
from playground.training.config import MAX_BATCH, SCHEDULES, TrainingConfig, parse_training
from playground.training.optimizers import OPTIMIZERS
from ui.params_form import ParamsForm

#: Buttons of the panel, in order: action key in the main window's actions.
BUTTONS = ("play", "pause", "step", "step_epoch", "reset")
#: Form key -> params with a slider beside their field (TF Playground's learning rate).
SLIDERS = {"optimizer": ("lr",)}
ERROR_STYLE = "color: #d64545;"


def allowed_tasks(target: str | None, graph_names: Iterable[str]) -> list[str]:
    """Task ids usable with a dataset of ``target`` kind (None: no dataset) and these graphs."""
    names = set(graph_names)
    out = []
    for entry in TASKS:
        fits_data = not entry.targets or (target is not None and target in entry.targets)
        if fits_data and set(entry.graphs) <= names:
            out.append(entry.id)
    return out


def device_params() -> tuple:
    """The scalar training params, with "cuda" offered only when a GPU is present."""
    import torch

    out = []
    for p in SCALAR_PARAMS:
        if p.name == "device" and not torch.cuda.is_available():
            p = dataclasses.replace(p, choices=tuple(c for c in p.choices if c != "cuda"))
        out.append(p)
    return tuple(out)


class TrainingPanel(QWidget):
    """Task, optimizer and training settings, with the run buttons on top.

    Signals
    -------
    task_changed(str, dict)
        Task id and resolved params after a valid edit.
    config_changed(object)
        The new TrainingConfig after a valid edit.
    """

    task_changed = Signal(str, dict)
    config_changed = Signal(object)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.task_id = ""
        self.task_params: dict = {}
        self.config = TrainingConfig()
        self._target: str | None = None
        self._graphs: list[str] = ["model"]
        self._forms: dict[str, ParamsForm] = {}
        self.buttons: dict[str, QToolButton] = {}
        self.button_row = QHBoxLayout()
        self.button_row.setSpacing(2)
        self.message = QLabel(wordWrap=True, objectName="training_message")
        self.message.hide()
        self.task_combo = QComboBox(objectName="task_combo")
        self.task_combo.activated.connect(self._on_task_chosen)
        self.optimizer_combo = QComboBox(objectName="optimizer_combo")
        for entry in OPTIMIZERS:
            self.optimizer_combo.addItem(entry.label, entry.id)
        self.optimizer_combo.activated.connect(self._on_optimizer_chosen)
        self.schedule_combo = QComboBox(objectName="schedule_combo")
        self.schedule_combo.addItems(list(SCHEDULES))
        self.schedule_combo.activated.connect(self._on_schedule_chosen)
        self.full_batch = QCheckBox("Full batch", objectName="full_batch")
        self.full_batch.toggled.connect(self._on_batch_changed)
        self.batch = QSpinBox(objectName="batch_size", minimum=1, maximum=min(MAX_BATCH, 2**31 - 1),
                              keyboardTracking=False)
        self.batch.valueChanged.connect(self._on_batch_changed)
        self.early = QCheckBox("Early stopping", objectName="early_stopping")
        self.early.toggled.connect(self._on_early_toggled)
        self._hosts = {key: QVBoxLayout() for key in ("task", "optimizer", "scalars", "early",
                                                      "schedule")}
        for host in self._hosts.values():
            host.setContentsMargins(0, 0, 0, 0)
        self._build_layout()

    def _group(self, title: str, *rows: Any) -> QGroupBox:
        box = QGroupBox(title)
        layout = QVBoxLayout(box)
        layout.setContentsMargins(6, 4, 6, 6)
        for row in rows:
            if isinstance(row, QWidget):
                layout.addWidget(row)
            else:
                layout.addLayout(row)
        return box

    def _build_layout(self) -> None:
        batch = QHBoxLayout()
        batch.addWidget(QLabel("Batch size"))
        batch.addWidget(self.batch, 1)
        batch.addWidget(self.full_batch)
        body = QWidget()
        column = QVBoxLayout(body)
        column.setContentsMargins(4, 4, 4, 4)
        column.addWidget(self._group("Task", self.task_combo, self._hosts["task"]))
        column.addWidget(self._group("Optimizer", self.optimizer_combo,
                                     self._hosts["optimizer"]))
        column.addWidget(self._group("Training", batch, self._hosts["scalars"]))
        column.addWidget(self._group("Regularisation and stopping", self.early,
                                     self._hosts["early"]))
        column.addWidget(self._group("Learning-rate schedule", self.schedule_combo,
                                     self._hosts["schedule"]))
        column.addStretch(1)
        scroll = self.scroll = QScrollArea(widgetResizable=True,
                                           frameShape=QScrollArea.Shape.NoFrame)
        scroll.setWidget(body)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 4, 2, 2)
        layout.addLayout(self.button_row)
        layout.addWidget(self.message)
        layout.addWidget(scroll, 1)

    def set_actions(self, actions: Mapping[str, QAction]) -> None:
        """Add a button per run action (Play, Pause, Step, Step epoch, Reset), and one for
        "run_variants" when given (visible while that action is enabled)."""
        grid = QGridLayout()
        grid.setSpacing(2)
        for i, key in enumerate(BUTTONS):
            button = QToolButton(objectName=f"button_{key}")
            button.setDefaultAction(actions[key])
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            self.buttons[key] = button
            grid.addWidget(button, 0 if i < 3 else 1, i if i < 3 else i - 3)
        variants = actions.get("run_variants")
        if variants is not None:
            # Shown only for presets with side-by-side variants (the action is enabled then).
            button = QToolButton(objectName="button_run_variants")
            button.setDefaultAction(variants)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            self.buttons["run_variants"] = button
            # In Reset's row, not a row of its own: with a data panel of many fields (shapes)
            # one more row took the left column past a 768-pixel screen.
            grid.addWidget(button, 1, 2)
            variants.changed.connect(self._sync_variants_button)
            self._sync_variants_button()
        self.button_row.addLayout(grid, 1)

    def _sync_variants_button(self) -> None:
        button = self.buttons["run_variants"]
        button.setVisible(button.defaultAction().isEnabled())

    def show_message(self, text: str | None, error: bool = False) -> None:
        """A line under the buttons ("Preparing…", a build error); None hides it."""
        self.message.setText(text or "")
        self.message.setStyleSheet(ERROR_STYLE if error else "")
        self.message.setVisible(bool(text))

    # -- showing a project -------------------------------------------------------------------
    def set_project(self, project: Any, target: str | None) -> None:
        """Show ``project``'s task and training config; ``target`` is its dataset's target kind.

        The panel stays scrolled where it was (an undo shows its value in place): the forms
        are rebuilt, and the body shrinks for a moment while they are.
        """
        bar = self.scroll.verticalScrollBar()
        kept = bar.value()
        self.task_id, self.task_params = project.task, dict(project.task_params)
        self.config = project.training
        self._graphs = list(project.graphs)
        self._target = target
        self._fill_tasks()
        self._fill_config()
        QTimer.singleShot(0, bar, lambda: bar.setValue(kept))  # after the new forms' layout

    def set_target(self, target: str | None, graph_names: Iterable[str] | None = None) -> None:
        """The dataset changed: offer the tasks that fit; switch task if the current one no
        longer does (emits ``task_changed``)."""
        self._target = target
        if graph_names is not None:
            self._graphs = list(graph_names)
        allowed = allowed_tasks(target, self._graphs)
        if self.task_id not in allowed and allowed:
            self.task_id = allowed[0]
            self.task_params = TASKS.get(self.task_id).resolve(None, "task.params")
            self._fill_tasks()
            self.task_changed.emit(self.task_id, dict(self.task_params))
        else:
            self._fill_tasks()

    def _fill_tasks(self) -> None:
        self.task_combo.blockSignals(True)
        self.task_combo.clear()
        allowed = allowed_tasks(self._target, self._graphs)
        if self.task_id not in allowed:
            allowed.append(self.task_id)
        for tid in allowed:
            entry = TASKS.get(tid)
            self.task_combo.addItem(entry.label, tid)
            self.task_combo.setItemData(self.task_combo.count() - 1, entry.doc,
                                        Qt.ItemDataRole.ToolTipRole)
        self.task_combo.setCurrentIndex(max(self.task_combo.findData(self.task_id), 0))
        self.task_combo.blockSignals(False)
        self._set_form("task", TASKS.get(self.task_id).params, self.task_params,
                       self._on_task_param)

    def _fill_config(self) -> None:
        c = self.config
        for w in (self.optimizer_combo, self.schedule_combo, self.batch, self.full_batch,
                  self.early):
            w.blockSignals(True)
        self.optimizer_combo.setCurrentIndex(max(self.optimizer_combo.findData(c.optimizer), 0))
        self.schedule_combo.setCurrentText(c.schedule)
        self.full_batch.setChecked(c.batch_size is None)
        self.batch.setValue(c.batch_size or 32)
        self.batch.setEnabled(c.batch_size is not None)
        self.early.setChecked(c.early_stopping is not None)
        for w in (self.optimizer_combo, self.schedule_combo, self.batch, self.full_batch,
                  self.early):
            w.blockSignals(False)
        raw = c.to_dict()
        self._set_form("optimizer", OPTIMIZERS.get(c.optimizer).params, c.optimizer_params,
                       lambda *_: self._emit_config())
        self._set_form("scalars", device_params(), raw, lambda *_: self._emit_config())
        self._set_form("early", EARLY_STOPPING_PARAMS, raw["early_stopping"] or {},
                       lambda *_: self._emit_config())
        self._forms["early"].setEnabled(c.early_stopping is not None)
        self._set_form("schedule", SCHEDULES[c.schedule], c.schedule_params,
                       lambda *_: self._emit_config())

    def _set_form(self, key: str, params: tuple, values: dict, slot) -> None:
        old = self._forms.pop(key, None)
        if old is not None:
            old.setParent(None)
            old.deleteLater()
        form = ParamsForm(params, values, sliders=SLIDERS.get(key, ()))
        form.setObjectName(f"{key}_params")
        form.value_changed.connect(slot)
        for layout in form.findChildren(QFormLayout):
            layout.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self._forms[key] = form
        self._hosts[key].addWidget(form)

    def form(self, key: str) -> ParamsForm:
        """The generated form ``key``: task, optimizer, scalars, early or schedule."""
        return self._forms[key]

    def invalid_fields(self) -> list[tuple[str, str]]:
        """(field title, reason) of every field whose text is refused."""
        return [item for form in self._forms.values() if form.isEnabled()
                for item in form.invalid()]

    # -- edits -------------------------------------------------------------------------------
    def _on_task_chosen(self, index: int) -> None:
        tid = self.task_combo.itemData(index)
        if tid == self.task_id:
            return
        try:
            params = TASKS.get(tid).resolve(None, "task.params")
        except PlaygroundError as exc:
            self.show_message(str(exc), error=True)
            return
        self.task_id, self.task_params = tid, params
        self._fill_tasks()
        self.task_changed.emit(tid, dict(params))

    def _on_task_param(self, name: str, value: Any) -> None:
        merged = {**self.task_params, name: value}
        if name == "surface":  # another surface has other params and another start
            merged.pop("surface_params", None)
            merged.pop("start", None)
        try:
            params = TASKS.get(self.task_id).resolve(merged, "task.params")
        except PlaygroundError as exc:
            self.show_message(str(exc), error=True)
            return
        self.show_message(None)
        self.task_params = params
        self.task_changed.emit(self.task_id, dict(params))

    def _on_optimizer_chosen(self, index: int) -> None:
        oid = self.optimizer_combo.itemData(index)
        if oid == self.config.optimizer:
            return
        old = self.config.optimizer_params
        params = OPTIMIZERS.get(oid).params
        # Keep the learning rate and any shared value the user set; the rest are defaults.
        values = {p.name: old.get(p.name, p.default) for p in params}
        self._set_form("optimizer", params, values, lambda *_: self._emit_config())
        self._emit_config()

    def _on_schedule_chosen(self, index: int) -> None:
        name = self.schedule_combo.itemText(index)
        if name == self.config.schedule:
            return
        self._set_form("schedule", SCHEDULES[name], {}, lambda *_: self._emit_config())
        self._emit_config()

    def _on_batch_changed(self, *_: Any) -> None:
        self.batch.setEnabled(not self.full_batch.isChecked())
        self._emit_config()

    def _on_early_toggled(self, on: bool) -> None:
        self._forms["early"].setEnabled(on)
        self._emit_config()

    def raw_config(self) -> dict:
        """The training section as the widgets show it (unvalidated)."""
        scalars = self._forms["scalars"].values()
        return {
            "optimizer": {"type": self.optimizer_combo.currentData(),
                          "params": self._forms["optimizer"].values()},
            "batch_size": "full" if self.full_batch.isChecked() else self.batch.value(),
            **{k: scalars[k] for k in scalars},
            "early_stopping": self._forms["early"].values() if self.early.isChecked() else None,
            "schedule": {"type": self.schedule_combo.currentText(),
                         "params": self._forms["schedule"].values()},
        }

    def _emit_config(self) -> None:
        try:
            config = parse_training(self.raw_config())
        except PlaygroundError as exc:
            self.show_message(str(exc), error=True)
            return
        self.show_message(None)
        if config != self.config:
            self.config = config
            self.config_changed.emit(config)


if __name__ == "__main__":
    from PySide6.QtWidgets import QApplication

    from playground.project.presets import load_preset

    app = QApplication([])
    panel = TrainingPanel()
    panel.set_project(load_preset("launch-xor"), "class")
    panel.resize(340, 800)
    panel.show()
    app.exec()
