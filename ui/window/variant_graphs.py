"""The variant on screen: after (and during) Run all variants the editor shows the graph
of the variant the views show, display only, until a run of the project itself.

The views draw the last session of the plan, a variant's; the editor would still show
the project's own graph (a preset's first variant, often). Showing the variant's graph
keeps the two the same model. The graph is a variant's patched copy, so the editor does
not take edits while it shows one; the next Play, Step or Reset builds the project as
written and the editor returns to its graph.
"""

from __future__ import annotations

from typing import Any

from playground.errors import PlaygroundError
from playground.graph import Graph
from playground.project.variants import variant_projects


class VariantGraphs:
    """Which variant's graphs the window's editor shows (none: the project's own).

    Parameters
    ----------
    window : MainWindow
        Provides ``project``, ``editor`` and ``refresh_graph()``.
    """

    def __init__(self, window: Any):
        self.window = window
        self.name: str | None = None
        self.label = ""
        self.graphs: dict[str, Graph] = {}

    def show(self, name: str | None) -> None:
        """Show variant ``name``'s graphs (None: the project's own) and say which."""
        if name == self.name:
            return
        match = None
        if name is not None:
            try:
                match = next((v for v in variant_projects(self.window.project)
                              if v.name == name), None)
            except PlaygroundError:  # an invalid variant never ran: nothing to show
                match = None
        self.name = match.name if match is not None else None
        self.label = (match.label or match.name) if match is not None else ""
        self.graphs = dict(match.project.graphs) if match is not None else {}
        self.window.refresh_graph()
        # A variant's graph is a patched copy: no edits (no drops, keys or clicks) reach it.
        self.window.editor.setEnabled(self.name is None)

    def graph(self, name: str) -> Graph | None:
        """The shown variant's graph ``name`` (None when the editor shows the project's)."""
        return self.graphs.get(name)

    def caption(self) -> str:
        """One line for the status bars: which variant the editor and the views show."""
        if self.name is None:
            return ""
        return (f"Editor and views show variant {self.label} (display only; Reset or Play "
                "returns to the project's graph)")
