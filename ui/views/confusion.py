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
    QSlider,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from ui.views.base import View, image_item, plot_widget, theme
from ui.views.colors import BLUE, BLUES_LUT, to_rgba


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
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(["class", "precision", "recall", "F1", "support"])
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)  # the class names never get cut to ":las"
        self.summary = QLabel()
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
        wide = size.width() >= 1.6 * size.height()
        self.box.setDirection(QBoxLayout.Direction.LeftToRight if wide
                              else QBoxLayout.Direction.TopToBottom)
        super().resizeEvent(event)

    def on_session(self, session: Any) -> None:
        if session is None or "evaluation" not in session.trainer.probes or \
                session.dataset.info.target != "class":
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
        self.image.setImage(to_rgba(share, BLUES_LUT, 0.0, 1.0), autoLevels=False)
        ticks = [[(i + 0.5, names[i][:12]) for i in range(k)]]
        numbered = max(len(n) for n in names) > 3 and k > 2  # long names would overlap
        if numbered:  # columns by number, the rows say which number is which class
            ticks = [[(i + 0.5, f"{names[i][:12]} {i}") for i in range(k)]]
        self.plot.getAxis("bottom").setTicks(
            [[(i + 0.5, str(i)) for i in range(k)]] if numbered else ticks)
        left = self.plot.getAxis("left")
        left.setTicks(ticks)
        # A fixed width fitting the longest name: otherwise long names are dropped until the
        # axis has grown on a later repaint.
        metrics = QFontMetrics(left.font() if left.style.get("tickFont") is None
                               else left.style["tickFont"])
        left.setWidth(max(metrics.horizontalAdvance(text) for _, text in ticks[0]) + 36)
        self._texts(cm, share)
        self.plot.setRange(xRange=(0, k), yRange=(0, k), padding=0.02)
        self.summary.setText(f"accuracy {c['accuracy']:.3f} on {payload['count']} "
                             f"{payload['split']} samples")
        self.table.setRowCount(k)
        for i in range(k):
            cells = [names[i], f"{c['precision'][i]:.3f}", f"{c['recall'][i]:.3f}",
                     f"{c['f1'][i]:.3f}", str(int(c["support"][i]))]
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.table.setItem(i, j, item)

    def _texts(self, cm: np.ndarray, share: np.ndarray) -> None:
        k = len(cm)
        if len(self.texts) != k * k:
            for item in self.texts:
                self.plot.removeItem(item)
            self.texts = []
            font = QFont(self.font())
            font.setPointSizeF(font.pointSizeF() * (1.0 if k <= 5 else 0.75))  # ten classes fit
            for i in range(k):
                for j in range(k):
                    text = pg.TextItem(anchor=(0.5, 0.5))
                    text.setFont(font)
                    text.setPos(j + 0.5, i + 0.5)
                    self.plot.addItem(text)
                    self.texts.append(text)
        for n, text in enumerate(self.texts):
            i, j = divmod(n, k)
            text.setText(str(int(cm[i, j])))
            # The cells are pale to dark blue in both palettes: the text contrasts with the
            # cell, not with the window (a dark theme's light text vanished on pale cells).
            text.setColor("w" if share[i, j] > 0.55 else (30, 30, 30))


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
        self.marker = pg.ScatterPlotItem(size=11, brush=pg.mkBrush(245, 147, 34),
                                         pen=pg.mkPen(fg))
        self.plot.addItem(self.marker)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, self.STEPS)
        self.slider.valueChanged.connect(self._update_counts)
        self.threshold_label = QLabel()
        self.counts = QLabel()
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
        if session is None or "evaluation" not in session.trainer.probes or \
                session.dataset.n_classes != 2:
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
