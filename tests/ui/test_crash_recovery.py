"""Crash recovery with a real process: SIGKILL the app while it trains and edits; on restart
the recovery file is offered, and at most the edits of the last autosave interval are lost.

The app runs in tests/ui/crash_driver.py (same main window, offscreen, settings and recovery
folder in tmp_path); this test reads its output lines and kills it.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

DRIVER = Path(__file__).with_name("crash_driver.py")
ROOT = DRIVER.parents[2]
#: Seconds to wait for the first training step (builds import torch's optimizers).
START_TIMEOUT = 180

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")


def spawn(mode: str, folder: Path) -> subprocess.Popen:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, str(DRIVER), mode, str(folder)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def lines_of(proc: subprocess.Popen) -> queue.Queue:
    """A queue receiving the process's stdout lines as they come (None at the end)."""
    out: queue.Queue = queue.Queue()

    def pump() -> None:
        for line in proc.stdout:
            out.put(line.strip())
        out.put(None)

    threading.Thread(target=pump, daemon=True).start()
    return out


def read_until(out: queue.Queue, log: list[str], done, timeout: float) -> None:
    end = time.monotonic() + timeout
    while not done():
        line = out.get(timeout=max(end - time.monotonic(), 0.01))
        if line is None:
            raise AssertionError(f"the app exited early; it printed {log}")
        log.append(line)


def test_sigkill_while_training_and_editing_loses_at_most_one_autosave_interval(tmp_path):
    app = spawn("edit", tmp_path)
    out, log = lines_of(app), []
    try:
        read_until(out, log, lambda: "training" in log, START_TIMEOUT)
        # Two bursts end in autosaves; then kill in the middle of the third burst.
        read_until(out, log, lambda: sum(x.startswith("autosaved") for x in log) >= 2, 60)
        saved_before = [x for x in log if x.startswith("edit")]
        read_until(out, log, lambda: len([x for x in log if x.startswith("edit")])
                   >= len(saved_before) + 2, 30)
        app.send_signal(signal.SIGKILL)  # no clean-up, no last save: a crash
        app.wait(timeout=30)
    finally:
        if app.poll() is None:
            app.kill()
        app.stdout.close()
        app.stderr.close()
    assert app.returncode == -signal.SIGKILL
    edits = [int(x.split()[1]) for x in log if x.startswith("edit")]
    autosaved = [int(x.split()[1]) for x in log if x.startswith("autosaved")]
    assert len(list((tmp_path / "recovery").glob("recovery-*.json"))) == 1

    again = spawn("recover", tmp_path)
    stdout, stderr = again.communicate(timeout=START_TIMEOUT)
    assert again.returncode == 0, stderr
    state = json.loads(stdout.strip().splitlines()[-1])
    assert state["offered"] and state["restored"] and state["modified"]
    recovered = state["units"] - 6  # the edit number the recovery file holds
    assert recovered == autosaved[-1] == state["editor_units"] - 6
    last_save = max(i for i, x in enumerate(log) if x.startswith("autosaved"))
    unsaved = [x for x in log[last_save:] if x.startswith("edit")]
    # What is lost is exactly what was edited after the last autosave: the driver edits in
    # bursts of 3, each followed by a pause that lets the 3 s autosave fire.
    assert edits[-1] - recovered == len(unsaved) and 1 <= len(unsaved) <= 3, log
    print(f"edits 1..{edits[-1]}, autosaved at {autosaved}, recovered edit {recovered}, "
          f"lost {len(unsaved)}")
