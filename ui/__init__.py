"""The desktop app: PySide6 widgets over the Qt-free core in ``playground``."""
