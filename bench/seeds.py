"""``--seeds 64`` against ``--seeds 1`` on tfp-spiral: what batching buys.

Issue 17's target: ``playground run tfp-spiral --seeds 64`` takes at most 2x the wall
time of ``--seeds 1``. Two measures, both printed:

1. **the command** (the target's measure): ``python -m playground run tfp-spiral
   --seeds K --json`` in a subprocess, start to exit, as a user waits for it (imports,
   preset, training, checks, report);
2. **in process** (for information): :func:`~playground.run.seeds.run_seeds` alone, the
   work the command does once the preset is loaded (sessions built, trained, final
   metrics measured, checks spread), imports and start-up excluded. This ratio is the
   stricter one: the fast path (issue 16) made one seed's 25,000 steps about 7x cheaper
   than an eager PyTorch loop's, and 64 copies' batched step costs about 4x one copy's.

K = 64 takes the batched path, K = 1 the sequential one (a lone seed is one run). Runs
alternate, each ratio is the median of each repeat's ratio; 64 sequential runs would
take about 64x.

``python bench/seeds.py [--repeats N] [--epochs E]`` or ``python -m bench --only seeds``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from playground.project.presets import load_preset  # noqa: E402
from playground.run.seeds import run_seeds  # noqa: E402

PRESET = "tfp-spiral"
COPIES = 64
#: The wall time of 64 seeds over one seed's (issue 17).
TARGET = 2.0


@dataclass
class SeedsTiming:
    """Wall seconds of K seeds and of one, per repeat, and the paths they took."""

    many: list[float]
    one: list[float]
    engines: tuple[str, str]
    epochs: int
    many_cpu: list[float]
    one_cpu: list[float]
    command_many: list[float]
    command_one: list[float]

    @property
    def ratios(self) -> list[float]:
        return [m / o for m, o in zip(self.many, self.one)]

    @property
    def command_ratios(self) -> list[float]:
        return [m / o for m, o in zip(self.command_many, self.command_one)]

    @property
    def cpu_ratios(self) -> list[float]:
        return [m / o for m, o in zip(self.many_cpu, self.one_cpu)]


def time_seeds(count: int, epochs: int | None) -> tuple[float, float, str]:
    """Wall and process-CPU seconds of ``run_seeds`` with ``count`` seeds of the preset,
    and its engine."""
    project = load_preset(PRESET)
    started, cpu = time.perf_counter(), time.process_time()
    result = run_seeds(project, count, device="cpu", epochs=epochs)
    return time.perf_counter() - started, time.process_time() - cpu, result.engine


def time_command(count: int, epochs: int | None) -> float:
    """Wall seconds of ``python -m playground run PRESET --seeds count --json`` (its exit
    code says whether the checks held: either is a finished run here)."""
    command = [sys.executable, "-m", "playground", "run", PRESET, "--seeds", str(count),
               "--json", "--device", "cpu"]
    if epochs is not None:
        command += ["--epochs", str(epochs)]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=1800)
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):
        tail = (done.stderr.strip() or done.stdout.strip()).splitlines()[-1:] or ["?"]
        raise RuntimeError(f"{' '.join(command[1:])} exited {done.returncode}: {tail[0]}")
    return seconds


def measure(repeats: int, epochs: int | None = None, copies: int = COPIES) -> SeedsTiming:
    """Alternating runs of ``copies`` seeds and of one (after one untimed warm-up of each)."""
    time_seeds(2, 2)  # imports, first compile, allocator: paid by neither side
    many, one, many_cpu, one_cpu, engines = [], [], [], [], ("", "")
    command_many, command_one = [], []
    for k in range(repeats):
        order = (copies, 1) if k % 2 == 0 else (1, copies)
        commands = {count: time_command(count, epochs) for count in order}
        command_many.append(commands[copies])
        command_one.append(commands[1])
        got = {count: time_seeds(count, epochs) for count in order}
        many.append(got[copies][0])
        one.append(got[1][0])
        many_cpu.append(got[copies][1])
        one_cpu.append(got[1][1])
        engines = (got[copies][2], got[1][2])
    project = load_preset(PRESET)
    return SeedsTiming(many, one, engines, epochs or project.training.epochs, many_cpu, one_cpu,
                       command_many, command_one)


def rows(timing: SeedsTiming, copies: int = COPIES) -> list[tuple[str, str, str, bool | None]]:
    """(figure, value, target, ok) rows."""
    ratio = statistics.median(timing.ratios)
    many, one = statistics.median(timing.many), statistics.median(timing.one)
    spread = f"{min(timing.ratios):.2f}-{max(timing.ratios):.2f}"
    command = statistics.median(timing.command_ratios)
    return [
        (f"playground run {PRESET} --seeds {copies} / --seeds 1, wall ({timing.epochs} epochs)",
         f"{command:.2f}x ({min(timing.command_ratios):.2f}-{max(timing.command_ratios):.2f}); "
         f"{statistics.median(timing.command_many):.1f} s / "
         f"{statistics.median(timing.command_one):.1f} s", f"<= {TARGET:g}x",
         command <= TARGET),
        ("the same in process (run_seeds only, start-up excluded), wall",
         f"{ratio:.2f}x ({spread}); {many:.1f} s / {one:.1f} s", f"(info; {TARGET:g}x)", None),
        ("the same, process CPU time (steadier on a shared machine)",
         f"{statistics.median(timing.cpu_ratios):.2f}x ({min(timing.cpu_ratios):.2f}-"
         f"{max(timing.cpu_ratios):.2f}); {statistics.median(timing.many_cpu):.1f} s / "
         f"{statistics.median(timing.one_cpu):.1f} s", "(info)", None),
        (f"--seeds {copies} against {copies} sequential runs (~{copies} x --seeds 1)",
         f"{copies * one / many:.1f}x faster", "(info)", None),
        ("paths taken", f"--seeds {copies}: {timing.engines[0]}; --seeds 1: "
         f"{timing.engines[1]}", "(info)", None),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="alternating repeats")
    parser.add_argument("--epochs", type=int, help="override the preset's 1000 epochs")
    args = parser.parse_args(argv)
    timing = measure(args.repeats, args.epochs)
    for figure, value, target, ok in rows(timing):
        verdict = "" if ok is None else ("ok" if ok else "BELOW TARGET")
        print(f"{figure:<68} {value:<40} {target:<12} {verdict}")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; medians of "
          f"{args.repeats} alternating repeats")
    return 0


if __name__ == "__main__":
    sys.exit(main())
