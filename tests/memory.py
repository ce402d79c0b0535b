"""Measure what a call costs in memory: peak RSS growth and peak Python/NumPy allocation.

Not its time: no test may depend on the clock or on how busy the machine is
(speed targets live in ``bench/``).

Peak RSS is read from ``/proc/self/status`` (``VmHWM``) after resetting it
through ``/proc/self/clear_refs`` (Linux); where that is not possible
``rss_growth`` is None and only the tracemalloc peak (Python objects and NumPy
arrays, not torch tensors) is known.
"""

from __future__ import annotations

import re
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Cost:
    """What one call took."""

    rss_growth: int | None  # bytes of peak RSS above the RSS before the call
    py_peak: int  # bytes: tracemalloc's peak during the call


def _status(field: str) -> int | None:
    try:
        with open("/proc/self/status") as f:
            match = re.search(rf"^{field}:\s+(\d+) kB", f.read(), re.M)
    except OSError:
        return None
    return int(match.group(1)) * 1024 if match else None


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # resets VmHWM to the current RSS
    except OSError:
        return False
    return True


def measure(fn: Callable[[], Any], trace: bool = False
            ) -> tuple[Any, BaseException | None, Cost]:
    """Call ``fn``; return (its result or None, the exception it raised or None, its Cost).

    ``trace`` also records tracemalloc's peak (``py_peak``, else 0); tracing costs
    memory of its own per live allocation, which then shows in ``rss_growth``.
    """
    tracing = tracemalloc.is_tracing()
    if trace and not tracing:
        tracemalloc.start()
    if trace:
        tracemalloc.reset_peak()
    peak_known = _reset_peak()
    rss_before = _status("VmRSS")
    result, error = None, None
    try:
        result = fn()
    except Exception as exc:  # noqa: BLE001 - the caller inspects it
        error = exc
    hwm = _status("VmHWM") if peak_known else None
    py_peak = tracemalloc.get_traced_memory()[1] if trace else 0
    if trace and not tracing:
        tracemalloc.stop()
    growth = None if hwm is None or rss_before is None else max(hwm - rss_before, 0)
    return result, error, Cost(growth, py_peak)
