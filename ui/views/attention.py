"""Attention view: who attends to whom in a language model, and what it would write next.

Transformer Explainer's picture for our small character models. For the
prompt in the box: the chosen layer's heads as thumbnails (click one), the
chosen head's weights as a token x token heatmap (row: the character that
looks, column: the character it looks at; the hatched upper triangle is the
causal mask: no character sees a later one), and beside it the probability
of each next character, with a temperature slider (softmax(logits / T)).
Hovering a row highlights it and shades the prompt's characters by how much
that character attends to each.
"""

from __future__ import annotations

import html
import math
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainterPath, QPen, QResizeEvent
from PySide6.QtWidgets import (
    QBoxLayout,
    QComboBox,
    QGraphicsPathItem,
    QGraphicsRectItem,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from playground.tasks.decoding import softmax
from ui.views.base import StatusLine, View
from ui.views.colors import BLUE, ORANGE
from ui.views.heatmap import WEIGHTS, Heatmap
from ui.views.plotting import layout_widget, plain_plot, plot_widget, theme

#: Next characters shown as bars.
TOP_CHARS = 10
#: Temperature slider: T = 10^(value / 100), from 0.1 to 10.
T_RANGE = (-100, 100)
#: Height of the row of head thumbnails, and the view height from which it shows.
THUMBS_HEIGHT = 88
THUMBS_FROM = 480
#: The prompt as shaded boxes shows from this view height (the axes name the tokens too).
STRIP_FROM = 440
#: Height of the next-character bars under the heatmap in a narrow dock.
BARS_MIN_HEIGHT = 104


def strip_html(tokens: list[str], weights: np.ndarray | None, focus: int | None) -> str:
    """The prompt as coloured character boxes: shaded by ``weights``, ``focus`` outlined.

    The boxes are separate spans joined by spaces, so a long prompt wraps in a narrow dock.
    """
    cells = []
    for i, token in enumerate(tokens):
        w = 0.0 if weights is None else float(weights[i])
        r, g, b = (round(255 + (c - 255) * w) for c in BLUE)
        fg = "#ffffff" if w > 0.55 else "#202020"
        style = f"background-color: rgb({r},{g},{b}); color: {fg}"
        text = html.escape(token)
        if i == focus:  # underline and bold: Qt's rich text draws no span borders
            text = f"<b><u>{text}</u></b>"
        cells.append(f'<span style="{style}">&nbsp;{text}&nbsp;</span>')
    return " ".join(cells)


def tick_step(cells: int, pixels: float, text_height: float) -> int:
    """Label every k-th of ``cells`` cells spread over ``pixels`` so labels do not overlap."""
    if cells <= 0 or pixels <= 0:
        return 1
    return max(1, math.ceil(text_height / (pixels / cells)))


class AttentionView(View):
    """Per-head attention heatmaps, hover highlighting and next-character probabilities."""

    view_id = "attention"
    title = "Attention"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        bg, fg = theme(self)
        self.prompt = QLineEdit(objectName="attention_prompt")
        self.prompt.setPlaceholderText("prompt")
        self.prompt.setToolTip("The text the network reads; press Enter to look at it")
        self.prompt.returnPressed.connect(self._prompt_changed)
        self.layer = QComboBox(objectName="attention_layer")
        self.layer.currentIndexChanged.connect(lambda _=0: self._redraw())
        self.head_choice = QComboBox(objectName="attention_head")
        self.head_choice.currentIndexChanged.connect(self._head_chosen)
        for combo in (self.layer, self.head_choice):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        controls = QHBoxLayout()  # no label: one row even in a narrow dock
        controls.addWidget(self.prompt, 1)
        controls.addWidget(self.layer)
        controls.addWidget(self.head_choice)
        self.strip = QLabel(objectName="attention_tokens", wordWrap=True)
        self.strip.setTextFormat(Qt.TextFormat.RichText)
        self.heads = layout_widget(self)  # thumbnails of every head (when there is room)
        self.heads.setFixedHeight(THUMBS_HEIGHT)
        self.heads.scene().sigMouseClicked.connect(self._head_clicked)
        self.thumbs: list[tuple[pg.PlotItem, pg.ImageItem]] = []
        self.canvas = layout_widget(self)
        self.map = Heatmap(self.canvas.ci, 0, 0, fg, WEIGHTS, x="key", y="query", square=True)
        self.mask = QGraphicsPathItem()
        self.mask.setBrush(QBrush(QColor(150, 150, 150), Qt.BrushStyle.BDiagPattern))
        self.mask.setPen(QPen(Qt.PenStyle.NoPen))
        self.mask.setZValue(-1)  # under the image: shows through its NaN (masked) cells
        self.map.plot.addItem(self.mask)
        self.focus = QGraphicsRectItem()
        self.focus.setPen(pg.mkPen(ORANGE, width=2))
        self.focus.setVisible(False)
        self.map.plot.addItem(self.focus)
        self.canvas.scene().sigMouseMoved.connect(self._hovered)
        self.map.plot.getViewBox().sigResized.connect(lambda *_: self._ticks())
        self.bars_widget = plot_widget(self, y="next character")
        self.bars_widget.setMinimumHeight(BARS_MIN_HEIGHT)
        self.bars_plot = self.bars_widget.getPlotItem()
        self.bars_plot.getViewBox().invertY(True)
        self.bars_plot.setMouseEnabled(False, False)
        self.bars_plot.hideButtons()
        self.bars_plot.setXRange(0, 1, padding=0.02)
        self.bars = pg.BarGraphItem(x0=[], y=[], height=0.7, width=[], brush=pg.mkBrush(BLUE))
        self.bars_plot.addItem(self.bars)
        self.temperature = QSlider(Qt.Orientation.Horizontal, objectName="attention_temperature")
        self.temperature.setToolTip("Temperature T of softmax(logits / T): left sharper, "
                                    "right flatter")
        self.temperature.setRange(*T_RANGE)
        self.temperature.setValue(0)
        self.temperature.valueChanged.connect(lambda _=0: self._draw_bars())
        self.t_label = StatusLine()  # changes with the slider: no relayout, elided if narrow
        right = QVBoxLayout()
        right.addWidget(self.t_label)
        right.addWidget(self.bars_widget, 1)
        right.addWidget(self.temperature)
        self.box = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.box.addWidget(self.canvas, 2)
        self.box.addLayout(right, 1)
        self.status = StatusLine()
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(controls)
        layout.addWidget(self.strip)
        layout.addWidget(self.heads)
        layout.addLayout(self.box, 1)
        layout.addWidget(self.status)
        self.head = 0
        self.data: dict | None = None
        self.hover: int | None = None
        self._draw_bars()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        size = event.size()
        self.box.setDirection(QBoxLayout.Direction.LeftToRight if size.width() >= 380
                              else QBoxLayout.Direction.TopToBottom)
        self._ticks()
        self._draw_bars()
        # Thumbnails only when the heatmap keeps its room; the head box always works.
        self.heads.setVisible(size.height() >= THUMBS_FROM and self.layer.currentData()
                              is not None)
        self.strip.setVisible(size.height() >= STRIP_FROM)
        wide = size.width() >= 380
        self.bars_widget.setMaximumHeight(16_777_215 if wide else BARS_MIN_HEIGHT)
        super().resizeEvent(event)

    # -- session and probe -----------------------------------------------------------------
    def on_session(self, session: Any) -> None:
        self.data = None
        self.prompt.clear()
        if session is None or "attention" not in session.trainer.probes:
            self.set_message("The attention view needs a language model (task 'Language "
                             "model' on a text dataset).")

    def _runner(self) -> Any:
        return None if self.session is None else self.session.trainer.probes.get("attention")

    def _prompt_changed(self) -> None:
        runner = self._runner()
        if runner is not None:
            runner.configure(prompt=self.prompt.text())
            self.refresh_requested.emit()

    # -- drawing ---------------------------------------------------------------------------
    def draw(self, snapshot: Any) -> None:
        p = self.take(self.payload(snapshot))
        if p is None:
            return
        if not self.prompt.hasFocus() and self.prompt.text() != p["prompt"]:
            self.prompt.setText(p["prompt"])
        if "error" in p:
            self.status.setText(p["error"])
            return
        self.data = p
        layers = list(p["layers"])
        if [self.layer.itemData(i) for i in range(self.layer.count())] != layers:
            self.layer.blockSignals(True)
            self.layer.clear()
            for i, name in enumerate(layers):
                self.layer.addItem(f"{i + 1}: {name}", name)
            self.layer.blockSignals(False)
        self._redraw()

    def _redraw(self) -> None:
        p = self.data
        if p is None:
            return
        name = self.layer.currentData()
        has_attention = name is not None
        self.heads.setVisible(has_attention and self.height() >= THUMBS_FROM)
        self.canvas.setVisible(has_attention)
        self.layer.setVisible(has_attention)
        self.head_choice.setVisible(has_attention)
        pad = f", {p['pad']} pad characters in front" if p["pad"] else ""
        self.status.setText(  # a hovered row's weights replace it (in _draw_map)
            f"step {p['step']}: {len(p['tokens'])} characters{pad}. " +
            ("Hover a row: what that character attends to." if has_attention else
             "This network has no attention layer: only the next-character probabilities."))
        if has_attention:
            weights = p["layers"][name]  # (heads, L, L)
            self.head = min(self.head, len(weights) - 1)
            self._sync_heads(len(weights))
            self._draw_thumbs(weights)
            self._draw_map(weights[self.head], p)
        self._draw_strip()
        self._draw_bars()

    def _sync_heads(self, heads: int) -> None:
        if self.head_choice.count() != heads:
            self.head_choice.blockSignals(True)
            self.head_choice.clear()
            self.head_choice.addItems([f"head {h + 1}" for h in range(heads)])
            self.head_choice.blockSignals(False)
        if self.head_choice.currentIndex() != self.head:
            self.head_choice.blockSignals(True)
            self.head_choice.setCurrentIndex(self.head)
            self.head_choice.blockSignals(False)

    def _head_chosen(self, index: int) -> None:
        if index >= 0 and index != self.head:
            self.select_head(index)

    def _draw_thumbs(self, weights: np.ndarray) -> None:
        heads = len(weights)
        if len(self.thumbs) != heads:
            self.heads.clear()
            self.thumbs = []
            for h in range(heads):
                plot = plain_plot(self.heads.addPlot(row=0, col=h))
                item = pg.ImageItem(axisOrder="row-major")
                plot.addItem(item)
                self.thumbs.append((plot, item))
        _, fg = theme(self)
        for h, (plot, item) in enumerate(self.thumbs):
            item.setImage(np.nan_to_num(weights[h]), levels=(0.0, 1.0),
                          lut=WEIGHTS.getLookupTable(nPts=256))
            chosen = h == self.head
            plot.setTitle(f"{'▶ ' if chosen else ''}head {h + 1}", size="8pt",
                          color=ORANGE if chosen else fg)
            plot.getViewBox().autoRange(padding=0.02)

    def _draw_map(self, weights: np.ndarray, p: dict) -> None:
        n = len(weights)
        shown = np.where(np.triu(np.ones((n, n), bool), k=1), np.nan, weights)
        self.map.set(shown, (0.0, max(float(np.nanmax(shown)), 1e-6)))
        path = QPainterPath()  # the causal triangle: cells above the diagonal
        path.moveTo(QPointF(1, 0))
        path.lineTo(QPointF(n, 0))
        path.lineTo(QPointF(n, n - 1))
        path.closeSubpath()
        self.mask.setPath(path)
        self._ticks()
        self._set_hover(self.hover if self.hover is not None and self.hover < n else None)

    def _ticks(self) -> None:
        """Token labels on both axes, thinned to what the heatmap's size can show."""
        if self.data is None:
            return
        tokens = self.data["tokens"]
        box = self.map.image.sceneBoundingRect()  # the cells as drawn (square: may be smaller)
        height = self.fontMetrics().height()
        for axis, pixels, room in (("bottom", box.width(), 0.8 * height),
                                   ("left", box.height(), height)):
            step = tick_step(len(tokens), pixels, room)
            self.map.plot.getAxis(axis).setTicks(
                [[(i + 0.5, t) for i, t in enumerate(tokens) if i % step == 0]])

    def _draw_strip(self) -> None:
        p = self.data
        if p is None:
            return
        weights = None
        name = self.layer.currentData()
        if name is not None and self.hover is not None:
            weights = p["layers"][name][self.head][self.hover]
        self.strip.setText(strip_html(p["tokens"], weights, self.hover))

    def _draw_bars(self) -> None:
        t = 10 ** (self.temperature.value() / 100)
        self.t_label.setText(f"T = {t:.2f}")
        p = self.data
        if p is None:
            return
        probs = softmax(p["logits"], t)
        rows = int(self.bars_widget.height() // (1.4 * self.fontMetrics().height()))
        order = np.argsort(-probs, kind="stable")[:max(3, min(TOP_CHARS, rows - 2))]
        self.bars.setOpts(x0=np.zeros(len(order)), y=np.arange(len(order)),
                          width=probs[order], height=0.7)
        self.bars_plot.getAxis("left").setTicks(
            [[(i, p["vocab"][k]) for i, k in enumerate(order)]])
        self.bars_plot.setYRange(-0.6, len(order) - 0.4, padding=0)
        entropy = -float(np.sum(probs * np.log(np.maximum(probs, 1e-300))))
        self.t_label.setText(f"T = {t:.2f} · perplexity {math.exp(entropy):.1f}")

    # -- interaction -----------------------------------------------------------------------
    def _hovered(self, pos: Any) -> None:
        cell = self.map.cell_at(pos) if self.canvas.isVisible() else None
        row = None if cell is None else cell[0]
        if row != self.hover:
            self._set_hover(row)
            self._draw_strip()

    def _set_hover(self, row: int | None) -> None:
        self.hover = row
        n = self.map.shape[0]
        self.focus.setVisible(row is not None)
        if row is not None:
            self.focus.setRect(QRectF(0, row, n, 1))
            p = self.data
            name = self.layer.currentData()
            if p is not None and name is not None:
                weights = p["layers"][name][self.head][row]
                best = np.argsort(-weights, kind="stable")[:3]
                looks = ", ".join(f"'{p['tokens'][k]}' {weights[k]:.2f}" for k in best
                                  if weights[k] > 0)
                self.status.setText(f"'{p['tokens'][row]}' (character {row + 1}) attends to "
                                    f"{looks}")

    def _head_clicked(self, event: Any) -> None:
        for h, (plot, _) in enumerate(self.thumbs):
            if plot.sceneBoundingRect().contains(event.scenePos()):
                self.head = h
                self._redraw()
                return

    def select_head(self, head: int) -> None:
        """Show head ``head`` (0-based) of the chosen layer, as a click on its thumbnail."""
        self.head = head
        self._redraw()


if __name__ == "__main__":
    from ui.views.preview import preview
    preview("attention", "chars")
