"""Desktop app (PySide6 + pyqtgraph)."""
