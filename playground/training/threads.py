"""How many CPU threads a run should use.

PyTorch splits big operations across all cores. For the small networks this
playground mostly trains, that buys nothing and costs a lot when the cores
are busy (a GUI, another run, a shared machine): measured here, iris's 4-4-3
network took 4.3 s on one thread and 121 s on two while other work kept the
cores busy, and a digits CNN 42 s against 154 s. So small models run on one
thread, and larger ones use every core only while the machine is otherwise
idle (the load average, sampled when the session is built, leaves a core free).
"""

from __future__ import annotations

import math
import os

import torch

from playground.compiler import CompiledGraph

#: Multiply-adds per training step below which one thread is used.
SMALL_STEP_MACS = 2e7


def step_macs(compiled: CompiledGraph, batch: int) -> float:
    """Rough multiply-adds of one forward pass on ``batch`` samples.

    Each weight is used once per output position: a Dense on (N, F) once, on a
    sequence (N, T, F) T times, a Conv2d's kernels H' x W' times.
    """
    total = 0.0
    for nid in compiled.layer_nodes():
        info = compiled.report.nodes[nid]
        out = info.output
        if not out or not info.inputs:
            continue
        weights = sum(p.numel() for p in compiled.node_module(nid).parameters())
        positions = math.prod(out[1:]) if len(out) > 1 else 1
        total += weights * positions
    return total * batch


def choose_threads(compiled: list[CompiledGraph], batch: int) -> int:
    """1 for small models or a busy machine, else the number torch would use by default."""
    macs = sum(step_macs(c, batch) for c in compiled)
    cores = max(torch.get_num_interop_threads(), 1)
    if macs < SMALL_STEP_MACS or cores == 1:
        return 1
    return cores if _load_average() < cores - 1 else 1


def _load_average() -> float:
    """The 1-minute load average (0 where the platform has none)."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return 0.0
