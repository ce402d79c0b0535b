"""The hottest path: the Trainer stepping dl4b-6-spirals-deep with its default views' probes.

Two things, both on the real preset (2-16-16-16-2, ReLU, ReLU, sigmoid,
sigmoid outputs, MSE on one-hot targets, Adam lr 0.01 eps 1e-7, batch 60 of
480 training points) on the CPU with one thread:

1. Timing, in the same run as a bare PyTorch loop of the same model, data,
   batch, optimizer and seed: the two alternate ``--repeats`` times (the
   order rotates) and each ratio uses the bare loop of its own repeat. Wall
   time and thread CPU time (``time.thread_time``) are both reported: on a
   shared, loaded machine the CPU-time ratio is the steadier one.
2. With ``--profile N``: a cProfile of N epochs of the Trainer (probes
   attached), the top functions by own time and by cumulative time.

Run: ``python bench/profile_spiral.py [--seconds 1] [--repeats 9] [--profile 400]``
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402
from torch import nn  # noqa: E402

from bench import timing  # noqa: E402
from playground.probes import attach_probes  # noqa: E402
from playground.project.presets import load_preset  # noqa: E402
from playground.run.session import build_session  # noqa: E402

PRESET = "dl4b-6-spirals-deep"


def make_session(probes: bool = True):
    """The preset on the CPU with an endless epoch target; its layout's probes attached."""
    project = load_preset(PRESET)
    session = build_session(project, device="cpu", epochs=10**8)
    torch.set_num_threads(1)
    if probes:
        attach_probes(session, project.views.get("layout", []))
    return session


def time_trainer(session, seconds: float) -> tuple[float, float]:
    """(steps per wall second, steps per thread-CPU second) of ``Trainer.run``."""
    return timing.time_trainer(session, seconds, 20)


def bare_model() -> nn.Module:
    """The preset's network written by hand."""
    return nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(),
                         nn.Linear(16, 16), nn.Sigmoid(), nn.Linear(16, 2), nn.Sigmoid())


def time_bare(session, seconds: float) -> tuple[float, float]:
    """The same training written as a plain PyTorch loop, on the session's tensors."""
    torch.manual_seed(0)
    model = bare_model()
    params = session.project.training.optimizer_params
    opt = torch.optim.Adam(model.parameters(), lr=params["lr"], eps=params["eps"],
                           betas=(params["beta1"], params["beta2"]))
    x, y = session.task.splits["train"]  # y: one-hot float targets (N, 2)
    return timing.time_loop(model, opt, nn.MSELoss(), x, y,
                            session.project.training.batch_size, seconds)


def compare(seconds: float, repeats: int) -> dict:
    """Medians of Trainer (with probes) and bare rates and of their per-repeat ratios."""
    session = make_session()
    runs = []
    for k in range(repeats):
        pair = [("bare", time_bare), ("trainer", time_trainer)]
        timed = dict((name, fn(session, seconds)) for name, fn in pair[k % 2:] + pair[:k % 2])
        (t_wall, t_cpu), (b_wall, b_cpu) = timed["trainer"], timed["bare"]
        runs.append((t_wall, b_wall, t_wall / b_wall, t_cpu, b_cpu, t_cpu / b_cpu))
    med = [statistics.median(r[i] for r in runs) for i in range(6)]
    costs = {pid: runner.cost * 1000 for pid, runner in session.trainer.probes.items()}
    return {"trainer": med[0], "bare": med[1], "ratio": med[2], "trainer_cpu": med[3],
            "bare_cpu": med[4], "cpu_ratio": med[5], "probes": costs}


def profile(epochs: int, top: int = 25) -> None:
    """cProfile ``epochs`` epochs of the Trainer with the default probes; print the top."""
    session = make_session()
    session.trainer.run(epochs=20)  # warm up
    prof = cProfile.Profile()
    prof.enable()
    session.trainer.run(epochs=session.trainer.epoch + epochs)
    prof.disable()
    stats = pstats.Stats(prof)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumtime").print_stats(top)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="seconds per timed run")
    parser.add_argument("--repeats", type=int, default=9, help="alternating repeats")
    parser.add_argument("--profile", type=int, default=0, metavar="EPOCHS",
                        help="also cProfile this many epochs")
    args = parser.parse_args(argv)
    result = compare(args.seconds, args.repeats)
    print(f"{PRESET}, default views' probes ({', '.join(result['probes']) or 'none'}), "
          "batch 60, 1 thread")
    print(f"{'':<22} {'wall steps/s':>12} {'cpu steps/s':>12}")
    print(f"{'trainer + probes':<22} {result['trainer']:>12.0f} {result['trainer_cpu']:>12.0f}")
    print(f"{'bare PyTorch loop':<22} {result['bare']:>12.0f} {result['bare_cpu']:>12.0f}")
    print(f"{'ratio (median)':<22} {result['ratio']:>12.3f} {result['cpu_ratio']:>12.3f}")
    print("probe costs: " + ", ".join(f"{k} {v:.2f} ms" for k, v in result["probes"].items()))
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; median of "
          f"{args.repeats} alternating runs of {args.seconds:g} s; torch {torch.__version__}")
    if args.profile:
        profile(args.profile)
    return result


if __name__ == "__main__":
    main()
