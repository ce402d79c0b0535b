"""Run every benchmark and print one table: each figure with its target.

``python -m bench`` from the repository root (or ``playground bench``):

* training throughput against a bare PyTorch loop timed in the same run
  (``bench/throughput.py``'s models, ``bench/views_throughput.py``'s spiral MLP
  with the views' probes, the real ``dl4b-6-spirals-deep`` preset from
  ``bench/profile_spiral.py``) and the boundary view's redraw rate;
* the app's event-loop latency while training (``bench/ui_latency.py``) and its
  start-up time (``bench/startup.py``), each run as its own process (they
  open the main window) and read from what they print;
* TF Playground's spiral on the fast path (``bench/tfp.py``): the headless
  Trainer, the app with its views, the UI thread's share of the CPU and 64
  seeds in lockstep, each against a bare eager PyTorch loop;
* ``--seeds 64`` against ``--seeds 1`` on tfp-spiral (``bench/seeds.py``): the
  seeds trained as one batch against one seed's run.

Every ratio is a median over alternating repeats; the machine's load average
is printed with the table, since a shared machine slows everything it runs.
``--quick`` uses fewer and shorter repeats (for a smoke test, not for figures).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SUITES = ("throughput", "views", "spiral", "ui_latency", "startup", "tfp", "seeds")


@dataclass(frozen=True)
class Row:
    """One figure of the table."""

    suite: str
    figure: str
    value: str
    target: str = "(info)"
    ok: bool | None = None  # None: no target

    @property
    def verdict(self) -> str:
        return "" if self.ok is None else ("ok" if self.ok else "BELOW TARGET")


def throughput_rows(seconds: float, repeats: int) -> list[Row]:
    """bench/throughput.py: Trainer vs bare loop, three models."""
    from bench import throughput

    rows = []
    for name in throughput.CASES:
        r = throughput.measure(name, seconds, repeats)
        rows.append(Row("throughput", f"{name}: trainer / bare",
                        f"{r.ratio:.3f} wall, {r.cpu_ratio:.3f} cpu ({r.trainer:.0f} / "
                        f"{r.bare:.0f})", ">= 0.90", max(r.ratio, r.cpu_ratio) >= 0.90))
    return rows


def views_rows(seconds: float, repeats: int, frames: int) -> list[Row]:
    """bench/views_throughput.py: the spiral MLP with probes; the boundary view's fps."""
    from bench import views_throughput as vt

    every = [v for v in vt.VIEW_PROBES if v != "loss"]
    configs = {"no views": [], "default views": vt.DEFAULT_VIEWS, "every view": every}
    rows = []
    for label, r in vt.throughput(configs, seconds, repeats).items():
        value = f"{r['ratio']:.3f} wall, {r['cpu_ratio']:.3f} cpu ({r['trainer']:.0f} / " \
                f"{r['bare']:.0f})"
        best = max(r["ratio"], r["cpu_ratio"])
        if label == "default views":
            rows.append(Row("views", f"spiral MLP b32, {label}: trainer / bare", value,
                            ">= 0.90", best >= 0.90))
        else:
            rows.append(Row("views", f"spiral MLP b32, {label}: trainer / bare", value))
    fps = vt.boundary_fps(frames)
    rows.append(Row("views", "boundary view redraw, 100x100 heatmap", f"{fps:.0f} fps", ">= 30",
                    fps >= 30))
    return rows


def spiral_rows(seconds: float, repeats: int) -> list[Row]:
    """bench/profile_spiral.py: the dl4b-6-spirals-deep preset with its default probes."""
    from bench import profile_spiral

    r = profile_spiral.compare(seconds, repeats)
    value = f"{r['ratio']:.3f} wall, {r['cpu_ratio']:.3f} cpu ({r['trainer']:.0f} / " \
            f"{r['bare']:.0f})"
    costs = ", ".join(f"{k} {v:.2f} ms" for k, v in r["probes"].items())
    return [Row("spiral preset", "dl4b-6-spirals-deep + probes: trainer / bare", value,
                ">= 0.90", max(r["ratio"], r["cpu_ratio"]) >= 0.90),
            Row("spiral preset", "probe cost per computation", costs)]


def tfp_rows(seconds: float, repeats: int, quick: bool) -> list[Row]:
    """bench/tfp.py: tfp-spiral on the fast path against a bare loop, headless, in the app
    (a subprocess) and as 64 copies."""
    from bench import tfp

    result = tfp.measure(seconds, repeats, app_seconds=3.0 if quick else 8.0,
                         app_runs=1 if quick else 3)
    return [Row("tfp", figure, value, target, ok)
            for figure, value, target, ok in tfp.rows(result)]


def seeds_rows(repeats: int, quick: bool) -> list[Row]:
    """bench/seeds.py: 64 seeds of tfp-spiral (batched) against one, wall time."""
    from bench import seeds

    timing = seeds.measure(1 if quick else max(1, min(repeats, 3)),
                           epochs=100 if quick else None)
    return [Row("seeds", figure, value, target, ok)
            for figure, value, target, ok in seeds.rows(timing)]


