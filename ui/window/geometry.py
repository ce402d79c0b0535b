"""Where the main window goes, and what it remembers of itself between launches.

The first launch fills the screen's available area (never more: a laptop's
panel or dock stays visible). On close the window's geometry and its docks'
state are saved in the user's QSettings; the next launch restores them,
moved and shrunk to fit the screen it finds (a smaller monitor, another
resolution). ``playground gui --size WxH`` asks for an exact size instead
(screenshots), and then nothing is restored or saved.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QRect, QSettings
from PySide6.QtGui import QGuiApplication, QScreen
from PySide6.QtWidgets import QMainWindow

GEOMETRY_KEY = "window/geometry"
STATE_KEY = "window/state"
#: Dock layouts saved by another version of the window's docks are not restored.
STATE_VERSION = 2
#: The window is laid out to stay usable down to this size (1024-pixel-wide laptops).
MIN_SIZE = (1000, 600)


def parse_size(text: str) -> tuple[int, int]:
    """"1366x768" -> (1366, 768).

    Raises
    ------
    ValueError
        With a one-line reason, for anything but two positive integers joined by "x".
    """
    parts = text.lower().replace("×", "x").split("x")
    try:
        width, height = (int(p) for p in parts)
    except ValueError:
        raise ValueError(f"expected WIDTHxHEIGHT such as 1366x768, got {text!r}") from None
    if not (320 <= width <= 16384 and 240 <= height <= 16384):
        raise ValueError(f"the size {width}x{height} is out of range (320x240 to 16384x16384)")
    return width, height


def fit_into(rect: QRect, area: QRect) -> QRect:
    """``rect`` shrunk to fit ``area`` and moved inside it."""
    width, height = min(rect.width(), area.width()), min(rect.height(), area.height())
    left = min(max(rect.left(), area.left()), area.right() + 1 - width)
    top = min(max(rect.top(), area.top()), area.bottom() + 1 - height)
    return QRect(left, top, width, height)


def screen_area(screen: QScreen | None = None) -> QRect:
    """The available geometry (without panels and docks) of ``screen`` or the primary one."""
    screen = screen or QGuiApplication.primaryScreen()
    return screen.availableGeometry() if screen is not None else QRect(0, 0, 1280, 720)


def place_window(window: QMainWindow, settings: QSettings,
                 size: tuple[int, int] | None = None, restore: bool = True) -> str:
    """Size and place ``window`` before it shows; returns how: "size", "restored" or "first".

    Parameters
    ----------
    window : QMainWindow
    settings : QSettings
        The user's settings (geometry and dock state of the last session).
    size : tuple of int, optional
        An exact (width, height), ignoring the screen and the settings.
    restore : bool
        Use the saved geometry when there is one (else: as at the first launch).
    """
    if size is not None:
        window.resize(*size)
        return "size"
    area = screen_area(window.screen())
    geometry = settings.value(GEOMETRY_KEY) if restore else None
    if isinstance(geometry, QByteArray) and window.restoreGeometry(geometry):
        window.setGeometry(fit_into(window.geometry(), area))
        return "restored"
    window.setGeometry(area)
    return "first"


def saved_state(settings: QSettings) -> QByteArray | None:
    """The dock state saved at the last close (None when there is none)."""
    state = settings.value(STATE_KEY)
    return state if isinstance(state, QByteArray) and not state.isEmpty() else None


def save_window(window: QMainWindow, settings: QSettings) -> None:
    """Remember ``window``'s geometry and dock state for the next launch."""
    settings.setValue(GEOMETRY_KEY, window.saveGeometry())
    settings.setValue(STATE_KEY, window.saveState(STATE_VERSION))
    settings.sync()
