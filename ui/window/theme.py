"""Light and dark palettes on the Fusion style, following the system colour scheme by default.

Modes: "system" (``QStyleHints.colorScheme``, updated when the system
switches), "light" and "dark". ``PLAYGROUND_THEME`` in the environment
overrides the saved choice (used for dark screenshots).
"""

from __future__ import annotations

import os

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

MODES = ("system", "light", "dark")
SETTINGS_KEY = "view/theme"
ENV_KEY = "PLAYGROUND_THEME"

_DARK = {
    QPalette.ColorRole.Window: "#2b2d30",
    QPalette.ColorRole.WindowText: "#dfe1e5",
    QPalette.ColorRole.Base: "#1e1f22",
    QPalette.ColorRole.AlternateBase: "#26282b",
    QPalette.ColorRole.ToolTipBase: "#3c3f44",
    QPalette.ColorRole.ToolTipText: "#dfe1e5",
    QPalette.ColorRole.PlaceholderText: "#80848b",
    QPalette.ColorRole.Text: "#dfe1e5",
    QPalette.ColorRole.Button: "#34363a",
    QPalette.ColorRole.ButtonText: "#dfe1e5",
    QPalette.ColorRole.BrightText: "#ff6b6b",
    QPalette.ColorRole.Light: "#45484d",
    QPalette.ColorRole.Midlight: "#3a3d41",
    QPalette.ColorRole.Mid: "#2f3135",
    QPalette.ColorRole.Dark: "#1a1b1d",
    QPalette.ColorRole.Shadow: "#0d0d0e",
    QPalette.ColorRole.Highlight: "#3d7bd9",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.Link: "#6aa7ff",
    QPalette.ColorRole.LinkVisited: "#b08cff",
}


def dark_palette() -> QPalette:
    """A dark palette with readable disabled text."""
    pal = QPalette()
    for role, colour in _DARK.items():
        pal.setColor(role, QColor(colour))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText,
                 QPalette.ColorRole.ButtonText):
        pal.setColor(QPalette.ColorGroup.Disabled, role, QColor("#7a7d83"))
    pal.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Base, QColor("#26282b"))
    return pal


def light_palette(app: QApplication) -> QPalette:
    """Fusion's own light palette."""
    return app.style().standardPalette()


def system_is_dark() -> bool:
    """True when the platform reports a dark colour scheme."""
    hints = QGuiApplication.styleHints()
    return hints.colorScheme() == Qt.ColorScheme.Dark


def saved_mode(settings: QSettings | None = None) -> str:
    """The theme mode: the environment's, else the saved one, else "system"."""
    mode = os.environ.get(ENV_KEY, "").strip().lower()
    if mode in MODES:
        return mode
    value = (settings or QSettings()).value(SETTINGS_KEY, "system")
    return value if value in MODES else "system"


def is_dark_mode(mode: str) -> bool:
    """Whether ``mode`` gives a dark palette right now."""
    return mode == "dark" or (mode == "system" and system_is_dark())


def apply_theme(app: QApplication, mode: str) -> bool:
    """Set Fusion and the palette for ``mode``; returns True when it is dark."""
    if app.style().name().lower() != "fusion":
        app.setStyle("Fusion")
    dark = is_dark_mode(mode)
    app.setPalette(dark_palette() if dark else light_palette(app))
    return dark
