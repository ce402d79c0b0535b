"""Copies trained in two processes: the second core for ``--seeds``.

A lockstep step (:mod:`~playground.training.fused.copies`) is some thirty small
kernels, each mostly fixed cost, on one core: 64 copies of TF Playground's
spiral net step at about 4x one copy's cost. On a machine with a second core, a
forked child trains the second half of the copies while this process trains the
first. The child shares the task's data and weights copy-on-write, runs torch on
one thread (as PyTorch's own DataLoader workers do after a fork), sends its
result back through a pipe and
leaves with ``os._exit`` (nothing of the parent's, Qt included, runs in it).
Each copy is the run of one batch to rounding: the halves run the same
kernels on fewer copies (whose sums may group differently).

Only where fork is safe and worth it: Linux, two or more cores, at least
:data:`MIN_COPIES` copies on the CPU, CUDA not initialised. A child that fails
costs nothing but time: its half trains here afterwards.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

import torch
from torch import Tensor

#: Fewer copies than this train in one process (a fork and a pipe cost a few ms).
MIN_COPIES = 16

Result = TypeVar("Result")
TrainPart = Callable[[list[int], list[Mapping[str, Tensor]]], Result]


def worth_forking(copies: int, device: torch.device) -> bool:
    """True when :func:`train_in_two` may fork for ``copies`` copies on ``device``."""
    return (sys.platform.startswith("linux") and (os.cpu_count() or 1) >= 2
            and copies >= MIN_COPIES and device.type == "cpu"
            and not torch.cuda.is_initialized())


def train_in_two(train: TrainPart[Result], seeds: Sequence[int],
                 inits: Sequence[Mapping[str, Tensor]]) -> tuple[Result, Result]:
    """``train(seeds, inits)`` done as two halves at once, the second in a forked child:
    the first half's result and the second's (the caller merges them)."""
    half = len(seeds) // 2
    first_seeds, second_seeds = list(seeds[:half]), list(seeds[half:])
    first_inits, second_inits = list(inits[:half]), list(inits[half:])
    read_end, write_end = os.pipe()
    with warnings.catch_warnings():
        # Python 3.12 warns of fork in a threaded process: the child here touches no
        # other thread's state (torch on one thread, a pipe, os._exit).
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:
        os.close(read_end)
        _child(train, second_seeds, second_inits, write_end)
    os.close(write_end)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the child has the other core
    try:
        first = train(first_seeds, first_inits)
    except BaseException:
        os.kill(pid, signal.SIGKILL)
        os.close(read_end)
        os.waitpid(pid, 0)
        raise
    finally:
        torch.set_num_threads(threads)
    with os.fdopen(read_end, "rb") as pipe:
        sent = pipe.read()
    _, status = os.waitpid(pid, 0)
    second: Result | None = None
    if status == 0 and sent:
        try:
            second = pickle.loads(sent)
        except (pickle.UnpicklingError, EOFError, AttributeError, ValueError):
            second = None
    if second is None:  # the child failed: its half trains here
        second = train(second_seeds, second_inits)
    return first, second


def _child(train: TrainPart[Result], seeds: list[int], inits: list[Mapping[str, Tensor]],
           write_end: int) -> None:
    """The forked child's whole life: train, send, exit (never returns)."""
    status = 1
    try:
        torch.set_num_threads(1)
        result = train(seeds, inits)
        with os.fdopen(write_end, "wb") as pipe:
            pickle.dump(result, pipe, protocol=pickle.HIGHEST_PROTOCOL)
        status = 0
    except BaseException:  # noqa: BLE001 - the parent trains this half instead
        status = 1
    finally:
        os._exit(status)
