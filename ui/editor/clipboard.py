"""Copy and paste of graph fragments through the system clipboard.

The payload is graph JSON (``{"nodes": [...], "edges": [...]}``) under MIME
:data:`GRAPH_MIME`, with the same JSON as plain text, so fragments move between
windows and can be pasted into a text editor.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QMimeData
from PySide6.QtGui import QGuiApplication

from playground.errors import ValidationError
from playground.graph import Graph

GRAPH_MIME = "application/x-playground-graph"


def to_mime(payload: dict) -> QMimeData:
    """Clipboard data for a graph fragment."""
    text = json.dumps(payload, indent=1)
    mime = QMimeData()
    mime.setData(GRAPH_MIME, text.encode("utf-8"))
    mime.setText(text)
    return mime


def from_mime(mime: QMimeData | None) -> dict | None:
    """A valid graph fragment from clipboard data, or None.

    Our MIME type is preferred; plain text is accepted when it parses as a graph.
    """
    if mime is None:
        return None
    if mime.hasFormat(GRAPH_MIME):
        text = bytes(mime.data(GRAPH_MIME)).decode("utf-8", "replace")
    elif mime.hasText():
        text = mime.text()
    else:
        return None
    return parse_payload(text)


def parse_payload(text: str) -> dict | None:
    """Graph JSON from ``text`` if it is a non-empty, structurally valid graph."""
    try:
        data: Any = json.loads(text)
        Graph.from_dict(data)
    except (ValueError, ValidationError, TypeError):
        return None
    return data if data.get("nodes") else None


def copy_payload(payload: dict) -> None:
    """Put ``payload`` on the system clipboard."""
    QGuiApplication.clipboard().setMimeData(to_mime(payload))


def clipboard_payload() -> dict | None:
    """The graph fragment on the system clipboard, if any."""
    return from_mime(QGuiApplication.clipboard().mimeData())
