"""Frame pacing of the views: the least interval between two frames, from the UI thread's CPU.

While a run trains, the views draw no more often than the UI thread can afford:
:class:`FrameGovernor` measures the thread's CPU time against the process's and spaces every
view's frames so drawing and painting stay within a share of it (the trainer shares the
interpreter with this thread).
"""

from __future__ import annotations

import time

#: Repaint period (ms): about 30 frames per second at most.
FRAME_MS = 33


class FrameGovernor:
    """Spaces the views' frames so the UI thread takes at most a share of the process's CPU.

    Every half second of training it compares the CPU time of the UI thread with
    that of the whole process (the trainer's thread is the rest): above ``budget``
    the least interval between two frames of a view grows in proportion, well
    below it the interval shrinks back towards :data:`FRAME_MS`. So views draw as
    often as painting them allows within the budget: a big window or a slow
    machine gets fewer frames, not a slower trainer.

    Parameters
    ----------
    budget : float
        Largest share of the process's CPU time for the UI thread (drawing, painting,
        events) while a run trains.
    window : float
        Seconds between two measurements.
    """

    #: Longest interval (ms) it stretches frames to.
    MAX_MS = 500.0

    def __init__(self, budget: float = 0.12, window: float = 0.5):
        self.budget, self.window = budget, window
        self.frame_ms = float(FRAME_MS)
        self._since = self._clocks()

    @staticmethod
    def _clocks() -> tuple[float, float, float]:
        return time.monotonic(), time.thread_time(), time.process_time()

    def observe(self) -> float:
        """The least interval between frames (ms), updated once a window has passed.

        Call it from the UI thread (it reads that thread's CPU clock) while a run
        trains; after a pause longer than a few windows it starts measuring afresh.
        """
        elapsed = time.monotonic() - self._since[0]
        if elapsed < self.window:  # the cheap clock first: process_time sums every thread's
            return self.frame_ms
        now = self._clocks()
        if elapsed < 4 * self.window:
            process = now[2] - self._since[2]
            share = (now[1] - self._since[1]) / process if process > 0 else 0.0
            ratio = share / self.budget
            if ratio > 1.0 or ratio < 0.7:
                self.frame_ms = min(max(self.frame_ms * ratio, FRAME_MS), self.MAX_MS)
        self._since = now
        return self.frame_ms


#: The one governor of the UI thread's views.
GOVERNOR = FrameGovernor()
