"""Cyclic garbage collection on the GUI thread only, while a main window is open.

Python's collector runs in whichever thread happens to allocate when a
threshold is crossed: the trainer thread or the dataset loader. If the
garbage holds Qt objects (a closed view, a replaced dock), their C++
destructors then run off the GUI thread, taking Qt's locks while that thread
holds the GIL: the GUI thread, waiting in Qt for the GIL, deadlocks (seen
here: the window froze inside a signal connect while the loader thread
collected). pyqtgraph documents the same hazard. :class:`GuiGarbageCollector`
turns automatic collection off and runs the same generational collections
from a timer on the GUI thread.

:meth:`GuiGarbageCollector.settle` (after a session is built) collects
everything once and freezes what survives (``gc.freeze``): the model, the
data, torch and Qt then stay out of later scans, so the collections that run
while training are small (a full scan of the heap takes 100-200 ms).
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

CHECK_MS = 100


class GuiGarbageCollector(QObject):
    """Collect on this (GUI) thread, by the interpreter's own thresholds, every 100 ms.

    Guards nest: automatic collection comes back when the last one stops.
    """

    #: Guards currently running (one per open main window).
    active = 0

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._timer = QTimer(self, interval=CHECK_MS)
        self._timer.timeout.connect(self.check)
        self._running = False
        #: settle() does its full collection only when True (tests may skip the cost).
        self.settle_enabled = True

    def start(self) -> None:
        """Turn automatic collection off and start collecting from the timer."""
        if self._running:
            return
        self._running = True
        if GuiGarbageCollector.active == 0:
            GuiGarbageCollector._was_enabled = gc.isenabled()
            gc.disable()
        GuiGarbageCollector.active += 1
        self._timer.start()

    def stop(self) -> None:
        """Stop; the last guard to stop turns automatic collection back on."""
        if not self._running:
            return
        self._running = False
        self._timer.stop()
        GuiGarbageCollector.active -= 1
        if GuiGarbageCollector.active == 0 and GuiGarbageCollector._was_enabled:
            gc.enable()

    def settle(self) -> None:
        """Collect everything, then freeze the survivors (once per session build).

        Unfreezing first lets the previous session's cyclic garbage be collected.
        """
        if not self._running or not self.settle_enabled:
            return
        gc.unfreeze()
        gc.collect()
        gc.freeze()

    def check(self) -> None:
        """Collect the oldest generation whose count passed its threshold."""
        counts, limits = gc.get_count(), gc.get_threshold()
        for generation in (2, 1, 0):
            if counts[generation] > limits[generation]:
                gc.collect(generation)
                return

    _was_enabled = True
