"""Seeding torch's generators, without the cost of seeding devices the run cannot use.

``torch.manual_seed`` also queues seeds for CUDA, XPU and MTIA; where a device is not
initialised each queued call records a Python traceback (about a millisecond per call
here). A seeds run builds and seeds hundreds of sessions, so that cost added up to a
sizeable share of ``--seeds 64`` (0.3 s of ~4.5 s). Our runs use the CPU or CUDA only.
"""

from __future__ import annotations

import torch


def seed_cpu(seed: int) -> None:
    """Seed the CPU generator only: weights are drawn on the CPU (modules are built
    there, then moved), so their initialisation needs nothing else."""
    torch.default_generator.manual_seed(int(seed))


def seed_torch(seed: int) -> None:
    """Seed every generator a run may draw from: the CPU's and, when CUDA is usable,
    every CUDA device's (as ``torch.manual_seed`` does for them)."""
    seed_cpu(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(int(seed))
