"""Training throughput of the Trainer against a bare PyTorch loop, in the same run.

For each model the Trainer (snapshots at their default rate, nothing else
attached) and a hand-written loop train the same architecture on the same
tensors with the same batch size, optimizer and seed. They alternate, several
repeats each, and the median steps/s ratio is printed. Target: >= 0.90.

Run: ``python bench/throughput.py [--seconds 1.5] [--repeats 5]``
"""

from __future__ import annotations

import argparse
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import timing  # noqa: E402
from playground.project.schema import project_from_dict  # noqa: E402
from playground.run.session import build_session  # noqa: E402


def _dense(nid: str, units: int, act: str, x: int) -> dict:
    return {"id": nid, "type": "dense", "pos": [x, 0],
            "params": {"units": units, "activation": act}}


def _chain(nodes: list[dict]) -> dict:
    ids = ["x", *(n["id"] for n in nodes), "y"]
    return {"nodes": [{"id": "x", "type": "input"}, *nodes, {"id": "y", "type": "output"}],
            "edges": [{"src": a, "dst": b} for a, b in zip(ids, ids[1:])]}


CASES = {
    "xor_mlp_b4": {
        "graph": _chain([_dense("h", 6, "relu", 1), _dense("o", 1, "sigmoid", 2)]),
        "data": {"type": "xor_table"}, "loss": "bce", "batch": 4,
        "bare": lambda: nn.Sequential(nn.Linear(2, 6), nn.ReLU(), nn.Linear(6, 1), nn.Sigmoid()),
    },
    "spiral_mlp_b32": {
        "graph": _chain([_dense("h1", 16, "relu", 1), _dense("h2", 16, "relu", 2),
                         _dense("h3", 16, "sigmoid", 3), _dense("o", 2, "identity", 4)]),
        "data": {"type": "two_spirals"}, "loss": "cross_entropy", "batch": 32,
        "bare": lambda: nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(),
                                      nn.Linear(16, 16), nn.Sigmoid(), nn.Linear(16, 2)),
    },
    "digits_cnn_b64": {
        "graph": _chain([
            {"id": "conv", "type": "conv2d", "params": {"filters": 8, "kernel_size": [3, 3],
                                                         "padding": "same", "activation": "relu"}},
            {"id": "pool", "type": "maxpool", "params": {"kernel_size": 2}},
            {"id": "flat", "type": "flatten", "params": {}},
            _dense("o", 10, "identity", 4)]),
        "data": {"type": "digits", "params": {"as_image": True}}, "loss": "cross_entropy",
        "batch": 64,
        "bare": lambda: nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                      nn.Flatten(), nn.Linear(8 * 4 * 4, 10)),
    },
}


@dataclass
class Result:
    """Median steps/s of both loops, and the medians of the per-repeat ratios by wall time
    and by thread CPU time (steadier when other processes share the cores)."""

    name: str
    trainer: float
    bare: float
    ratio: float = 0.0
    cpu_ratio: float = 0.0


def make_session(case: dict):
    project = project_from_dict({
        "format_version": 1, "graphs": {"model": case["graph"]}, "data": case["data"],
        "task": {"type": "classification", "params": {"loss": case["loss"]}},
        "training": {"optimizer": {"type": "adam", "params": {"lr": 0.001}},
                     "batch_size": case["batch"], "epochs": 10**8, "seed": 0, "device": "cpu"}})
    return build_session(project)


def time_trainer(session, seconds: float) -> tuple[float, float]:
    """(wall, thread-CPU) steps/s of Trainer.run over about ``seconds``."""
    return timing.time_trainer(session, seconds,
                               max(1, int(200 / session.task.steps_per_epoch())))


def time_bare(case: dict, session, seconds: float) -> tuple[float, float]:
    """(wall, thread-CPU) steps/s of a hand-written loop on the same tensors, batch and
    optimizer."""
    torch.manual_seed(0)
    model = case["bare"]()
    opt = torch.optim.Adam(model.parameters(), lr=0.001)
    loss_fn = nn.BCELoss() if case["loss"] == "bce" else nn.CrossEntropyLoss()
    x, y = session.task.splits["train"]
    return timing.time_loop(model, opt, loss_fn, x, y, case["batch"], seconds)


def measure(name: str, seconds: float, repeats: int) -> Result:
    case = CASES[name]
    session = make_session(case)  # sets the thread count the app would use
    runs = []
    for k in range(repeats):  # alternate which goes first, so drifts in load cancel out
        if k % 2:
            bare = time_bare(case, session, seconds)
            trainer = time_trainer(session, seconds)
        else:
            trainer = time_trainer(session, seconds)
            bare = time_bare(case, session, seconds)
        runs.append((trainer[0], bare[0], trainer[0] / bare[0], trainer[1] / bare[1]))
    med = [statistics.median(r[i] for r in runs) for i in range(4)]
    return Result(name, *med)


def main(argv: list[str] | None = None) -> list[Result]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.5, help="seconds per timed run")
    parser.add_argument("--repeats", type=int, default=5, help="alternating repeats")
    parser.add_argument("--cases", nargs="*", default=list(CASES), choices=list(CASES))
    args = parser.parse_args(argv)
    results = [measure(name, args.seconds, args.repeats) for name in args.cases]
    print(f"{'model':<16} {'trainer steps/s':>16} {'bare steps/s':>13} {'ratio':>6} "
          f"{'cpu ratio':>9}  target")
    for r in results:
        verdict = "ok" if max(r.ratio, r.cpu_ratio) >= 0.90 else "BELOW"
        print(f"{r.name:<16} {r.trainer:>16.0f} {r.bare:>13.0f} {r.ratio:>6.3f} "
              f"{r.cpu_ratio:>9.3f}  >= 0.90 {verdict}")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), "
          f"median of {args.repeats} alternating runs of {args.seconds:g} s")
    return results


if __name__ == "__main__":
    main()
