"""The error log: where a failure's traceback goes while the user sees one line.

Errors in the app's worker threads (building a session, training, exports, data
loading) reach the user as one line in the status bar or a message box; their
full traceback is appended here, for a bug report. Help > Error log shows the
path.

The file is :data:`LOG_ENV` if set, else ``errors.log`` in the platform's folder
for such files: ``$XDG_STATE_HOME/nn-playground`` (``~/.local/state/...``) on
Linux, ``~/Library/Logs/nn-playground`` on macOS, ``%LOCALAPPDATA%\\nn-playground``
on Windows. It is appended to (not rewritten atomically: one entry at a time)
and kept under :data:`MAX_BYTES`: past that it becomes ``errors.log.1`` and a
new one starts. Writing it never raises.
"""

from __future__ import annotations

import datetime
import html
import os
import sys
import threading
import traceback
from pathlib import Path

#: Environment variable naming the log file (tests and power users).
LOG_ENV = "PLAYGROUND_LOG"
#: Size past which the log is moved to ``errors.log.1`` (the older one is dropped).
MAX_BYTES = 1_000_000
APP_FOLDER = "nn-playground"

_lock = threading.Lock()


def log_path() -> Path:
    """Where errors are logged (the file may not exist yet)."""
    override = os.environ.get(LOG_ENV, "").strip()
    if override:
        return Path(override).expanduser()
    home = Path.home()
    if sys.platform == "darwin":
        folder = home / "Library" / "Logs"
    elif sys.platform == "win32":
        folder = Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local")
    else:
        folder = Path(os.environ.get("XDG_STATE_HOME") or home / ".local" / "state")
    return folder / APP_FOLDER / "errors.log"


def log_error(what: str, exc: BaseException) -> Path | None:
    """Append ``what`` (where it happened) and ``exc`` with its traceback to the log.

    Returns the log's path, or None when it could not be written (a full disk:
    the user still has the one-line message).
    """
    stamp = datetime.datetime.now().isoformat(timespec="seconds")
    thread = threading.current_thread().name
    body = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    entry = f"--- {stamp} {what} (thread {thread})\n{body}\n"
    path = log_path()
    with _lock:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.exists() and path.stat().st_size > MAX_BYTES:
                os.replace(path, path.with_name(path.name + ".1"))
            with open(path, "a", encoding="utf-8", errors="replace") as handle:
                handle.write(entry)
        except OSError:
            return None
    return path


def describe() -> str:
    """What Help > Error log says (HTML): the path, and whether anything was logged."""
    path = log_path()
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            entries = sum(line.startswith("--- ") for line in handle)
    except OSError:
        entries = 0
    what = (f"{entries} error{'s' * (entries != 1)} logged so far." if entries
            else "Nothing has been logged yet.")
    return (f"<p>When something fails, the window shows one line; the details (a "
            f"traceback, for a bug report) are written to:</p>"
            f"<p><code>{html.escape(str(path))}</code></p><p>{what}</p>")
