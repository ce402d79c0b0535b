"""Classification evaluation views: confusion matrix with per-class scores, and ROC.

Both draw the ``evaluation`` probe (the held-out split: validation, else test,
else train). The ROC view's threshold slider recomputes the confusion counts
at any threshold from the probe's scores, on the UI thread (cheap: a few
thousand comparisons).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics, QResizeEvent
from PySide6.QtWidgets import (
    QBoxLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QSlider,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from ui.views.base import View
from ui.views.colors import BLUE, ORANGE, contrast_text, lookup_table, show_heatmap
from ui.views.plotting import image_item, plot_widget, theme


def _classification(view: View, snapshot: Any) -> dict | None:
    p = view.payload(snapshot)
    return None if p is None else p.get("classification")


class ConfusionView(View):
    """Confusion matrix (rows: true class, columns: predicted) and a P/R/F1 table."""

    view_id = "confusion"
    title = "Confusion matrix"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.plot_widget = plot_widget(self, x="predicted", y="true")
        self.plot = self.plot_widget.getPlotItem()
        self.plot.getViewBox().invertY(True)
        self.plot.getViewBox().setAspectLocked(True)
        self.plot.setMouseEnabled(False, False)
        self.plot.hideButtons()
        self.image = image_item()
        self.plot.addItem(self.image)
        self.texts: list[pg.TextItem] = []
        self.names: list[str] = []
        self._ticks_key: Any = None
        self.plot.getViewBox().sigResized.connect(self._fit_texts)
        self.plot.geometryChanged.connect(self._set_ticks)
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(["class", "precision", "recall", "F1", "support"])
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)  # the class names never get cut to ":las"
        self.summary = QLabel(wordWrap=True)
        # The matrix first: the table of scores shrinks and scrolls in a small dock.
        self.table.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Ignored)
        self.table.setMinimumHeight(70)
        self.plot_widget.setMinimumSize(140, 140)
        right = QVBoxLayout()
        right.addWidget(self.summary)
        right.addWidget(self.table, 1)
        # Side by side in a wide dock, stacked in a tall one (the usual right column).
        self.box = QBoxLayout(QBoxLayout.Direction.LeftToRight, self.content)
        self.box.setContentsMargins(4, 4, 4, 4)
        self.box.addWidget(self.plot_widget, 3)
        self.box.addLayout(right, 2)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        size = event.size()
        wide = size.width() >= 1.6 * size.height() and size.width() >= 560
        self.box.setDirection(QBoxLayout.Direction.LeftToRight if wide
                              else QBoxLayout.Direction.TopToBottom)
        super().resizeEvent(event)

    def on_session(self, session: Any) -> None:
        if session is not None and ("evaluation" not in session.trainer.probes
                                    or session.dataset.info.target != "class"):
            self.set_message("The confusion matrix needs a classification task.")

    def draw(self, snapshot: Any) -> None:
        c = self.take(_classification(self, snapshot))
        if c is None:
            return
        payload = self.payload(snapshot)
        cm, k = c["confusion"], c["n_classes"]
        names = list(payload["class_names"]) or [str(i) for i in range(k)]
        rows = cm.sum(axis=1, keepdims=True)
        share = np.divide(cm, rows, out=np.zeros(cm.shape), where=rows > 0)  # recall per cell
        show_heatmap(self.image, share, "share", (0.0, 1.0))
        self.names = names
        self._set_ticks()
        self._texts(cm, share)
        self.plot.setRange(xRange=(0, k), yRange=(0, k), padding=0.02)
        self.summary.setText(f"accuracy {c['accuracy']:.3f} on {payload['count']} "
                             f"{payload['split']} samples")
        self.table.setRowCount(k)
        for i in range(k):
            cells = [f"{i} {names[i]}" if names[i] != str(i) else names[i],
                     f"{c['precision'][i]:.3f}", f"{c['recall'][i]:.3f}",
                     f"{c['f1'][i]:.3f}", str(int(c["support"][i]))]
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.table.setItem(i, j, item)

    def _set_ticks(self, *_: Any) -> None:
        """Class names on the rows (and numbers on the columns when names are long); only
        numbers when the names would take most of a narrow plot (the table names them)."""
        names, k = self.names, len(self.names)
        if not k:
            return
        numbered = max(len(n) for n in names) > 3 and k > 2  # long names would overlap
        rows = [(i + 0.5, f"{names[i][:12]} {i}" if numbered else names[i][:12])
                for i in range(k)]
        left = self.plot.getAxis("left")
        metrics = QFontMetrics(left.font() if left.style.get("tickFont") is None
                               else left.style["tickFont"])
        width = max(metrics.horizontalAdvance(text) for _, text in rows) + 36
        if width > 0.4 * self.plot.width():
            rows, width = [(i + 0.5, str(i)) for i in range(k)], \
                metrics.horizontalAdvance(str(k)) + 36
        key = (tuple(rows), numbered, width)
        if key == self._ticks_key:
            return
        self._ticks_key = key
        self.plot.getAxis("bottom").setTicks(
            [[(i + 0.5, str(i)) for i in range(k)]] if numbered else [rows])
        left.setTicks([rows])
        # A fixed width fitting the longest name: otherwise long names are dropped until the
        # axis has grown on a later repaint.
        left.setWidth(width)

    def _texts(self, cm: np.ndarray, share: np.ndarray) -> None:
        k = len(cm)
        if len(self.texts) != k * k:
            for item in self.texts:
                self.plot.removeItem(item)
            self.texts = []
            for i in range(k):
                for j in range(k):
                    text = pg.TextItem(anchor=(0.5, 0.5))
                    text.setPos(j + 0.5, i + 0.5)
                    self.plot.addItem(text)
                    self.texts.append(text)
        table = lookup_table("share")
        for n, text in enumerate(self.texts):
            i, j = divmod(n, k)
            text.setText(str(int(cm[i, j])))
            # The cells are pale to dark blue in both palettes: the text contrasts with the
            # cell, not with the window (a dark theme's light text vanished on pale cells).
            text.setColor(contrast_text(table[int(round(share[i, j] * 255))]))
        self._fit_texts()

    def _fit_texts(self, *_: Any) -> None:
        """Counts in a font that fits their cells at the plot's current size (none when
        the cells are too small to hold a readable number): they never overlap."""
        k = int(round(len(self.texts) ** 0.5))
        if not k:
            return
        box = self.plot.getViewBox()
        cell = min(box.width(), box.height()) / k  # the aspect is locked: square cells
        widest = max(len(t.toPlainText()) for t in self.texts)
        base = QFont(self.font())
        metrics = QFontMetrics(base)
        fits = 0.8 * cell / max(metrics.horizontalAdvance("8" * widest), 1)
        size = min(base.pointSizeF() * min(fits, 1.0), 0.45 * cell * 0.75)
        readable = size >= 6.0
        font = QFont(base)
        font.setPointSizeF(max(size, 1.0))
        for text in self.texts:
            text.setVisible(readable)
            text.setFont(font)


def counts_at(scores: np.ndarray, labels: np.ndarray, threshold: float) -> dict[str, int]:
    """TP, FP, FN, TN when class 1 is predicted for ``scores >= threshold``."""
    pred = scores >= threshold
    pos = labels == 1
    return {"tp": int(np.sum(pred & pos)), "fp": int(np.sum(pred & ~pos)),
            "fn": int(np.sum(~pred & pos)), "tn": int(np.sum(~pred & ~pos))}


class RocView(View):
    """ROC curve with its AUC, and a threshold slider showing the resulting counts."""

    view_id = "roc"
    title = "ROC curve"
    STEPS = 1000

    def __init__(self, parent=None):
        super().__init__(parent)
        self.plot_widget = plot_widget(self, x="false positive rate", y="true positive rate")
        self.plot = self.plot_widget.getPlotItem()
        self.plot.setRange(xRange=(0, 1), yRange=(0, 1), padding=0.03)
        self.plot.setMouseEnabled(False, False)
        self.plot.hideButtons()
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        _, fg = theme(self)
        self.plot.plot([0, 1], [0, 1], pen=pg.mkPen(fg, width=1, style=Qt.PenStyle.DashLine))
        self.curve = self.plot.plot([], [], pen=pg.mkPen(BLUE, width=2.5))
        self.plot.getViewBox().setAspectLocked(True)  # rates on both axes: to scale
        self.marker = pg.ScatterPlotItem(size=11, brush=pg.mkBrush(*ORANGE),
                                         pen=pg.mkPen(fg))
        self.plot.addItem(self.marker)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, self.STEPS)
        self.slider.valueChanged.connect(self._update_counts)
        self.threshold_label = QLabel()
        self.counts = QLabel(wordWrap=True)
        self.counts.setTextFormat(Qt.TextFormat.RichText)
        row = QHBoxLayout()
        row.addWidget(QLabel("Threshold"))
        row.addWidget(self.slider, 1)
        row.addWidget(self.threshold_label)
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.plot_widget, 1)
        layout.addLayout(row)
        layout.addWidget(self.counts)
        self.data: dict | None = None

    def on_session(self, session: Any) -> None:
        self.data = None
        if session is not None and ("evaluation" not in session.trainer.probes
                                    or session.dataset.n_classes != 2):
            self.set_message("The ROC curve needs a two-class classification task.")

    @property
    def threshold(self) -> float:
        """The slider's threshold on the class-1 score (0..1)."""
        return self.slider.value() / self.STEPS

    def set_threshold(self, value: float) -> None:
        """Move the slider to ``value`` (0..1)."""
        self.slider.setValue(int(round(value * self.STEPS)))

    def draw(self, snapshot: Any) -> None:
        c = _classification(self, snapshot)
        if c is None or c is self._last or "scores" not in c:
            return
        if "fpr" not in c:
            self.set_message("The ROC curve needs both classes in the evaluated split.")
            return
        self.set_message(None)
        first = self.data is None
        self._last = c
        self.data = c
        self.curve.setData(c["fpr"], c["tpr"])
        self.set_title(self.plot, f"AUC = {c['auc']:.3f}  ({self.payload(snapshot)['split']})",
                       size="11pt")
        if first:
            self.set_threshold(c["threshold"])
        self._update_counts()

    def _update_counts(self, *_: Any) -> None:
        t = self.threshold
        self.threshold_label.setText(f"{t:.3f}")
        if self.data is None:
            return
        n = counts_at(self.data["scores"], self.data["labels"], t)
        tpr = n["tp"] / max(n["tp"] + n["fn"], 1)
        fpr = n["fp"] / max(n["fp"] + n["tn"], 1)
        self.marker.setData([fpr], [tpr])
        self.counts.setText(
            f"TP <b>{n['tp']}</b> &nbsp; FP <b>{n['fp']}</b> &nbsp; FN <b>{n['fn']}</b> &nbsp; "
            f"TN <b>{n['tn']}</b> &nbsp;&nbsp; TPR {tpr:.3f} &nbsp; FPR {fpr:.3f}")


if __name__ == "__main__":
    import sys

    from ui.views.preview import preview
    preview("roc", "spiral") if "--roc" in sys.argv else preview("confusion", "iris")
