"""Beam-search view: dlpi's Table 5.1, every path of the search with its probabilities and NLL.

One row per path the search ended, in tree order (a path's continuations
follow it): its tokens, each token's probability, its length-normalised NLL
-(1/T) sum log p, and what became of it. As in the book, the finished path
with the lowest NLL is kept (bold) and the other finished paths are struck
through; paths that fell out of the k-wide beam are greyed.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QHeaderView, QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout

from ui.views.base import View

STATUS_TEXT = {"finished": "finished", "beam": "in the beam", "pruned": "out of the beam",
               "stopped": "not continued"}


class BeamSearchView(View):
    """The table of paths, the best finished one marked."""

    view_id = "beam_search"
    title = "Beam search"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.info = QLabel(objectName="beam_info", wordWrap=True)
        self.table = QTableWidget(0, 0, objectName="beam_table")
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.info)
        layout.addWidget(self.table, 1)

    def on_session(self, session: Any) -> None:
        if session is None or "beam_search" not in session.trainer.probes:
            self.set_message("The beam-search view needs the 'Beam search' task.")

    def draw(self, snapshot: Any) -> None:
        p = self.take(self.payload(snapshot))
        if p is None:
            return
        rows = p["rows"]
        steps = max((len(r["tokens"]) for r in rows), default=0)
        headers = ["path", *[str(t + 1) for t in range(steps)], "NLL", ""]
        self.table.setColumnCount(len(headers))
        self.table.setHorizontalHeaderLabels(headers)
        self.table.setRowCount(len(rows))
        for i, row in enumerate(rows):
            cells = [", ".join(row["tokens"]),
                     *[f"{v:.2f}" for v in row["probabilities"]],
                     *[""] * (steps - len(row["probabilities"])),
                     f"{row['nll']:.2f}", self._fate(row)]
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter if 0 < j <= steps + 1
                                      else Qt.AlignmentFlag.AlignLeft
                                      | Qt.AlignmentFlag.AlignVCenter)
                self._style(item, row, j == steps + 1)
                self.table.setItem(i, j, item)
        norm = "−(1/T) Σ log p" if p["length_normalised"] else "−Σ log p"
        end = f", the end token {p['end']}" if p["end"] else ""
        self.info.setText(
            f"Beam search with k = {p['width']} over {', '.join(p['tokens'])}{end}: each of "
            f"the k best unfinished paths is tried with its k most probable next tokens; "
            f"NLL = {norm}. Of the finished paths only the lowest NLL is kept.")

    @staticmethod
    def _fate(row: dict) -> str:
        if row["status"] == "finished":
            return "finished, kept (lowest NLL)" if row["best"] else "finished, discarded"
        return STATUS_TEXT[row["status"]]

    def _style(self, item: QTableWidgetItem, row: dict, nll_cell: bool) -> None:
        font = QFont(self.font())
        if row["best"]:
            font.setBold(True)
        elif row["status"] == "finished" and nll_cell:
            font.setStrikeOut(True)  # the book strikes the discarded finished paths' NLL
        item.setFont(font)
        if row["status"] == "pruned":
            item.setForeground(QBrush(QColor(140, 140, 140)))
        if row["best"]:
            item.setBackground(QBrush(QColor(8, 119, 189, 40)))


if __name__ == "__main__":
    from ui.views.preview import preview
    preview("beam_search", "beams")
