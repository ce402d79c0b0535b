"""Copy and paste of graph fragments through the system clipboard.

The payload is graph JSON (``{"nodes": [...], "edges": [...]}``) under MIME
:data:`GRAPH_MIME`, with the same JSON as plain text, so fragments move between
windows and can be pasted into a text editor.

What is pasted is validated exactly as a project file's graph is loaded
(:func:`playground.project.schema.parse_graph` after the same JSON checks: no
NaN, nesting at most 64 deep, every node's type and params), and bounded in
size (:data:`~playground.limits.MAX_PASTE_NODES` at once, the graph's own
limit in all), before the editor builds a single item: a bad fragment is one
line (``clipboard: nodes[0].params.units: expected int in [1, 100000], got
'lots'``), never a traceback or a blocked window.
"""

from __future__ import annotations

import json

from PySide6.QtCore import QMimeData
from PySide6.QtGui import QGuiApplication

from playground.errors import ValidationError
from playground.limits import MAX_GRAPH_NODES, MAX_PASTE_NODES
from playground.project.schema import MAX_FILE_BYTES, check_json_data, parse_graph, parse_json

GRAPH_MIME = "application/x-playground-graph"
#: Where pasted data is said to come from in messages.
SOURCE = "clipboard"


def to_mime(payload: dict) -> QMimeData:
    """Clipboard data for a graph fragment."""
    text = json.dumps(payload, indent=1)
    mime = QMimeData()
    mime.setData(GRAPH_MIME, text.encode("utf-8"))
    mime.setText(text)
    return mime


def from_mime(mime: QMimeData | None, existing: int = 0) -> dict | None:
    """A valid graph fragment from clipboard data; None when it holds no graph.

    Our MIME type is always validated; plain text is taken as a fragment when
    it looks like a JSON object (else it is just text: nothing to paste).

    Raises
    ------
    ValidationError
        The first problem of a fragment, in one line starting with ``clipboard``.
    """
    if mime is None:
        return None
    if mime.hasFormat(GRAPH_MIME):
        text = bytes(mime.data(GRAPH_MIME)).decode("utf-8", "replace")
    elif mime.hasText() and mime.text().lstrip().startswith("{"):
        text = mime.text()
    else:
        return None
    return parse_payload(text, existing)


def parse_payload(text: str, existing: int = 0) -> dict | None:
    """The graph fragment in ``text``, validated as a project file's graph; None if empty.

    Parameters
    ----------
    text : str
        JSON ``{"nodes": [...], "edges": [...]}``.
    existing : int
        Nodes already in the graph it is pasted into (the sum is bounded too).

    Raises
    ------
    ValidationError
        Naming the first bad field (``clipboard: nodes[2].params.units: ...``), a
        fragment too large, or JSON that is not a fragment.
    """
    try:
        if len(text) > MAX_FILE_BYTES:
            raise ValidationError(f"{len(text) // 1_000_000} MB of text; at most "
                                  f"{MAX_FILE_BYTES // 1_000_000} MB are pasted")
        data = parse_json(text)
        if not isinstance(data, dict):
            raise ValidationError("expected a JSON object with 'nodes' and 'edges'")
        check_json_data(data)
        nodes = data.get("nodes")
        count = len(nodes) if isinstance(nodes, list) else 0
        if count > MAX_PASTE_NODES:
            raise ValidationError(f"{count:,} nodes; at most {MAX_PASTE_NODES:,} are pasted at "
                                  "once", "nodes")
        if existing + count > MAX_GRAPH_NODES:
            raise ValidationError(f"{count:,} more nodes would make {existing + count:,}; a "
                                  f"graph may have at most {MAX_GRAPH_NODES:,}", "nodes")
        parse_graph(data, "")
    except ValidationError as exc:
        where = exc.where.lstrip(".")
        raise ValidationError(exc.message, f"{SOURCE}: {where}" if where else SOURCE) from None
    return data if data.get("nodes") else None


def copy_payload(payload: dict) -> None:
    """Put ``payload`` on the system clipboard."""
    QGuiApplication.clipboard().setMimeData(to_mime(payload))


def clipboard_payload(existing: int = 0) -> dict | None:
    """The graph fragment on the system clipboard, if any (raises as :func:`from_mime`)."""
    return from_mime(QGuiApplication.clipboard().mimeData(), existing)
