"""The bar under the canvas: Layers, zoom and fit, the current problem with its fix, the size.

It shows the first error (else warning) found after the last edit, with a
button when one click fixes it; a short message (a refused connection) takes
its place for a few seconds.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QWidget

from ui.editor import style
from ui.editor.problems import Problem, first

STATUS_SECONDS = 5
#: Colour of a warning's text (an error's is the editor's red).
WARNING = "#b8860b"


class EditorBar(QWidget):
    """The bar; ``actions`` maps "palette", "zoom_out", "reset_zoom", "zoom_in", "fit" and
    "layout" to what its buttons do."""

    def __init__(self, actions: dict[str, Callable[..., object]],
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.problems: list[Problem] = []
        row = QHBoxLayout(self)
        row.setContentsMargins(6, 2, 6, 2)
        self.palette_button = QToolButton(text="Layers", checkable=True, checked=True,
                                          autoRaise=True, objectName="palette_toggle",
                                          toolTip="Show or hide the layer palette")
        self.palette_button.toggled.connect(actions["palette"])
        row.addWidget(self.palette_button)
        self.zoom_button = QToolButton(text="100%", toolTip="Reset zoom to 100%",
                                       autoRaise=True)
        self.zoom_button.clicked.connect(actions["reset_zoom"])
        for text, tip, key in (("−", "Zoom out (Ctrl+-)", "zoom_out"), (None, "", ""),
                               ("+", "Zoom in (Ctrl++)", "zoom_in"),
                               ("Fit", "Fit to view and keep it fitted (F)", "fit"),
                               ("Layout", "Auto-layout (Ctrl+L)", "layout")):
            if text is None:
                row.addWidget(self.zoom_button)
                continue
            button = QToolButton(text=text, toolTip=tip, autoRaise=True)
            button.clicked.connect(actions[key])
            row.addWidget(button)
        self.status_label = QLabel(objectName="editor_status")
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status_label.setMinimumWidth(40)
        self.fix_button = QToolButton(objectName="fix_button", autoRaise=False)
        self.fix_button.hide()
        self.fix_button.clicked.connect(self._apply_fix)
        self.params_label = QLabel(objectName="total_params")
        self.params_label.setFont(style.font(9, bold=True))
        row.addSpacing(8)
        row.addWidget(self.status_label, 1)
        row.addWidget(self.fix_button)
        row.addWidget(self.params_label)
        self._message_timer = QTimer(self, singleShot=True, interval=STATUS_SECONDS * 1000)
        self._message_timer.timeout.connect(self._show_problem)

    def show_message(self, text: str) -> None:
        """A short message in red for a few seconds, then the current problem again."""
        self.status_label.setText(text)
        self.status_label.setToolTip(text)
        self.status_label.setStyleSheet(f"color: {style.ERROR.name()};")
        self.fix_button.hide()
        self._message_timer.start()

    def show_problems(self, problems: list[Problem]) -> None:
        """The problems after an edit: the first is shown (unless a message is up)."""
        self.problems = list(problems)
        if not self._message_timer.isActive():
            self._show_problem()

    def _show_problem(self) -> None:
        problem = first(self.problems)
        colour = "" if problem is None else style.ERROR.name() if problem.level == "error" \
            else WARNING
        self.status_label.setStyleSheet(f"color: {colour};" if colour else "")
        text = problem.message if problem is not None else ""
        if len(self.problems) > 1:
            text += f"  (+{len(self.problems) - 1} more)"
        room = max(self.status_label.width(), 80)
        self.status_label.setText(self.status_label.fontMetrics().elidedText(
            text, Qt.TextElideMode.ElideRight, room))
        self.status_label.setToolTip("\n".join(p.message for p in self.problems))
        has_fix = problem is not None and problem.fix is not None
        self.fix_button.setText(problem.fix_text if has_fix else "")
        self.fix_button.setVisible(has_fix)

    def _apply_fix(self) -> None:
        problem = first(self.problems)
        if problem is not None and problem.fix is not None:
            problem.fix()

    def set_zoom(self, zoom: float) -> None:
        """The zoom shown on the reset-zoom button."""
        self.zoom_button.setText(f"{zoom:.0%}")

    def set_total(self, params: int) -> None:
        """The model's parameter count."""
        self.params_label.setText(f"Parameters: {params:,}")
