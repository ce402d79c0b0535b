"""Checks of the model against its data and task, run after every edit (not only at Play),
and what the Input and Output cards say of the data.

The Output's units against the dataset's classes or targets are checked with
the same rule a run applies when it starts
(:func:`~playground.tasks.supervised.classification_output_problem`), so a
problem shows as it is made and goes as it is fixed; where one Dense's units
fix it, the problem carries a "Set units to N" button.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playground.graph import Graph
from playground.shapes import ShapeReport
from playground.tasks.supervised import (
    classification_output_problem,
    regression_output_problem,
)
from ui.editor.problems import Problem

#: Layers that keep their input's width: the Dense before them still sets the Output's units.
WIDTH_KEEPING = ("relu", "leaky_relu", "elu", "selu", "gelu", "tanh", "sigmoid", "softmax",
                 "softplus", "identity", "sign", "dropout", "batchnorm", "layernorm")


def width_node(graph: Graph, output_id: str) -> str | None:
    """The Dense whose units the Output gets: up from the Output through layers that keep
    the width; None when something else (a Flatten, a merge) decides it."""
    nid = output_id
    while True:
        edges = graph.edges_into(nid)
        if len(edges) != 1:
            return None
        nid = edges[0].src
        node = graph.nodes[nid]
        if node.type == "dense":
            return nid
        if node.type not in WIDTH_KEEPING:
            return None


def output_problems(project: Any, dataset: Any, graph: Graph, report: ShapeReport,
                    set_units: Callable[[str, int], object]) -> list[Problem]:
    """The Output of ``graph`` (the project's model) against ``dataset`` for its task.

    Parameters
    ----------
    project : Project
        Gives the task and its loss.
    dataset : Dataset or None
        The loaded data (nothing is checked without it).
    graph, report : Graph, ShapeReport
        The model being edited and its shapes.
    set_units : callable
        ``set_units(node_id, units)`` makes the fix as one undoable edit.
    """
    if dataset is None or project.task not in ("classification", "regression"):
        return []
    outputs = graph.nodes_of_type("output")
    if len(outputs) != 1:
        return []
    info = report.nodes.get(outputs[0].id)
    shape = info.inputs.get("in") if info is not None and info.error is None else None
    if shape is None:
        return []  # shape errors upstream say more
    if project.task == "classification":
        from playground.training.losses import LOSSES

        loss = (project.task_params or {}).get("loss", "cross_entropy")
        found = classification_output_problem(tuple(shape), dataset.n_classes,
                                              LOSSES.get(loss).target)
    else:
        found = regression_output_problem(tuple(shape), tuple(dataset.target_shape))
    if found is None:
        return []
    message, units = found
    target = width_node(graph, outputs[0].id) if units is not None else None
    if target is None:
        return [Problem(message, node=outputs[0].id)]
    return [Problem(message, node=outputs[0].id, fix_text=f"Set units to {units}",
                    fix=lambda: set_units(target, units))]


def card_notes(dataset: Any, task: str) -> dict[str, str]:
    """What Input and Output cards say of the data: its features, and the classes or targets
    the Output is compared with (nothing for tasks that reconstruct or generate)."""
    from playground.tasks import TASKS

    dims = dataset.input_shape
    notes = {"input": f"{dims[0]} features" if len(dims) == 1 else
             "×".join(str(d) for d in dims)}
    predicts = "none" not in TASKS.get(task).targets  # the Output is compared with targets
    if dataset.info.target == "class" and predicts:
        notes["output"] = f"{dataset.n_classes} classes"
    elif dataset.info.target == "regression" and predicts:
        k = dataset.target_shape[-1] if dataset.target_shape else 1
        notes["output"] = f"{k} target{'s' * (k != 1)}"
    return notes


def refused_fields(window: Any) -> list[str]:
    """"Where: field: reason" for every field of ``window`` whose text is refused (the
    training panel's, the data panel's, the inspector's): training would quietly use the
    field's old value, so Play waits until they are fixed."""
    forms = [("Training", window.training_panel.invalid_fields())]
    if window.data_panel.form is not None:
        forms.append(("Data", window.data_panel.form.invalid()))
    inspector = window.editor.inspector
    if inspector.form is not None and inspector.node_id:
        forms.append((f"Node {inspector.node_id}", inspector.form.invalid()))
    return [f"{where}: {title}: {reason}" for where, items in forms
            for title, reason in items]
