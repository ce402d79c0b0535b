"""The desktop app: PySide6 widgets over the Qt-free core in ``playground``."""

from ui import pyside_fixes

pyside_fixes.apply()
