"""``--seeds 64`` against ``--seeds 1`` on tfp-spiral, in one process: what batching buys.

Issue 17's target: 64 seeds of tfp-spiral take at most 2x the wall time of one.
Both are :func:`~playground.run.seeds.run_seeds`, the work ``playground run
tfp-spiral --seeds K`` does once the preset is loaded (sessions built, trained,
final metrics measured, checks spread); K = 64 takes the batched path, K = 1
the sequential one (a lone seed is one run). Runs alternate, the ratio is the
median of each repeat's ratio; 64 sequential runs would take about 64x.

``python bench/seeds.py [--repeats N] [--epochs E]`` or ``python -m bench --only seeds``.
"""

from __future__ import annotations

import argparse
import os
import statistics
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

    @property
    def ratios(self) -> list[float]:
        return [m / o for m, o in zip(self.many, self.one)]

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


def measure(repeats: int, epochs: int | None = None, copies: int = COPIES) -> SeedsTiming:
    """Alternating runs of ``copies`` seeds and of one (after one untimed warm-up of each)."""
    time_seeds(2, 2)  # imports, first compile, allocator: paid by neither side
    many, one, many_cpu, one_cpu, engines = [], [], [], [], ("", "")
    for k in range(repeats):
        order = (copies, 1) if k % 2 == 0 else (1, copies)
        got = {count: time_seeds(count, epochs) for count in order}
        many.append(got[copies][0])
        one.append(got[1][0])
        many_cpu.append(got[copies][1])
        one_cpu.append(got[1][1])
        engines = (got[copies][2], got[1][2])
    project = load_preset(PRESET)
    return SeedsTiming(many, one, engines, epochs or project.training.epochs, many_cpu, one_cpu)


def rows(timing: SeedsTiming, copies: int = COPIES) -> list[tuple[str, str, str, bool | None]]:
    """(figure, value, target, ok) rows."""
    ratio = statistics.median(timing.ratios)
    many, one = statistics.median(timing.many), statistics.median(timing.one)
    spread = f"{min(timing.ratios):.2f}-{max(timing.ratios):.2f}"
    return [
        (f"{PRESET}, {timing.epochs} epochs: --seeds {copies} / --seeds 1, wall",
         f"{ratio:.2f}x ({spread}); {many:.1f} s / {one:.1f} s", f"<= {TARGET:g}x",
         ratio <= TARGET),
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
        print(f"{figure:<58} {value:<36} {target:<8} {verdict}")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; medians of "
          f"{args.repeats} alternating repeats")
    return 0


if __name__ == "__main__":
    sys.exit(main())
