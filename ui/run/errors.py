"""How an exception raised away from the UI thread reaches the user: as one line.

The traceback goes to the error log (:mod:`playground.errorlog`, shown by Help >
Error log); the user sees one line naming the problem.
"""

from __future__ import annotations

from playground.errorlog import log_error
from playground.errors import PlaygroundError


def error_line(exc: BaseException) -> str:
    """One user-facing line for an exception (no traceback); the traceback goes to the
    error log (:mod:`playground.errorlog`, shown by Help > Error log)."""
    log_error("in a worker thread", exc)
    if isinstance(exc, PlaygroundError):
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    text = f"{type(exc).__name__}: {exc}"
    return text.splitlines()[0]
