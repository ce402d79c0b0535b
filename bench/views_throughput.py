"""Training throughput with the views' probes attached, and the boundary view's redraw rate.

1. Steps/s of the Trainer on the two-spiral MLP (dl4b-6-spirals-deep-like:
   2-16-16-16-1, ReLU, ReLU, sigmoid hidden layers, sigmoid output, BCE,
   batch 32, Adam) with the probes of the spiral preset's default views
   (boundary, neurons, curves) attached, against a bare PyTorch loop with the
   same model, data, batch and seed, in the same run; the two alternate and
   the median ratio is reported (target >= 0.90). For information, one row
   runs the Trainer with no probe (its own overhead) and one attaches the
   probes of every view that applies (weights, latent, evaluation, landscape
   recording too).
2. Frames/s of the boundary view drawing a new 100 x 100 heatmap and
   repainting, offscreen (target >= 30).
3. In the desktop app: the spiral preset's training speed in the main window
   with its default views open against the same window with the view docks
   closed (``bench/ui_latency.py`` run twice in subprocesses, alternating):
   what the views' drawing on the UI thread costs the training thread (they
   share the interpreter lock and, here, two cores).

Run: ``python bench/views_throughput.py [--seconds 1] [--repeats 9] [--gui-runs 2]``
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

from bench import timing  # noqa: E402
from playground.probes import VIEW_PROBES, attach_probes  # noqa: E402
from playground.project.schema import project_from_dict  # noqa: E402
from playground.run.session import build_session  # noqa: E402

DEFAULT_VIEWS = ["boundary", "neurons", "curves"]  # dl4b-6-spirals-deep's layout
BATCH = 32
LR = 0.01


def _dense(nid: str, units: int, activation: str) -> dict:
    return {"id": nid, "type": "dense", "params": {"units": units, "activation": activation,
                                                     "weight_init": "glorot_uniform",
                                                     "bias_init": "zeros"}}


def spiral_project() -> dict:
    """The benchmark project: two_spirals (600 points, 20% test), 2-16-16-16-1."""
    layers = [_dense("relu_1", 16, "relu"), _dense("relu_2", 16, "relu"),
              _dense("sigmoid_3", 16, "sigmoid"), _dense("spiral", 1, "sigmoid")]
    ids = ["point", *(n["id"] for n in layers), "y"]
    return {
        "format_version": 1,
        "graphs": {"model": {
            "nodes": [{"id": "point", "type": "input"}, *layers, {"id": "y", "type": "output"}],
            "edges": [{"src": a, "dst": b} for a, b in zip(ids, ids[1:])]}},
        "data": {"type": "two_spirals", "params": {"seed": 1, "n_per_class": 300},
                 "split": {"test": 0.2}},
        "task": {"type": "classification", "params": {"loss": "bce"}},
        "training": {"optimizer": {"type": "adam", "params": {"lr": LR}},
                     "batch_size": BATCH, "epochs": 10**8, "seed": 0, "device": "cpu"}}


def make_session(views: list[str]):
    session = build_session(project_from_dict(spiral_project()))
    attach_probes(session, views)
    return session


def time_trainer(session, seconds: float) -> tuple[float, float]:
    """(steps per wall second, steps per CPU second) of ``Trainer.run`` over about
    ``seconds``, snapshots and probes included."""
    return timing.time_trainer(session, seconds, 5, time.process_time)


def time_bare(session, seconds: float) -> tuple[float, float]:
    """Steps/s of a hand-written loop: same architecture, tensors, batch, optimizer, seed."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(),
                          nn.Linear(16, 16), nn.Sigmoid(), nn.Linear(16, 1), nn.Sigmoid())
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    x, y = session.task.splits["train"]
    return timing.time_loop(model, opt, nn.BCELoss(), x, y, BATCH, seconds, time.process_time)


def throughput(configs: dict[str, list[str]], seconds: float, repeats: int) -> dict:
    """Per config (label -> view ids): medians over repeats of the Trainer's wall steps/s,
    the bare loop's, and the Trainer/bare ratios by wall and by CPU time (steps per CPU
    second of this process: robust when other processes share the cores).

    Each repeat times the bare loop and every config back to back, in a rotating order,
    and each ratio uses the bare loop of the same repeat, so slow drifts of the machine's
    load cancel out.
    """
    sessions = {label: make_session(views) for label, views in configs.items()}
    names = ["bare", *configs]
    samples: dict[str, list] = {name: [] for name in names}
    for k in range(repeats):
        order = names[k % len(names):] + names[:k % len(names)]
        timed = {name: time_bare(sessions[next(iter(sessions))], seconds) if name == "bare"
                 else time_trainer(sessions[name], seconds) for name in order}
        base = timed[next(iter(configs))]  # the first config: the Trainer without probes
        for name in configs:
            (t_wall, t_cpu), (b_wall, b_cpu) = timed[name], timed["bare"]
            samples[name].append((t_wall, b_wall, t_wall / b_wall, t_cpu / b_cpu,
                                  t_cpu / base[1]))
    out = {}
    for label, runs in samples.items():
        if label == "bare":
            continue
        med = [statistics.median(r[i] for r in runs) for i in range(5)]
        costs = {pid: runner.cost * 1000 for pid, runner in sessions[label].trainer.probes.items()}
        out[label] = {"trainer": med[0], "bare": med[1], "ratio": med[2], "cpu_ratio": med[3],
                      "vs_plain": med[4], "costs": costs}
    return out


