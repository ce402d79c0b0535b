"""The app training TF Playground's spiral: its speed and the UI thread's share of the CPU.

Opens the main window on ``tfp-spiral`` with its default views (boundary, neuron maps,
curves; the editor shows the neuron maps on the nodes), presses Play with the epochs
raised so the run outlasts the measurement, warms up, then for ``--seconds`` counts the
training steps, the process's CPU time and the UI thread's own CPU time. Prints one
line that ``bench/tfp.py`` reads::

    steps/s wall W, per process CPU s C; UI thread S% of process CPU; frames ...

Run: ``python bench/tfp_app.py [--seconds 6]`` (offscreen when there is no display).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.ui_latency import wait  # noqa: E402
from ui.app import make_application  # noqa: E402

PRESET = "tfp-spiral"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--preset", default=PRESET)
    parser.add_argument("--size", default="1366x768", help="window size")
    args = parser.parse_args()

    app = make_application(headless_ok=True)
    from PySide6.QtCore import QSettings, QTimer

    from playground.project.presets import load_preset
    from ui.window.main_window import MainWindow
    from ui.window.project_files import ProjectFiles

    folder = Path(tempfile.mkdtemp(prefix="playground-bench-"))
    settings = QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(load_preset(args.preset), files=ProjectFiles(settings, folder),
                        autosave=False)
    width, height = (int(v) for v in args.size.split("x"))
    window.resize(width, height)
    window.show()
    run = window.run
    wait(app, 180, lambda: run.session is not None or bool(run.build_error))
    if run.session is None:
        print(f"error: {run.build_error}", file=sys.stderr)
        return 1
    run.worker.set_epochs(10**8)  # the run must outlast the measurement
    run.play()
    wait(app, 60, lambda: run.state == "running")
    wait(app, args.warmup)

    QTimer.singleShot(int(args.seconds * 1000), app.quit)
    step0 = run.latest.step if run.latest else 0
    frames0 = {vid: view.frames for vid, view in window.views.views.items()}
    started, process0, ui0 = time.perf_counter(), time.process_time(), time.thread_time()
    app.exec()
    elapsed = time.perf_counter() - started
    process_cpu, ui_cpu = time.process_time() - process0, time.thread_time() - ui0
    steps = (run.latest.step if run.latest else 0) - step0
    frames = {vid: view.frames - frames0.get(vid, 0) for vid, view in window.views.views.items()}
    engine = run.session.trainer.engine if run.session is not None else "?"
    from ui.views.frames import GOVERNOR
    window.close()
    print(f"{args.preset} ({engine}) for {elapsed:.1f} s: steps/s wall {steps / elapsed:.1f}, "
          f"per process CPU s {steps / max(process_cpu, 1e-9):.1f}; UI thread "
          f"{100 * ui_cpu / max(process_cpu, 1e-9):.1f}% of process CPU; frames "
          + ", ".join(f"{k} {v}" for k, v in frames.items())
          + f"; least frame interval {GOVERNOR.frame_ms:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
