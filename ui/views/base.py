"""The base of every view: newest-snapshot-only repaint on a ~30 Hz timer, PNG/SVG export.

A view is a plain ``QWidget`` (the main window wraps it in a ``QDockWidget``).
Feed it with :meth:`View.show_snapshot` from the UI thread as snapshots
arrive; it keeps only the newest one and draws it at the next timer tick, so
a fast trainer never queues up paint work and stale snapshots are dropped.

While a run trains, a view draws only when it is visible (a dock tabbed away or
a minimised window waits, and catches up when shown), and no more often than
the UI thread can afford: :class:`~ui.views.frames.FrameGovernor` measures the thread's CPU time
against the process's and spaces every view's frames so drawing and painting stay
within a share of it (the trainer shares the interpreter with this thread).
"""

from __future__ import annotations

import time
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, QPoint, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QPainter, QPaintEvent, QPalette
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import (
    QGraphicsItem,
    QLabel,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from playground.probes import VIEW_PROBES, attach_probes
from ui.views.frames import FRAME_MS, GOVERNOR
from ui.views.labels import set_elided_title
from ui.views.plotting import theme

#: What a view says until its session arrives (a preset is loading, a run is being built).
LOADING = "Loading…"


class View(QWidget):
    """Base class of the views.

    Subclasses set :attr:`view_id` and :attr:`title`, build their widgets into
    :attr:`content` (a plain QWidget) and implement :meth:`draw`. They may
    override :meth:`on_session` to set up static data (training points...).

    Attributes
    ----------
    view_id : str
        Registry id, as stored in presets' ``views.layout``.
    title : str
        Dock title.
    probes : tuple of str
        Probe ids the view draws from (see ``playground.probes.VIEW_PROBES``).
    frames : int
        Snapshots drawn so far.
    drawn_step : int or None
        Step of the snapshot drawn last.

    Signals
    -------
    refresh_requested()
        The view changed its probe's options (another latent node, feature-map sample...)
        and wants a snapshot computed with them now. The docks pass it to the session's
        worker, which computes it where the model lives: a view never runs a probe.
    """

    refresh_requested = Signal()

    view_id = ""
    title = ""
    #: Least time between two draws (ms): views slower to paint, or whose pictures change
    #: slowly, draw less often than the ~30 Hz timer.
    frame_ms = FRAME_MS

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.session: Any = None
        self.frames = 0
        self.drawn_step: int | None = None
        self._pending: Any = None
        self._last: Any = None  # the payload drawn last (see take)
        self._drawn_at = -1e9
        self._stack = QStackedWidget(self)
        self.content = QWidget()
        self._message = QLabel()
        self._message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._message.setWordWrap(True)
        self._message.setMargin(24)
        self._stack.addWidget(self.content)
        self._stack.addWidget(self._message)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._stack)
        self._timer = QTimer(self)
        self._timer.setInterval(FRAME_MS)
        self._timer.timeout.connect(self._tick)
        self._timer.start()
        self.set_message(LOADING)

    @property
    def probes(self) -> tuple[str, ...]:
        """Probe ids this view needs."""
        return VIEW_PROBES.get(self.view_id, ())

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(480, 400)

    # -- feeding ---------------------------------------------------------------------------
    def set_session(self, session: Any, idle: str = LOADING) -> None:
        """Show ``session`` from now on: attaches the probes this view needs to its trainer.

        None: no session yet; the view says ``idle`` ("Loading…" while one is being
        built, "" for nothing), never why a session it has not seen would not suit it.
        """
        self.session = session
        self._pending = None
        self._last = None
        self.drawn_step = None
        if session is not None and self.probes:
            attach_probes(session, [self.view_id])
        self.on_session(session)
        if session is None:
            self.set_message(idle)

    def on_session(self, session: Any) -> None:
        """Set up static data for a new session, or say why it does not suit this view
        (override; ``session`` is None while none is there: the base says so)."""

    def take(self, payload: Any) -> Any:
        """``payload`` if there is one and it is not the one drawn last (the message is
        cleared and it becomes the last), else None: what ``draw`` starts with."""
        if payload is None or payload is self._last:
            return None
        self.set_message(None)
        self._last = payload
        return payload

    def show_snapshot(self, snapshot: Any) -> None:
        """Keep ``snapshot`` for the next repaint; an older one than the kept one is dropped."""
        pending = self._pending
        if pending is not None and snapshot.step < pending.step:
            return
        self._pending = snapshot

    def flush(self) -> None:
        """Draw the newest pending snapshot now (the timer calls this ~30 times a second)."""
        snapshot, self._pending = self._pending, None
        if snapshot is None:
            return
        self._drawn_at = time.monotonic()
        self.draw(snapshot)
        self.frames += 1
        self.drawn_step = snapshot.step

    def _tick(self) -> None:
        """The timer: while a run trains, draw what is pending if the view is visible and
        its last draw is older than frame_ms (or the governor's interval, if longer); the
        last snapshot of a run is drawn at once: nothing newer will come."""
        pending = self._pending
        if pending is None:
            return
        if getattr(pending, "state", "running") == "running":
            if not self.on_screen():
                return  # drawn when shown again (showEvent)
            least = max(self.frame_ms, GOVERNOR.observe())
            # Wake up no more often than half the least interval (an idle wake-up still
            # costs the event loop), and at the full rate again when frames are cheap.
            self._timer.setInterval(int(min(max(FRAME_MS, least / 2), 250)))
            if (time.monotonic() - self._drawn_at) * 1000.0 < least - FRAME_MS / 2:
                return
        else:
            self._timer.setInterval(FRAME_MS)
        self.flush()

    def on_screen(self) -> bool:
        """Visible (not a dock tabbed away, not a closed dock) in a window not minimised."""
        return self.isVisible() and not self.window().isMinimized()

    def showEvent(self, event: Any) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        if self._pending is not None:  # a snapshot kept while hidden: draw it soon
            QTimer.singleShot(0, self, self.flush)

    def draw(self, snapshot: Any) -> None:
        """Update the widgets from ``snapshot`` (override)."""
        raise NotImplementedError

    def payload(self, snapshot: Any, probe_id: str | None = None) -> Any:
        """The view's (first) probe payload in ``snapshot``, or None."""
        pid = probe_id or (self.probes[0] if self.probes else None)
        return None if pid is None else snapshot.probes.get(pid)

    def set_title(self, plot: pg.PlotItem, text: str, size: str = "10pt") -> None:
        """Title ``plot`` in the palette's text colour, elided to its width (tooltip)."""
        set_elided_title(plot, text, theme(self)[1], size)

    # -- messages --------------------------------------------------------------------------
    def set_message(self, text: str | None) -> None:
        """Show ``text`` instead of the content ("" shows nothing); None shows the content."""
        if text is not None:
            self._message.setText(text)
            self._stack.setCurrentWidget(self._message)
        else:
            self._stack.setCurrentWidget(self.content)

    @property
    def message(self) -> str | None:
        """The message shown instead of the content, None when the content shows."""
        if self._stack.currentWidget() is self._message:
            return self._message.text()
        return None

    # -- export ----------------------------------------------------------------------------
    def _settle(self) -> None:
        """Draw what is pending and deliver posted events (new children shown, layouts
        applied), so an export right after a draw shows what the screen will."""
        self.flush()
        QCoreApplication.sendPostedEvents()
        # Axes size themselves to their tick labels while painting, then ask for a relayout:
        # one throwaway paint and the posted layout requests, or new labels would be cut off.
        self.grab()
        QCoreApplication.sendPostedEvents()

    def export_png(self, path: str) -> None:
        """Save the view as a PNG image (what is on screen, at the widget's size)."""
        self._settle()
        if not self.grab().save(str(path), "PNG"):
            raise OSError(f"could not write {path}")

    def export_svg(self, path: str) -> None:
        """Save the view as SVG (plots as vectors, heatmaps as embedded images)."""
        self._settle()
        # SVG 1.1: it has clip paths (Tiny 1.2 has none, and heatmaps would spill out of plots).
        generator = QSvgGenerator(QSvgGenerator.SvgVersion.Svg11)
        generator.setFileName(str(path))
        generator.setSize(self.size())
        generator.setViewBox(QRectF(0, 0, self.width(), self.height()))
        generator.setTitle(self.title)
        # Scatter points are drawn from a cached pixmap atlas on screen; in SVG each point
        # would embed the whole atlas, so draw them as vector symbols while exporting.
        scatters = [item for view in self.findChildren(pg.GraphicsView)
                    for item in view.scene().items() if isinstance(item, pg.ScatterPlotItem)]
        cached = [item.opts["useCache"] for item in scatters]
        for item in scatters:
            item.opts["useCache"] = False
        # Items cached as pixmaps on screen (axes, legends) would be embedded as images.
        modes = [(item, item.cacheMode()) for view in self.findChildren(pg.GraphicsView)
                 for item in view.scene().items()
                 if item.cacheMode() != QGraphicsItem.CacheMode.NoCache]
        for item, _ in modes:
            item.setCacheMode(QGraphicsItem.CacheMode.NoCache)
        painter = QPainter(generator)
        try:
            self.render(painter, QPoint(0, 0))
        finally:
            painter.end()
            for item, value in zip(scatters, cached):
                item.opts["useCache"] = value
            for item, mode in modes:
                item.setCacheMode(mode)


