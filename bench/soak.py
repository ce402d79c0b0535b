"""Soak: the main window trains for a long time with every view open; memory must stay flat.

Opens ``--preset`` (default the spiral preset) with every view in its layout, presses Play
with an endless epoch count, and every ``--every`` seconds records the process's resident
memory, the training speed, and the event loop's responsiveness over that interval (the
gaps between ticks of a 1 ms timer, p99 and max). Prints the curve and a verdict:

* memory: growth from the end of the warm-up (the first 10% of the run, at least 60 s)
  to the end must stay under ``--max-growth`` MB (curves downsample, snapshots are
  replaced, not kept), and the second half must not grow faster than the first;
* latency: the worst interval's p99 gap against the app's target (< 20 ms).

Run: ``python bench/soak.py [--minutes 30] [--every 30] [--csv soak.csv]``
(offscreen when there is no display).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
if not any(os.environ.get(k) for k in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")):
    os.environ["QT_QPA_PLATFORM"] = "offscreen"

TARGET_P99_MS = 20.0


def rss_mb() -> float:
    """Resident memory of this process in MB (peak RSS where /proc is missing)."""
    try:
        with open("/proc/self/status") as f:
            return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1)) / 1024
    except (OSError, AttributeError):
        import resource
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def all_views() -> list[str]:
    """Every view id a layout may name (the curves view last)."""
    from playground.probes import VIEW_PROBES
    return [v for v in VIEW_PROBES if v not in ("loss", "curves")] + ["curves"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--every", type=float, default=30.0, help="seconds between samples")
    parser.add_argument("--preset", default="dl4b-6-spirals-deep")
    parser.add_argument("--max-growth", type=float, default=50.0, help="MB after warm-up")
    parser.add_argument("--csv", help="also write the curve to this CSV file")
    args = parser.parse_args(argv)

    from PySide6.QtCore import QSettings, Qt, QTimer

    from playground.project.presets import load_preset
    from ui.app import make_application
    from ui.window.main_window import MainWindow
    from ui.window.project_files import ProjectFiles

    app = make_application(headless_ok=True)
    import tempfile
    folder = Path(tempfile.mkdtemp(prefix="playground-soak-"))
    project = load_preset(args.preset)
    project.views = {**project.views, "layout": all_views()}
    window = MainWindow(project, autosave=False, files=ProjectFiles(
        QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat), folder))
    window.resize(1800, 1050)
    window.show()
    run = window.run
    deadline = time.perf_counter() + 180
    while run.session is None and not run.build_error and time.perf_counter() < deadline:
        app.processEvents()
        time.sleep(0.005)
    if run.session is None:
        print(f"error: {run.build_error or 'no session'}", file=sys.stderr)
        return 1
    run.worker.set_epochs(10**8)
    run.play()

    ticks: list[float] = []
    samples: list[dict] = []
    started = time.perf_counter()
    last = {"t": started, "step": 0}

    def sample() -> None:
        now = time.perf_counter()
        step = run.latest.step if run.latest else 0
        gaps = np.diff(np.asarray(ticks)) * 1000.0 if len(ticks) > 1 else np.zeros(1)
        ticks[:] = ticks[-1:]
        trainer = run.session.trainer if run.session else None
        points = sum(len(s) for s in trainer.history.series.values()) if trainer else 0
        samples.append({"seconds": now - started, "rss_mb": rss_mb(),
                        "steps_per_s": (step - last["step"]) / max(now - last["t"], 1e-9),
                        "p99_ms": float(np.percentile(gaps, 99)), "max_ms": float(gaps.max()),
                        "history_points": points, "step": step})
        last.update(t=now, step=step)
        s = samples[-1]
        print(f"{s['seconds'] / 60:6.1f} min  rss {s['rss_mb']:7.1f} MB  "
              f"{s['steps_per_s']:7.0f} steps/s  gap p99 {s['p99_ms']:6.2f} ms  "
              f"max {s['max_ms']:7.2f} ms  curve points {points}", flush=True)

    ticker = QTimer(interval=1, timerType=Qt.TimerType.PreciseTimer)
    ticker.timeout.connect(lambda: ticks.append(time.perf_counter()))
    sampler = QTimer(interval=int(args.every * 1000))
    sampler.timeout.connect(sample)
    QTimer.singleShot(int(args.minutes * 60_000), app.quit)
    ticker.start()
    sampler.start()
    samples.append({"seconds": 0.0, "rss_mb": rss_mb(), "steps_per_s": 0.0, "p99_ms": 0.0,
                    "max_ms": 0.0, "history_points": 0, "step": 0})
    app.exec()
    ticker.stop()
    sampler.stop()
    if time.perf_counter() - last["t"] > 1.0:  # a last sample unless one was just taken
        sample()
    views = ", ".join(window.views.view_ids)
    window.close()
    return report(samples, args, views)


def report(samples: list[dict], args: argparse.Namespace, views: str) -> int:
    """Print the verdict; write the CSV; exit status 0 when memory stayed flat."""
    if args.csv:
        keys = list(samples[0])
        with open(args.csv, "w", encoding="utf-8") as f:
            f.write(",".join(keys) + "\n")
            for s in samples:
                f.write(",".join(f"{s[k]:.3f}" for k in keys) + "\n")
    warm = max(60.0, 0.1 * args.minutes * 60)
    after = [s for s in samples if s["seconds"] >= warm] or samples[-1:]
    start, end = after[0], samples[-1]
    growth = end["rss_mb"] - start["rss_mb"]
    middle = after[len(after) // 2]
    first_half, second_half = middle["rss_mb"] - start["rss_mb"], end["rss_mb"] - middle["rss_mb"]
    worst_p99 = max(s["p99_ms"] for s in samples[1:]) if len(samples) > 1 else 0.0
    flat = growth <= args.max_growth and second_half <= max(first_half, 0) + 10
    print(f"soak: {args.preset}, {args.minutes:g} min with views {views}; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"memory: {samples[0]['rss_mb']:.0f} MB at start, {start['rss_mb']:.0f} MB after "
          f"warm-up ({start['seconds'] / 60:.1f} min), {end['rss_mb']:.0f} MB at the end: "
          f"growth {growth:+.1f} MB (first half {first_half:+.1f}, second half "
          f"{second_half:+.1f}); target <= {args.max_growth:g} MB: "
          f"{'PASS' if flat else 'FAIL'}")
    print(f"latency: worst interval p99 {worst_p99:.2f} ms (target < {TARGET_P99_MS:g}), "
          f"worst gap {max(s['max_ms'] for s in samples):.2f} ms; steps "
          f"{end['step']:,}")
    return 0 if flat else 1


if __name__ == "__main__":
    sys.exit(main())
