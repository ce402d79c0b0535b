"""Find text a view shows cut: labels, buttons, plot titles, axis labels and legends whose
text is wider (or taller) than the room they are given, or that reach past the view."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QFontMetricsF, QTextDocument
from PySide6.QtGui import Qt as GuiQt
from PySide6.QtWidgets import QAbstractButton, QComboBox, QLabel, QWidget

from ui.views.labels import RowLegend, shown_title, title_font, title_room

#: Pixels of slack for rounding.
SLACK = 2


def label_cut(label: QLabel) -> str | None:
    """Why ``label``'s text does not fit its rectangle, or None."""
    room = label.contentsRect()
    text = label.text()
    if label.wordWrap():
        need = label.heightForWidth(label.width())
        if need > label.height() + SLACK:
            return f"needs {need} px height, has {label.height()}"
        return None
    if label.textFormat() == Qt.TextFormat.PlainText or not GuiQt.mightBeRichText(text):
        width = max(label.fontMetrics().horizontalAdvance(line) for line in text.split("\n"))
    else:
        doc = QTextDocument()
        doc.setDefaultFont(label.font())
        doc.setHtml(text)
        doc.setDocumentMargin(0)
        width = doc.idealWidth()
    if width > room.width() + SLACK:
        return f"needs {width:.0f} px width, has {room.width()}"
    return None


def widget_cut(widget: QWidget, view: QWidget) -> str | None:
    """Why a button or combo box is cut: squeezed under its minimum, or past the view."""
    need = widget.minimumSizeHint().width()
    if widget.width() + SLACK < need:
        return f"squeezed to {widget.width()} px, needs {need}"
    return outside(widget, view)


def outside(widget: QWidget, view: QWidget) -> str | None:
    """Why ``widget`` reaches past ``view``'s right or bottom edge, or None."""
    rect = QRect(widget.mapTo(view, widget.rect().topLeft()), widget.size())
    clip = widget.visibleRegion().boundingRect()  # what the widget's parents leave visible
    if clip.width() + SLACK < widget.width() and not in_scroll_area(widget):
        return f"shows {clip.width()} of {widget.width()} px"
    if rect.right() > view.width() + SLACK and not in_scroll_area(widget):
        return f"reaches x = {rect.right()} in a {view.width()} px view"
    return None


def in_scroll_area(widget: QWidget) -> bool:
    """True when ``widget`` lives in a scroll area (cut on purpose: it scrolls)."""
    from PySide6.QtWidgets import QAbstractScrollArea

    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QAbstractScrollArea) and not isinstance(parent, pg.GraphicsView):
            return True
        parent = parent.parentWidget()
    return False


def plot_cuts(plot: pg.PlotItem) -> list[str]:
    """Titles, axis labels and legends of ``plot`` that do not fit."""
    cuts = []
    if plot.titleLabel.isVisible() and shown_title(plot):
        size = plot.titleLabel.opts.get("size", "10pt")
        width = QFontMetricsF(title_font(size)).horizontalAdvance(shown_title(plot))
        room = title_room(plot)
        if width > room + 16 + SLACK:  # TITLE_MARGIN is kept free beside the title
            cuts.append(f"title {shown_title(plot)!r}: {width:.0f} px in {room:.0f}")
    box = plot.getViewBox()
    for side, length in (("bottom", box.width()), ("left", box.height())):
        axis = plot.getAxis(side)
        if not axis.isVisible() or not axis.label.isVisible():
            continue
        text = axis.label.toPlainText()
        width = axis.label.boundingRect().width()
        if text and width > length + 40 + SLACK:  # the label may reach over the axis ends
            cuts.append(f"{side} label {text!r}: {width:.0f} px along {length:.0f}")
    return cuts


def legend_cuts(legend: RowLegend) -> list[str]:
    """A legend wider than the cell it was given."""
    parent = legend.parentLayoutItem()
    room = parent.geometry().width() if parent is not None else legend.width()
    if legend.isVisible() and legend.items and legend.preferredWidth() > room + SLACK:
        return [f"legend {legend.preferredWidth():.0f} px in {room:.0f}"]
    return []


def clipped_texts(view: QWidget) -> list[str]:
    """Every piece of text ``view`` shows cut (empty when all fit)."""
    problems: list[str] = []
    for label in view.findChildren(QLabel):
        if label.isVisibleTo(view) and label.text():
            why = label_cut(label) or outside(label, view)
            if why:
                problems.append(f"label {label.text()[:40]!r}: {why}")
    for widget in [*view.findChildren(QAbstractButton), *view.findChildren(QComboBox)]:
        if widget.isVisibleTo(view):
            why = widget_cut(widget, view)
            if why:
                problems.append(f"{type(widget).__name__} {getattr(widget, 'text', str)()!r}: "
                                f"{why}")
    for canvas in view.findChildren(pg.GraphicsView):
        if not canvas.isVisibleTo(view):
            continue
        for item in canvas.scene().items():
            if isinstance(item, pg.PlotItem) and item.isVisible() and \
                    not isinstance(item, pg.ColorBarItem):
                problems += plot_cuts(item)
            elif isinstance(item, RowLegend):
                problems += legend_cuts(item)
    return problems
