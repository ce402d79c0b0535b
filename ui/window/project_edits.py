"""How edits reach the main window's project: the editor's, the data panel's, the training panel's.

:class:`ProjectEdits` is the part of :class:`~ui.window.main_window.MainWindow`
that listens to the editor and the panels and edits the open project in place:
every edit marks the project modified ("*" in the title, autosave soon) and,
unless it only moved nodes or could be applied to the running session, stale (a
rebuild at the next Play). It also runs the checks that need the data and the
task after every edit, and shows new data at once (shapes, cards, the decision
boundary's points) before any training.
"""

from __future__ import annotations

from typing import Any

from playground.data import DATASETS
from playground.tasks import TASKS
from ui.window.checks import card_notes, output_problems, refused_fields


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
    _quiet: int

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
        self.project.data = spec
        self.training_panel.set_target(target_of(spec), list(self.project.graphs))
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
        self.project.task, self.project.task_params = task_id, dict(params)
        self.mark_edited()
        if self.data_panel.dataset is not None:
            self.editor.scene.set_card_notes(card_notes(self.data_panel.dataset, task_id))
        self.check_model()

    def _on_config_changed(self, config: Any) -> None:
        old, self.project.training = self.project.training, config
        live = self.run.apply_training(old, config)
        self.mark_edited(stale=not live)
