"""Start-up time of the app against ``python -c "import torch, PySide6.QtWidgets"``.

Each repeat launches both as fresh processes, alternating, and times from
launch to a line on their standard output: the baseline prints once its
imports are done; the app (``python -m playground gui`` with
``PLAYGROUND_EXIT_WHEN_SHOWN=1``) prints when its main window has first
painted, then exits. Target: median(app) / median(baseline) <= 1.5.

Run: ``python bench/startup.py [--repeats 7] [--preset launch-xor]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = "import torch, PySide6.QtWidgets; print('ready', flush=True)"
TARGET = 1.5


def timed(cmd: list[str], env: dict, expect: str) -> float:
    """Seconds from launch until the process prints ``expect``."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
                            cwd=ROOT, text=True)
    try:
        for line in proc.stdout:
            if line.strip() == expect:
                return time.perf_counter() - started
        raise RuntimeError(f"{' '.join(cmd)} exited without printing {expect!r}")
    finally:
        proc.stdout.close()
        proc.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--preset", default=None, help="preset to open (default: the app's)")
    args = parser.parse_args()
    env = dict(os.environ)
    if not any(env.get(k) for k in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")):
        env["QT_QPA_PLATFORM"] = "offscreen"
    app_env = {**env, "PLAYGROUND_EXIT_WHEN_SHOWN": "1"}
    app_cmd = [sys.executable, "-m", "playground", "gui"]
    if args.preset:
        app_cmd += ["--preset", args.preset]
    base_cmd = [sys.executable, "-c", BASELINE]
    timed(base_cmd, env, "ready")  # warm the file cache for both
    timed(app_cmd, app_env, "shown")
    base, app = [], []
    for i in range(args.repeats):
        base.append(timed(base_cmd, env, "ready"))
        app.append(timed(app_cmd, app_env, "shown"))
        print(f"repeat {i + 1}: baseline {base[-1]:.2f} s, app window shown {app[-1]:.2f} s",
              flush=True)
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"machine: {os.cpu_count()} CPUs, load average {load}")
    b, a = statistics.median(base), statistics.median(app)
    ratio = a / b
    print(f"median: import torch, PySide6.QtWidgets {b:.2f} s; app window shown {a:.2f} s")
    print(f"ratio {ratio:.2f} (target <= {TARGET}): {'PASS' if ratio <= TARGET else 'FAIL'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