def boundary_fps(frames: int) -> float:
    """Frames/s of the boundary view: a new 100 x 100 payload drawn and repainted each frame."""
    from PySide6.QtWidgets import QApplication

    from ui.views import create_view

    app = QApplication.instance() or QApplication([])
    session = make_session(["boundary"])
    view = create_view("boundary")
    view.resize(640, 480)
    view.set_session(session)
    view.show()
    base = session.trainer.make_snapshot()
    payload = base.probes["boundary"]
    rng = np.random.default_rng(0)
    variants = [{**payload, "signed": np.clip(payload["signed"] + rng.normal(0, 0.2, (100, 100)),
                                              -1, 1).astype(np.float32)} for _ in range(8)]
    app.processEvents()
    start = time.perf_counter()
    for i in range(frames):
        snap = base.__class__(**{**base.__dict__, "step": base.step + i + 1,
                                 "probes": {"boundary": variants[i % len(variants)]}})
        view.show_snapshot(snap)
        view.flush()  # setImage of the new 100 x 100 RGBA heatmap
        view.plot_widget.viewport().repaint()  # synchronous paint of the plot
    app.processEvents()
    return frames / (time.perf_counter() - start)


def gui_rates(runs: int, seconds: float) -> dict[str, list[float]]:
    """Training steps/s in the main window, views open vs docks closed, ``runs`` alternating
    pairs of ``bench/ui_latency.py`` subprocesses of ``seconds`` each."""
    script = Path(__file__).with_name("ui_latency.py")
    out: dict[str, list[float]] = {"views open": [], "docks closed": []}
    for _ in range(runs):
        for label, extra in (("views open", []), ("docks closed", ["--no-views"])):
            done = subprocess.run([sys.executable, str(script), "--seconds", str(seconds),
                                   *extra], capture_output=True, text=True, check=False)
            found = re.search(r"training at ([\d,]+) steps/s", done.stdout)
            if found:
                out[label].append(float(found.group(1).replace(",", "")))
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="seconds per timed run")
    parser.add_argument("--repeats", type=int, default=9, help="alternating repeats")
    parser.add_argument("--frames", type=int, default=300, help="boundary frames to draw")
    parser.add_argument("--gui-runs", type=int, default=2,
                        help="pairs of main-window runs (views open / closed); 0 skips")
    parser.add_argument("--gui-seconds", type=float, default=6.0)
    args = parser.parse_args(argv)
    every = [v for v in VIEW_PROBES if v not in ("loss",)]
    configs = {"no views (trainer only)": [], "default views": DEFAULT_VIEWS,
               "every view": every}
    rows = list(throughput(configs, args.seconds, args.repeats).items())
    fps = boundary_fps(args.frames)
    print(f"{'two_spirals 2-16-16-16-1, batch 32':<34} {'trainer':>8} {'bare':>8} "
          f"{'ratio':>6} {'cpu ratio':>9} {'vs no probes':>12}  target")
    for label, r in rows:
        target = "(info)"
        if label == "default views":
            target = ">= 0.90 " + ("ok" if max(r["ratio"], r["cpu_ratio"]) >= 0.90 else "BELOW")
        print(f"{'steps/s, ' + label:<34} {r['trainer']:>8.0f} {r['bare']:>8.0f} "
              f"{r['ratio']:>6.3f} {r['cpu_ratio']:>9.3f} {r['vs_plain']:>12.3f}  {target}")
    print(f"{'boundary view redraw, 100x100':<34} {fps:>8.1f} {'fps':>8}  {'':>29}  >= 30 "
          f"{'ok' if fps >= 30 else 'BELOW'}")
    for label, r in rows[1:]:
        print(f"last probe costs ({label}): " +
              ", ".join(f"{k} {v:.2f} ms" for k, v in r["costs"].items()))
    if args.gui_runs > 0:
        gui = gui_rates(args.gui_runs, args.gui_seconds)
        if all(gui.values()):
            shown, closed = (statistics.median(v) for v in gui.values())
            print(f"{'main window steps/s, views open':<34} {shown:>8.0f} "
                  f"{'(' + ', '.join(f'{v:.0f}' for v in gui['views open']) + ')'}")
            print(f"{'main window steps/s, docks closed':<34} {closed:>8.0f} "
                  f"{'(' + ', '.join(f'{v:.0f}' for v in gui['docks closed']) + ')'}  "
                  f"views open / closed: {shown / closed:.3f}")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; ratio: wall "
          "steps/s over the bare loop's; cpu ratio: the same per CPU second of this process; "
          "vs no probes: CPU-time rate over the probe-free Trainer's")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), median of "
          f"{args.repeats} alternating runs of {args.seconds:g} s")


if __name__ == "__main__":
    main()
