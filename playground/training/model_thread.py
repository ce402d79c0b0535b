"""Which thread may touch a live model: never the app's UI thread.

Each main window of the desktop app marks the UI thread with
:func:`forbid_model_access` while it is open; probes (and whatever else reads
or changes a live model) call :func:`check_model_access` first, so a view that
computes on the UI thread fails loudly instead of freezing the window (a t-SNE
of 500 points) or racing the training thread. The CLI and headless tests mark
nothing, so everything runs where it is called.
"""

from __future__ import annotations

import threading

_lock = threading.Lock()
_forbidden: dict[threading.Thread, int] = {}  # thread -> how many windows forbid it


def forbid_model_access(thread: threading.Thread | None = None) -> None:
    """From now on ``thread`` (default: the calling one) may not touch a live model.

    Calls nest: each one is lifted by one :func:`allow_model_access`.
    """
    thread = thread or threading.current_thread()
    with _lock:
        _forbidden[thread] = _forbidden.get(thread, 0) + 1


def allow_model_access(thread: threading.Thread | None = None) -> None:
    """Lift one :func:`forbid_model_access` of ``thread`` (default: the calling one)."""
    thread = thread or threading.current_thread()
    with _lock:
        count = _forbidden.get(thread, 0) - 1
        if count > 0:
            _forbidden[thread] = count
        else:
            _forbidden.pop(thread, None)


def check_model_access(what: str) -> None:
    """Raise when the calling thread may not touch a live model.

    Raises
    ------
    RuntimeError
        Naming ``what`` was tried: a bug of the caller, which should have asked
        the session's worker thread to do it.
    """
    if threading.current_thread() in _forbidden:
        raise RuntimeError(f"{what} on the UI thread: the session's worker thread must do it")
