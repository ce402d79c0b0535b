"""Colours, sizes and fonts shared by the editor's graphics items.

Text and backgrounds come from the widget palette (so light and dark themes both
read well); accent colours (categories, errors, valid/invalid feedback) are fixed
hues chosen to stay legible on either background.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication

NODE_WIDTH = 156.0
HEADER_HEIGHT = 24.0
LINE_HEIGHT = 19.0
CARD_PAD = 4.0
PORT_RADIUS = 5.0
PORT_SPACING = 20.0
CORNER = 6.0
BADGE_RADIUS = 8.0

#: Every text on a card is drawn at this size (points at 100 % zoom)...
NODE_FONT_PT = 10.5
#: ...so that at READABLE_ZOOM (the least zoom a fitted graph is shown at, where the
#: layout can help it) it still reads as READABLE_PT, the size of the app's own text.
READABLE_PT = 9.0
READABLE_ZOOM = READABLE_PT / NODE_FONT_PT

ERROR = QColor("#d64545")
VALID = QColor("#2ca25f")
SELECTED = QColor("#3d8bfd")
FROZEN = QColor("#5b8fd6")

#: Header colour per palette category; unknown categories get NEUTRAL.
CATEGORY_COLOURS = {
    "Input / output": QColor("#3f8f5a"),
    "Core": QColor("#3b6fb6"),
    "Activation": QColor("#c7762b"),
    "Convolution": QColor("#7b5bb5"),
    "Pooling": QColor("#a0569b"),
    "Normalization": QColor("#3a9a9a"),
    "Reshape": QColor("#6b7a8f"),
    "Merge": QColor("#b0663c"),
    "Recurrent": QColor("#8a7a2f"),
    "Attention": QColor("#b54a6a"),
    "Generative": QColor("#4c8c3a"),
}
NEUTRAL = QColor("#7a7a7a")

# TensorFlow Playground's diverging map: orange (negative), white (0), blue (positive).
NEGATIVE = QColor("#f59322")
POSITIVE = QColor("#0877bd")


def palette() -> QPalette:
    """The application palette (follows the system's light or dark theme)."""
    return QApplication.palette()


def category_colour(category: str) -> QColor:
    """Fixed header colour for a layer category."""
    return CATEGORY_COLOURS.get(category, NEUTRAL)


def is_dark(pal: QPalette | None = None) -> bool:
    """True when the palette's window colour is dark."""
    pal = pal or palette()
    return pal.color(QPalette.ColorRole.Window).lightness() < 128


def blend(a: QColor, b: QColor, t: float) -> QColor:
    """``a`` moved a fraction ``t`` towards ``b``."""
    return QColor(round(a.red() + (b.red() - a.red()) * t),
                  round(a.green() + (b.green() - a.green()) * t),
                  round(a.blue() + (b.blue() - a.blue()) * t))


def text_colour() -> QColor:
    """Main text colour of the palette."""
    return palette().color(QPalette.ColorRole.Text)


def dim_text_colour() -> QColor:
    """Secondary text: halfway between text and base, still readable."""
    pal = palette()
    return blend(pal.color(QPalette.ColorRole.Text), pal.color(QPalette.ColorRole.Base), 0.4)


def node_fill() -> QColor:
    """Body of a node: the palette's base, nudged off the canvas colour."""
    return palette().color(QPalette.ColorRole.Base)


def canvas_colour() -> QColor:
    """Canvas background: a little darker (light theme) or lighter (dark) than the window."""
    window = palette().color(QPalette.ColorRole.Window)
    return window.lighter(112) if is_dark() else window.darker(104)


def grid_colour() -> QColor:
    """Dots of the background grid."""
    return blend(canvas_colour(), text_colour(), 0.15)


def edge_colour() -> QColor:
    """Normal edge stroke."""
    return blend(text_colour(), canvas_colour(), 0.35)


def font(size: float = 8.5, bold: bool = False) -> QFont:
    """The application font at ``size`` points."""
    f = QFont(QApplication.font())
    f.setPointSizeF(size)
    f.setBold(bold)
    return f