def _run_script(name: str, args: list[str], timeout: float) -> tuple[str, str]:
    """(stdout, error text) of ``python bench/<name>.py args``, offscreen."""
    script = ROOT / "bench" / f"{name}.py"
    if not script.exists():
        return "", f"bench/{name}.py is not in this checkout"
    env = dict(os.environ)
    if not any(env.get(k) for k in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")):
        env["QT_QPA_PLATFORM"] = "offscreen"
    try:
        done = subprocess.run([sys.executable, str(script), *args], capture_output=True,
                              text=True, timeout=timeout, cwd=ROOT, env=env)
    except subprocess.TimeoutExpired:
        return "", f"timed out after {timeout:.0f} s"
    if done.returncode:
        tail = (done.stderr.strip() or done.stdout.strip()).splitlines()[-1:] or ["?"]
        return done.stdout, f"exit status {done.returncode}: {tail[0]}"
    return done.stdout, ""


def parse_ui_latency(text: str) -> list[Row]:
    """Rows from ui_latency.py's output ("event-loop gaps (ms): p50 X  p99 Y  max Z")."""
    gaps = re.search(r"p50 ([\d.]+)\s+p99 ([\d.]+)\s+max ([\d.]+)", text)
    if not gaps:
        return []
    p50, p99, worst = (float(g) for g in gaps.groups())
    speed = re.search(r"training at ([\d,]+) steps/s", text)
    rows = [Row("ui latency", "event-loop gap while training, p50", f"{p50:.2f} ms"),
            Row("ui latency", "event-loop gap while training, p99", f"{p99:.2f} ms", "< 20 ms",
                p99 < 20),
            Row("ui latency", "event-loop gap while training, max", f"{worst:.2f} ms",
                "< 50 ms", worst < 50)]
    if speed:
        rows.append(Row("ui latency", "training speed meanwhile", f"{speed.group(1)} steps/s"))
    ui_cpu = re.search(r"UI thread CPU: ([\d,]+) ms per second", text)
    if ui_cpu:
        rows.append(Row("ui latency", "UI thread CPU while training", f"{ui_cpu.group(1)} ms/s"))
    return rows


def parse_startup(text: str) -> list[Row]:
    """Rows from startup.py's output ("median: ... X s; app window shown Y s", "ratio R")."""
    times = re.search(r"median: .*? ([\d.]+) s; app window shown ([\d.]+) s", text)
    ratio = re.search(r"ratio ([\d.]+)", text)
    if not (times and ratio):
        return []
    base, app = float(times.group(1)), float(times.group(2))
    r = float(ratio.group(1))
    return [Row("startup", "app window shown / import torch + PySide6", f"{r:.2f} "
                f"({app:.2f} s / {base:.2f} s)", "<= 1.5", r <= 1.5)]


def script_rows(suite: str, quick: bool) -> list[Row]:
    """Run ui_latency.py or startup.py in a process of its own and read its figures."""
    if suite == "ui_latency":
        args = ["--seconds", "3" if quick else "10"]
        out, error = _run_script("ui_latency", args, timeout=600)
        rows = parse_ui_latency(out)
    else:
        args = ["--repeats", "2" if quick else "7"]
        out, error = _run_script("startup", args, timeout=900)
        rows = parse_startup(out)
    if rows:
        return rows
    reason = error or "no figures found in its output"
    return [Row(suite.replace("_", " "), f"bench/{suite}.py", f"not measured: {reason}")]


def format_table(rows: list[Row], header: list[str]) -> str:
    """The rows as one aligned text table, with ``header`` lines above."""
    cols = [("benchmark", [r.suite for r in rows]), ("figure", [r.figure for r in rows]),
            ("value", [r.value for r in rows]), ("target", [r.target for r in rows]),
            ("", [r.verdict for r in rows])]
    widths = [max(len(title), *(len(v) for v in values)) for title, values in cols]
    lines = [*header, "  ".join(t.ljust(w) for (t, _), w in zip(cols, widths)).rstrip(),
             "  ".join("-" * w for w in widths[:-1])]
    for i in range(len(rows)):
        lines.append("  ".join(values[i].ljust(w) for (_, values), w in
                               zip(cols, widths)).rstrip())
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=SUITES, default=list(SUITES),
                        help="run only these suites")
    parser.add_argument("--quick", action="store_true",
                        help="few short repeats: checks that everything runs, not figures")
    parser.add_argument("--seconds", type=float, help="seconds per timed run")
    parser.add_argument("--repeats", type=int, help="alternating repeats per figure")
    args = parser.parse_args(argv)
    seconds = args.seconds or (0.3 if args.quick else 1.0)
    repeats = args.repeats or (3 if args.quick else 9)

    import torch

    torch.set_num_threads(1)  # what the app picks for these small models (threads.py)
    loads, rows = [os.getloadavg()[0]], []
    started = time.perf_counter()
    for suite in args.only:
        print(f"running {suite}...", file=sys.stderr, flush=True)
        if suite == "throughput":
            rows += throughput_rows(seconds, repeats)
        elif suite == "views":
            rows += views_rows(seconds, repeats, 60 if args.quick else 300)
        elif suite == "spiral":
            rows += spiral_rows(seconds, repeats)
        elif suite == "tfp":
            rows += tfp_rows(seconds, repeats, args.quick)
        elif suite == "seeds":
            rows += seeds_rows(repeats, args.quick)
        else:
            rows += script_rows(suite, args.quick)
        loads.append(os.getloadavg()[0])
    header = [f"nn-playground benchmarks: torch {torch.__version__}, "
              f"{torch.get_num_threads()} thread(s), {os.cpu_count()} cores, load average "
              f"{min(loads):.1f}-{max(loads):.1f} (median {statistics.median(loads):.1f}); "
              f"{repeats} alternating repeats of {seconds:g} s per ratio; "
              f"{time.perf_counter() - started:.0f} s in all", ""]
    print(format_table(rows, header))
    return 0 if all(r.ok is not False for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
