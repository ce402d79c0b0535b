"""How edits reach the main window's project: the editor's, the data panel's, the training panel's.

:class:`ProjectEdits` is the part of :class:`~ui.window.main_window.MainWindow`
that listens to the editor and the panels and edits the open project in place:
every edit marks the project modified ("*" in the title, autosave soon) and,
unless it only moved nodes or could be applied to the running session, stale (a
rebuild at the next Play). It also runs the checks that need the data and the
task after every edit, and shows new data at once (shapes, cards, the decision
boundary's points) before any training.

The panels' edits are undoable, on the editor's stack (:mod:`ui.window.panel_commands`):
one Ctrl+Z takes back the last edit, a layer's or a learning rate's. A new dataset that
the task no longer fits switches the task too, and one undo puts both back.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from playground.data import DATASETS
from playground.params import to_json
from playground.tasks import TASKS
from ui.window.checks import card_notes, output_problems, refused_fields
from ui.window.panel_commands import (
    DATA_EDIT,
    TASK_EDIT,
    TRAINING_EDIT,
    PanelEdit,
    changed_fields,
    edit_text,
)


def target_of(spec: Any) -> str | None:
    """The target kind ("class", "regression", "none") of a data spec; None without data."""
    if spec is None:
        return None
    return DATASETS.get(spec.type).info_for(spec.params).target


class ProjectEdits:
    """Edits of the window's project (mixed into :class:`~ui.window.main_window.MainWindow`,
    whose widgets and project it uses)."""

    project: Any
    files: Any
    editor: Any
    data_panel: Any
    training_panel: Any
    preset_browser: Any
    views: Any
    run: Any
    file_ops: Any
    actions: dict
    banner: Any
    undo_stack: Any
    _quiet: int
    #: Set while an undo or redo puts a value back (its panels' signals push nothing), or
    #: while a data edit switches the task (the task goes into the data edit's command).
    _replaying: bool = False

    def _connect_edits(self) -> None:
        """Listen to the editor and the panels (once, from the window's constructor)."""
        self.editor.graph_edited.connect(lambda: None if self._quiet else self.mark_edited())
        # Moving nodes changes the file, not the model: no rebuild, no "edited" notice.
        self.editor.layout_edited.connect(
            lambda: None if self._quiet else self.mark_edited(stale=False))
        self.editor.graph_edited.connect(self.check_model)
        self.data_panel.spec_changed.connect(self._on_spec_changed)
        self.data_panel.dataset_loaded.connect(self._on_dataset_loaded)
        self.data_panel.import_requested.connect(self.actions["import_data"].trigger)
        self.training_panel.task_changed.connect(self._on_task_changed)
        self.training_panel.config_changed.connect(self._on_config_changed)
        self.preset_browser.open_requested.connect(self.file_ops.open_preset)

    def mark_edited(self, stale: bool = True) -> None:
        """The project changed: "*" in the title, autosave soon, a rebuild at the next Play.

        An error from the last build or run is about the project as it was: it goes (the
        editor's bar shows what is wrong now).
        """
        self.files.mark_modified()
        if stale:
            self.run.clear_error()
            if not self.run.stale and self.run.session is not None:
                self.show_status("Edited: press Play or Reset to train the new version")
            self.run.stale = True
        self.update_title()
        self.file_ops.edited()

    def check_model(self) -> None:
        """The checks that need the data and the task, after every edit (the editor checks
        the graph itself)."""
        problems = []
        if self.editing_main_graph():
            problems = output_problems(self.project, self.data_panel.dataset,
                                       self.editor.graph, self.editor.report, self._set_units)
        self.editor.set_external_problems(problems)

    def _set_units(self, node_id: str, units: int) -> None:
        self.editor.scene.set_params(node_id, {"units": units})

    def invalid_fields(self) -> list[str]:
        """One line per field whose text is refused (Play waits until they are fixed)."""
        return refused_fields(self)

    def _on_spec_changed(self, spec: Any) -> None:
        if spec is None and TASKS.get(self.project.task).targets:
            self.data_panel.set_spec(self.project.data)  # put the dataset back
            self.data_panel.show_error(f"the {TASKS.get(self.project.task).label} task needs "
                                       "a dataset")
            return
        old = self._data_state()
        with self._not_pushing():
            self.project.data = spec
            # Data the task no longer fits switches the task (task_changed, applied below).
            self.training_panel.set_target(target_of(spec), list(self.project.graphs))
        self._push(DATA_EDIT, "data", _data_tree(*old), _data_tree(*self._data_state()),
                   self._show_data, old, self._data_state())
        self.mark_edited()

    def _data_state(self) -> tuple:
        return self.project.data, self.project.task, dict(self.project.task_params)

    def _show_data(self, state: tuple) -> None:
        """Undo/redo: put a dataset (and the task it came with) back, panels included."""
        self.project.data, task_id, params = state
        with self._not_pushing():
            self.data_panel.set_spec(self.project.data)
            if (task_id, params) != (self.project.task, self.project.task_params):
                self._show_task((task_id, params))
            else:
                self.training_panel.set_target(target_of(self.project.data),
                                               list(self.project.graphs))
                self.mark_edited()

    def _on_dataset_loaded(self, dataset: Any) -> None:
        """New data is on screen at once: the preview (the data panel), the shapes and the
        cards, and the decision boundary's points, before any training."""
        self.editor.set_data_shape(dataset.input_shape)
        self.editor.scene.set_card_notes(card_notes(dataset, self.project.task))
        note = dataset.info.substitute
        self.banner.setText(f"Substitute data: {note}" if note else "")
        self.banner.setVisible(bool(note))
        boundary = self.views.views.get("boundary")
        if boundary is not None:
            boundary.show_dataset(dataset)
        self.check_model()

    def _on_task_changed(self, task_id: str, params: dict) -> None:
        old = (self.project.task, dict(self.project.task_params))
        self._set_task(task_id, params)
        self._push(TASK_EDIT, "task", _task_tree(*old), _task_tree(task_id, params),
                   self._show_task, old, (task_id, dict(params)))

    def _set_task(self, task_id: str, params: dict) -> None:
        self.project.task, self.project.task_params = task_id, dict(params)
        self.mark_edited()
        if self.data_panel.dataset is not None:
            self.editor.scene.set_card_notes(card_notes(self.data_panel.dataset, task_id))
        self.check_model()

    def _show_task(self, state: tuple) -> None:
        """Undo/redo: put a task back, in the project and the training panel."""
        with self._not_pushing():
            self._set_task(*state)
            self.training_panel.set_project(self.project, target_of(self.project.data))

    def _on_config_changed(self, config: Any) -> None:
        old = self.project.training
        self._set_config(config)
        self._push(TRAINING_EDIT, "training settings", old.to_dict(), config.to_dict(),
                   self._show_config, old, config)

    def _set_config(self, config: Any) -> None:
        old, self.project.training = self.project.training, config
        live = self.run.apply_training(old, config)
        self.mark_edited(stale=not live)

    def _show_config(self, config: Any) -> None:
        """Undo/redo: put a training config back (live on a running session, as an edit)."""
        with self._not_pushing():
            self._set_config(config)
            self.training_panel.set_project(self.project, target_of(self.project.data))

    @contextmanager
    def _not_pushing(self) -> Iterator[None]:
        """Edits the panels signal meanwhile are applied but pushed on no undo stack."""
        self._replaying, replaying = True, self._replaying
        try:
            yield
        finally:
            self._replaying = replaying

    def _push(self, kind: int, what: str, old_tree: dict, new_tree: dict, show: Any,
              old: Any, new: Any) -> None:
        """Put a panel's edit on the undo stack (not while an undo or redo shows one)."""
        fields = changed_fields(old_tree, new_tree)
        if self._replaying or not fields:
            return
        self.undo_stack.push(PanelEdit(kind, fields, edit_text(what, fields), show, old, new))


def _data_tree(spec: Any, task_id: str, params: dict) -> dict:
    """A data edit's fields: the spec's, and the task's when the edit switched it."""
    return {**(spec.to_dict() if spec is not None else {"type": None}),
            "task": _task_tree(task_id, params)["task"]}


def _task_tree(task_id: str, params: dict) -> dict:
    return {"task": {"type": task_id, "params": to_json(params)}}