class StatusLine(QWidget):
    """A line (or ``lines`` lines) of text that changes every frame without relayouts.

    A QLabel asks its layout for a new geometry at every ``setText``; here the
    size never depends on the text (fixed height, any width), so a new text
    only repaints this widget. Text wraps at spaces onto the given number of
    lines (join words with non-breaking spaces to keep them together); what
    still does not fit is elided with "…", and the whole text is the tooltip.
    """

    def __init__(self, parent: QWidget | None = None, lines: int = 1):
        super().__init__(parent)
        self._text = ""
        self.lines = lines
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(self._height())

    def _height(self) -> int:
        return self.fontMetrics().lineSpacing() * self.lines + 6

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(120, self._height())

    def text(self) -> str:
        """The full text (also when elided on screen)."""
        return self._text

    def setText(self, text: str) -> None:  # noqa: N802 (QLabel's name)
        """Show ``text`` (a repaint of this line only)."""
        if text != self._text:
            self._text = text
            self.setToolTip(text.replace("\u00a0", " "))
            self.update()

    def shown_lines(self) -> list[str]:
        """The lines as painted at the current width (wrapped, the last one elided)."""
        metrics, width = self.fontMetrics(), max(self.width() - 4, 1)
        words, lines = self._text.split(" "), []
        while words and len(lines) < self.lines:
            line = words.pop(0)
            while words and metrics.horizontalAdvance(f"{line} {words[0]}") <= width:
                line = f"{line} {words.pop(0)}"
            lines.append(line)
        if words and lines:
            lines[-1] = " ".join([lines[-1], *words])
        if lines:
            lines[-1] = metrics.elidedText(lines[-1], Qt.TextElideMode.ElideRight, width)
        return lines

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        painter.setPen(self.palette().color(QPalette.ColorRole.WindowText))
        step = self.fontMetrics().lineSpacing()
        for i, line in enumerate(self.shown_lines()):
            rect = self.rect().adjusted(2, 3 + i * step, -2, 0)
            rect.setHeight(step)
            painter.drawText(rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             line)
        painter.end()
