"""Every size limit of the playground, and the one memory budget they share.

A valid-looking file can ask for more memory or time than the machine has: a
dataset of 10^8 months, windows of 10^5 steps, a checkpoint tensor of 10^11
elements, a model whose activations for one batch take 33 GB, a graph of
20 000 nodes. Each of these is *estimated before anything is allocated* and
refused above the budget, with a message naming the parameter (or the node)
to change.

The memory budget
    :func:`memory_budget`: half of the memory available when the check runs
    (``MemAvailable``; the physical RAM where the platform does not say), or
    what the environment variable :data:`MEMORY_ENV` says
    (``PLAYGROUND_MEMORY_LIMIT=8G``; K, M, G and T suffixes, powers of 1024).
    Each of these must fit in it on its own: a dataset while it is generated
    and split; a model's training state (:data:`BYTES_PER_PARAM` per
    parameter) plus one batch's activations; the tensors of a checkpoint.

Fixed limits (module constants; tests and power users may change them)
    :data:`MAX_PARAMS` parameters per model, :data:`MAX_NODE_ELEMENTS` values
    per sample in one node's output, :data:`MAX_GRAPH_NODES` nodes and
    :data:`MAX_GRAPH_EDGES` edges per graph (a graph below them compiles in
    about a second), :data:`MAX_PASTE_NODES` nodes per paste.

This module imports nothing of the playground, so that every
layer of the core (graph, data, export) can use it.
"""

from __future__ import annotations

import os
import re

#: Environment variable that sets the memory budget ("8G", "512M", "2000000000").
MEMORY_ENV = "PLAYGROUND_MEMORY_LIMIT"
#: Share of the available memory the budget is, when the variable is not set.
MEMORY_FRACTION = 0.5
#: Budget when the platform tells nothing about its memory.
FALLBACK_BUDGET = 4 * 2**30

#: Largest number of trainable parameters a model may have, whatever the RAM.
MAX_PARAMS = 200_000_000
#: float32 weight + gradient + two optimizer moments.
BYTES_PER_PARAM = 16
#: Largest per-sample output of one node (2**27 float32 values: 512 MB per sample).
MAX_NODE_ELEMENTS = 2**27
#: Bytes of memory per activation value while training: the float32 output kept for the
#: backward pass, its gradient, and as much again of workspace (pre-activations, masks).
BYTES_PER_ACTIVATION = 12
#: Samples evaluated at once (see :func:`playground.tasks.base.predict_in_chunks`).
EVAL_CHUNK = 4096

#: Nodes and edges of one graph: what the editor shows readably and compiles in ~1 s.
MAX_GRAPH_NODES = 1000
MAX_GRAPH_EDGES = 4000
#: Nodes one paste may add (the editor builds every item on the UI thread).
MAX_PASTE_NODES = 500

_UNITS = {"": 1, "B": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}


def physical_memory() -> int | None:
    """Bytes of RAM of this machine, None when the platform does not say."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, OSError, ValueError):
        return None


def available_memory() -> int | None:
    """Bytes of memory available to a new allocation now (Linux ``MemAvailable``: free
    memory plus caches that can be dropped), else the physical RAM, else None."""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return physical_memory()


def parse_bytes(text: str) -> int:
    """``"8G"`` -> 8 * 2**30. Raises ValueError for anything else."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:I?B)?\s*", text.upper())
    if match is None:
        raise ValueError(f"not a size: {text!r} (examples: 8G, 512M, 2000000000)")
    value = int(float(match.group(1)) * _UNITS[match.group(2)])
    if value <= 0:
        raise ValueError(f"the size must be above 0, got {text!r}")
    return value


def memory_budget() -> tuple[int, str]:
    """(bytes any one dataset, model or checkpoint may take, why it is that much)."""
    text = os.environ.get(MEMORY_ENV, "").strip()
    if text:
        try:
            return parse_bytes(text), f"{MEMORY_ENV}={text}"
        except ValueError:
            pass  # a bad value is ignored: the budget below still protects the machine
    available = available_memory()
    if available is None:
        return FALLBACK_BUDGET, f"the default budget; set {MEMORY_ENV} to change it"
    budget = int(available * MEMORY_FRACTION)
    return budget, (f"half of the {fmt_bytes(available)} of memory available; "
                    f"set {MEMORY_ENV} to change it")


def fmt_bytes(n: float) -> str:
    """``1536 * 2**20`` -> ``"1.5 GB"`` (powers of 1024, as memory is counted)."""
    for unit, size in (("TB", 2**40), ("GB", 2**30), ("MB", 2**20), ("kB", 2**10)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{int(n)} bytes"


def budget_problem(need: int, what: str) -> str | None:
    """None when ``need`` bytes fit in :func:`memory_budget`, else the sentence to show:
    ``"{what} would take about 37.3 TB; at most 10.5 GB fit (half of ...)"``."""
    budget, why = memory_budget()
    if need <= budget:
        return None
    return f"{what} would take about {fmt_bytes(need)}; at most {fmt_bytes(budget)} fit ({why})"


def param_limit() -> tuple[int, str]:
    """(the parameter limit, why it is that): the smaller of :data:`MAX_PARAMS` and what
    the memory budget holds at :data:`BYTES_PER_PARAM` bytes per parameter."""
    limit, why = MAX_PARAMS, f"at most {MAX_PARAMS:,}"
    budget, budget_why = memory_budget()
    by_memory = budget // BYTES_PER_PARAM
    if by_memory < limit:
        limit = by_memory
        why = (f"at most {limit:,}: training needs about {BYTES_PER_PARAM} bytes per "
               f"parameter and {fmt_bytes(budget)} fit ({budget_why})")
    return limit, why
