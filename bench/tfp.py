"""TF Playground's spiral at its engine's speed: the fast path against a bare PyTorch loop.

The ``tfp-spiral`` preset (2-8-8-8-1 tanh, half squared error, SGD lr 0.03, batch 10,
250 training points: 25 updates per epoch) trained four ways, each against a bare eager
PyTorch loop on the same data and initial weights timed in the same run, alternating
(the order rotates each repeat, and each ratio uses the bare loop of its own repeat):

1. the headless Trainer (fast path), no views: epochs/s over the bare loop's (target >= 7x,
   about TF Playground's engine); for information also with the default views' probes,
   and on the autograd path;
2. the app: the main window with the preset's default views, training, in a subprocess
   (``bench/tfp_app.py``): epochs per process CPU second over the bare loop's (target >= 5x),
   and the UI thread's share of the process's CPU time while training (target <= 15%);
3. K = 64 seeds in lockstep (``train_copies``): total epochs per CPU second over one bare
   run's (target >= 50x).

Rates are per CPU second of the timed thread (the app: of the whole process), the
steadier measure on a shared machine; wall-clock ratios are printed beside them.

Run: ``python bench/tfp.py [--seconds 1] [--repeats 5] [--app-seconds 6]``
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

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from bench import timing  # noqa: E402
from playground.probes import attach_probes  # noqa: E402
from playground.project.presets import load_preset  # noqa: E402
from playground.run.session import Session, build_session  # noqa: E402
from playground.training.fused.copies import initial_weights, train_copies  # noqa: E402

PRESET = "tfp-spiral"
COPIES = 64
TARGETS = {"trainer": 7.0, "app": 5.0, "ui_share": 0.15, "copies": 50.0}


def make_session(fast_path: bool = True, views: bool = False) -> Session:
    """The preset on the CPU, one thread, with an endless epoch target."""
    project = load_preset(PRESET)
    project.training = project.training.with_(fast_path=fast_path, device="cpu",
                                              epochs=10**8)
    session = build_session(project)
    torch.set_num_threads(1)
    if views:
        attach_probes(session, project.views.get("layout", []))
    return session


def bare_model(session: Session) -> nn.Module:
    """The preset's network by hand, starting from the session's initial weights."""
    sizes = [2, 8, 8, 8, 1]
    layers: list[nn.Module] = []
    for a, b in zip(sizes, sizes[1:]):
        layers += [nn.Linear(a, b), nn.Tanh()]
    model = nn.Sequential(*layers)
    weights = list(initial_weights(session.task, [session.project.training.seed])[0].values())
    with torch.no_grad():
        for p, w in zip(model.parameters(), weights):
            p.copy_(w)
    return model


def half_mse(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return 0.5 * F.mse_loss(out, y)


def time_bare(session: Session, seconds: float) -> tuple[float, float]:
    """(wall, thread-CPU) steps/s of an eager loop: zero_grad, forward, backward, SGD step."""
    model = bare_model(session)
    opt = torch.optim.SGD(model.parameters(), lr=session.project.training.optimizer_params["lr"])
    x, y = session.task.splits["train"]  # y: -1/+1 floats (N, 1), as the task trains on
    return timing.time_loop(model, opt, half_mse, x, y, session.project.training.batch_size,
                            seconds)


def time_trainer(session: Session, seconds: float) -> tuple[float, float]:
    return timing.time_trainer(session, seconds, 20)


def time_copies(session: Session, seconds: float, inits: list) -> tuple[float, float]:
    """(wall, thread-CPU) copy-steps/s of train_copies: K seeds, evaluated as by default,
    in this process alone (the batching's figure; the second process that ``--seeds``
    adds on a two-core Linux machine is measured by bench/seeds.py, and its CPU time
    would not show in this thread's)."""
    k, per_epoch = len(inits), session.task.steps_per_epoch()
    seeds = list(range(k))
    train_copies(session.task, seeds, inits, epochs=2, processes=1)  # warm-up: buffers
    start, cpu = time.perf_counter(), time.thread_time()
    result = train_copies(session.task, seeds, inits, epochs=5, processes=1)
    rate = 5 / max(time.perf_counter() - start, 1e-9)
    epochs = max(5, int(rate * seconds))
    start, cpu = time.perf_counter(), time.thread_time()
    result = train_copies(session.task, seeds, inits, epochs=epochs, processes=1)
    assert result.states == ["finished"] * k
    steps = k * epochs * per_epoch
    return steps / (time.perf_counter() - start), steps / (time.thread_time() - cpu)


@dataclass
class AppRun:
    """What one ``bench/tfp_app.py`` run printed."""

    steps_per_wall_s: float
    steps_per_cpu_s: float
    ui_share: float
    frames: str


def run_app(seconds: float, warmup: float = 2.0) -> AppRun | str:
    """One main-window run in a subprocess; its figures, or why there are none."""
    script = Path(__file__).with_name("tfp_app.py")
    env = dict(os.environ)
    if not any(env.get(k) for k in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")):
        env["QT_QPA_PLATFORM"] = "offscreen"
    try:
        done = subprocess.run([sys.executable, str(script), "--seconds", str(seconds),
                               "--warmup", str(warmup)], capture_output=True, text=True,
                              timeout=seconds * 4 + 180, env=env)
    except subprocess.TimeoutExpired:
        return "timed out"
    found = re.search(r"steps/s wall ([\d.]+), per process CPU s ([\d.]+); UI thread "
                      r"([\d.]+)% of process CPU; frames ([^;\n]*)", done.stdout)
    if not found:
        tail = (done.stderr.strip() or done.stdout.strip()).splitlines()[-1:] or ["?"]
        return f"no figures (exit {done.returncode}: {tail[0]})"
    return AppRun(float(found.group(1)), float(found.group(2)), float(found.group(3)) / 100,
                  found.group(4))


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def measure(seconds: float, repeats: int, app_seconds: float, app_runs: int) -> dict:
    """Every figure: medians of per-repeat ratios (each against its own repeat's bare loop),
    and the spread (min-max) of each."""
    fast, probed, slow = make_session(), make_session(views=True), make_session(False)
    inits = initial_weights(fast.task, list(range(COPIES)))
    names = ["bare", "trainer", "trainer+probes", "autograd", "copies"]
    ratios: dict[str, list[tuple[float, float]]] = {n: [] for n in names[1:]}
    bare_rates: list[float] = []
    for k in range(repeats):
        order = names[k % len(names):] + names[:k % len(names)]
        timed = {}
        for name in order:
            if name == "bare":
                timed[name] = time_bare(fast, seconds)
            elif name == "copies":
                timed[name] = time_copies(fast, seconds, inits)
            else:
                session = {"trainer": fast, "trainer+probes": probed, "autograd": slow}[name]
                timed[name] = time_trainer(session, seconds)
        bare_rates.append(timed["bare"][1])
        for name in names[1:]:
            ratios[name].append((timed[name][0] / timed["bare"][0],
                                 timed[name][1] / timed["bare"][1]))
    app: list[tuple[AppRun, float]] = []
    notes = []
    for _ in range(app_runs):  # each app run beside a bare loop of its own
        bare = time_bare(fast, seconds)[1]
        got = run_app(app_seconds)
        if isinstance(got, str):
            notes.append(got)
        else:
            app.append((got, bare))
    per_epoch = fast.task.steps_per_epoch()
    return {"ratios": ratios, "bare_epochs_cpu": [r / per_epoch for r in bare_rates],
            "app": app, "app_notes": notes, "per_epoch": per_epoch}


def rows(result: dict) -> list[tuple[str, str, str, bool | None]]:
    """(figure, value, target, ok) rows of :func:`measure`'s result."""
    out = []
    labels = {"trainer": "headless Trainer (fast path) / bare loop",
              "trainer+probes": "headless Trainer + default views' probes / bare loop",
              "autograd": "headless Trainer, fast path off (autograd) / bare loop",
              "copies": f"K = {COPIES} copies in lockstep, total / one bare run"}
    targets = {"trainer": TARGETS["trainer"], "copies": TARGETS["copies"]}
    for name, label in labels.items():
        cpu = [c for _, c in result["ratios"][name]]
        wall = [w for w, _ in result["ratios"][name]]
        value = (f"{_median(cpu):.2f}x cpu ({min(cpu):.2f}-{max(cpu):.2f}), "
                 f"{_median(wall):.2f}x wall")
        target = targets.get(name)
        out.append((label, value, f">= {target:g}x" if target else "(info)",
                    None if target is None else _median(cpu) >= target))
    bare = result["bare_epochs_cpu"]
    out.append(("bare eager PyTorch loop", f"{_median(bare):.0f} epochs per CPU s "
                f"({min(bare):.0f}-{max(bare):.0f})", "(info)", None))
    if result["app"]:
        per_epoch = result["per_epoch"]
        ratio = [a.steps_per_cpu_s / b for a, b in result["app"]]  # both steps per CPU s
        shares = [a.ui_share for a, _ in result["app"]]
        wall = [a.steps_per_wall_s / per_epoch for a, _ in result["app"]]
        out.append(("app, main window + default views / bare loop",
                    f"{_median(ratio):.2f}x cpu ({min(ratio):.2f}-{max(ratio):.2f}); "
                    f"{_median(wall):.0f} epochs/s wall", f">= {TARGETS['app']:g}x",
                    _median(ratio) >= TARGETS["app"]))
        out.append(("app: UI thread's share of process CPU while training",
                    f"{_median(shares):.1%} ({min(shares):.1%}-{max(shares):.1%})",
                    f"<= {TARGETS['ui_share']:.0%}", _median(shares) <= TARGETS["ui_share"]))
        out.append(("app: frames drawn per view", result["app"][-1][0].frames, "(info)", None))
    else:
        out.append(("app, main window + default views", "not measured: " +
                    "; ".join(result["app_notes"] or ["no run"]), f">= {TARGETS['app']:g}x",
                    False))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="seconds per timed run")
    parser.add_argument("--repeats", type=int, default=5, help="alternating repeats")
    parser.add_argument("--app-seconds", type=float, default=6.0)
    parser.add_argument("--app-runs", type=int, default=2)
    args = parser.parse_args(argv)
    result = measure(args.seconds, args.repeats, args.app_seconds, args.app_runs)
    for figure, value, target, ok in rows(result):
        verdict = "" if ok is None else ("ok" if ok else "BELOW TARGET")
        print(f"{figure:<58} {value:<44} {target:<8} {verdict}")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; torch "
          f"{torch.__version__}; medians of {args.repeats} alternating repeats of "
          f"{args.seconds:g} s (min-max in brackets); app: {args.app_runs} runs of "
          f"{args.app_seconds:g} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
