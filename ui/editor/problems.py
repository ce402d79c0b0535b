"""What is wrong with the graph right now, in the words the editor's bar shows.

Checked after every edit, so a problem shows as soon as it is made and goes
as soon as it is fixed. Shape errors and graph errors come from shape
inference; nodes that do not reach the Output are named in a warning (they
are left out of training); the window adds checks that need the dataset
(the Output's units against its classes), each with a one-click fix where
the fix is that simple.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from playground.graph import Graph
from playground.shapes import ShapeReport


@dataclass(frozen=True)
class Problem:
    """One problem: an error (training would fail) or a warning.

    Attributes
    ----------
    message : str
        One line, naming the node.
    level : str
        "error" or "warning".
    node : str or None
        The node it is about.
    fix_text : str
        The fix button's text ("Set units to 2"); "" when there is no one-click fix.
    fix : callable, optional
        What the button does (one undoable edit).
    """

    message: str
    level: str = "error"
    node: str | None = None
    fix_text: str = ""
    fix: Callable[[], object] | None = None


def unconnected(graph: Graph, report: ShapeReport) -> list[str]:
    """Nodes with no path to an Output (training leaves them out), in graph order."""
    outputs = {n.id for n in graph.nodes_of_type("output")}
    if not outputs:
        return []  # "the graph has no Output" says it already
    return [nid for nid in graph.nodes if nid not in report.feeding and nid not in outputs]


def graph_problems(graph: Graph, report: ShapeReport) -> list[Problem]:
    """Shape and graph errors of the nodes training uses, then the unconnected nodes."""
    out = []
    for error in report.graph_errors:
        out.append(Problem(f"{error.message}: {error.fix}" if error.fix else error.message))
    for nid in [*report.order, *(n for n in report.nodes if n not in report.order)]:
        error = report.nodes[nid].error
        if error is not None and nid in report.feeding:
            fix = f"; fix: {error.fix}" if error.fix else ""
            out.append(Problem(f"{nid}: {error.message}{fix}", node=nid))
    loose = unconnected(graph, report)
    if loose:
        names = ", ".join(loose[:4]) + (", …" if len(loose) > 4 else "")
        n = len(loose)
        out.append(Problem(f"Not connected to the Output, so left out of training: {names}"
                           if n > 1 else f"{names} is not connected to the Output, so it is "
                           "left out of training", level="warning", node=loose[0]))
    return out


def first(problems: list[Problem]) -> Problem | None:
    """The problem to show: the first error, else the first warning."""
    errors = [p for p in problems if p.level == "error"]
    return (errors or problems or [None])[0]
