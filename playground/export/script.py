"""The ``script`` export: a plain-PyTorch training script for one process or ``torchrun``.

Three files: ``train.py`` (the model code of :mod:`playground.export.codegen`, the
task's loss and metrics, the optimizer with every hyperparameter, the schedule
and a DistributedDataParallel training loop, from
:mod:`playground.export.script_template`), ``train.npz`` (the data exactly as the
task trains on it: scaled, split, targets prepared) and ``train.pt`` (the
current weights, the starting point). It needs numpy and torch only.

Covered tasks: classification, regression, forecast and autoencoder (one
network, one optimizer). Others (VAE, GAN, the books' classic rules) raise a
:class:`~playground.errors.PlaygroundError` saying so.
"""

from __future__ import annotations

import argparse
import inspect
import json
import math
import os
from datetime import date
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F

from playground.errors import PlaygroundError
from playground.export.codegen import RESERVED, model_code, string_body
from playground.export.codegen_deps import SourceCollector, format_imports, literal
from playground.export.common import (
    ExportResult,
    export_target,
    max_abs_diff,
    playground_version,
    quiet,
)
from playground.export.script_template import SCRIPT
from playground.project.fileio import atomic_outputs, serialise
from playground.run.session import Session
from playground.tasks.abilities import FitsSplits
from playground.tasks.autoencoder import corrupt
from playground.training.losses import PROB_EPS
from playground.training.optimizers import build_optimizer

#: Task type -> what the script does with it.
SUPPORTED = {"classification": "classify", "regression": "regress", "forecast": "regress",
             "autoencoder": "autoencode"}
_METRICS = {"classify": ("accuracy",), "regress": ("mse", "mae"), "autoencode": ("mse",)}
_IMPORTS = ["import argparse", "import json", "import math", "import os", "import numpy as np",
            "import torch", "import torch.distributed as dist",
            "import torch.nn.functional as F", "from pathlib import Path",
            "from torch import nn", "from torch.nn.parallel import DistributedDataParallel",
            "from torch.optim.lr_scheduler import ReduceLROnPlateau",
            "from torch.utils.data import DataLoader, TensorDataset",
            "from torch.utils.data.distributed import DistributedSampler"]
#: Names the script defines: copied model code must not take them.
_SCRIPT_NAMES = ("DistributedDataParallel", "ReduceLROnPlateau", "DataLoader", "TensorDataset",
                 "DistributedSampler", "HERE", "DATA", "CONFIG", "make_optimizer",
                 "make_scheduler", "loss_fn", "train_input", "eval_input", "task_metrics",
                 "penalty", "setup", "load_splits", "evaluate", "parse_args", "EarlyStopping",
                 "THRESHOLD", "NOISE", "SPLIT_INDEX")
#: Modules the script imports anyway; copied code may use them under these names.
_SHARED = {"argparse": (argparse, "import argparse"), "json": (json, "import json"),
           "math": (math, "import math"), "os": (os, "import os"),
           "np": (np, "import numpy as np"), "dist": (dist, "import torch.distributed as dist"),
           "F": (F, "import torch.nn.functional as F")}

_LOSSES = {
    ("mse", None): "F.mse_loss(output, target)",
    ("half_mse", None): "0.5 * F.mse_loss(output, target)",
    ("mae", None): "F.l1_loss(output, target)",
    ("huber", None): "F.huber_loss(output, target, delta=$delta)",
    ("hinge", None): "torch.clamp(1.0 - target * output, min=0.0).mean()",
    ("bce", "probabilities"): f"F.binary_cross_entropy(output.clamp({PROB_EPS}, "
                              f"1.0 - {PROB_EPS}), target)",
    ("bce", None): "F.binary_cross_entropy_with_logits(output, target)",
    ("cross_entropy", "probabilities"): f"F.nll_loss(torch.log(output.clamp({PROB_EPS}, "
                                        f"1.0 - {PROB_EPS})), target)",
    ("cross_entropy", None): "F.cross_entropy(output, target)",
}


def export_training_script(session: Session, path: str | os.PathLike,
                           graph: str | None = None, verify: bool = True) -> ExportResult:
    """Write ``path`` (``.py``), its data (``.npz``) and starting weights (``.pt``).

    The script is executed (not run) before writing, and its loss function is
    compared with the task's on the model's outputs: ``max_abs_diff``.

    Raises
    ------
    PlaygroundError
        For tasks the script does not cover, or code that cannot be generated.
    """
    path = Path(path)
    if path.suffix != ".py":
        raise PlaygroundError("the training script must be a .py file", str(path))
    data_path, weights = path.with_suffix(".npz"), path.with_suffix(".pt")
    kind = SUPPORTED.get(session.project.task)
    if kind is None or graph not in (None, "model") or not isinstance(session.task, FitsSplits):
        raise PlaygroundError(f"the training script covers {', '.join(SUPPORTED)} tasks on one "
                              f"network; task {session.project.task!r} is not covered yet "
                              "(export a checkpoint or the Python module instead)")
    model, compiled, graph_obj = export_target(session, graph)
    notes: list[str] = []
    text = script_text(session, kind, compiled, graph_obj, path, notes)
    arrays = _arrays(session, kind)
    result = ExportResult("script", [path, data_path, weights], notes=notes)
    result.max_abs_diff = _check_loss(text, session, path)
    state = model.state_dict()
    atomic_outputs({path: text,
                    data_path: serialise(lambda f: np.savez_compressed(f, **arrays), "the data"),
                    weights: serialise(lambda f: torch.save(state, f), "the weights")})
    return result


def script_text(session: Session, kind: str, compiled, graph_obj, path: Path,
                notes: list[str]) -> str:
    """The training script's source."""
    project, task = session.project, session.task
    code = model_code(compiled, graph_obj, doc=f"{project.title} (generated from the graph).",
                      reserved=RESERVED + _SCRIPT_NAMES, imports=_SHARED)
    extra = SourceCollector(set(RESERVED + _SCRIPT_NAMES), _SHARED)
    if kind == "autoencode":
        extra.require("corrupt", corrupt, "the training script")
    imports = format_imports([*_IMPORTS, *code.imports, *extra.import_lines()])
    definitions = list(dict.fromkeys(code.definitions + extra.definitions()))
    model_src = "\n\n\n".join(d.rstrip() for d in [*definitions, code.class_source])
    cfg = project.training
    loss = project.task_params["loss"]
    key = (loss, "probabilities") if (loss, "probabilities") in _LOSSES and \
        task.kind == "probabilities" else (loss, None)
    if key not in _LOSSES:
        raise PlaygroundError(f"the training script does not know the loss {loss!r} yet")
    # Title and file names land inside string literals of the script: escaped, never code.
    return SCRIPT.substitute(
        title=string_body(project.title), version=playground_version(), date=date.today(),
        script_name=string_body(path.name), data_name=string_body(path.with_suffix(".npz").name),
        weights_name=string_body(path.with_suffix(".pt").name),
        trained_name=string_body(f"{path.stem}.trained.pt"),
        imports="\n".join(imports), config=_config(session, kind, notes), model=model_src,
        optimizer=_optimizer(cfg), scheduler=_scheduler(cfg),
        loss_doc=f"The {loss} loss on {'probabilities' if key[1] else 'raw outputs'}.",
        loss=_LOSSES[key].replace("$delta", literal(float(project.task_params.get("delta", 1.0)))),
        task_code=_task_code(session, kind), class_name=code.class_name)


def _config(session: Session, kind: str, notes: list[str]) -> str:
    cfg, task = session.project.training, session.task
    present = [n for n, t in task.splits.items() if t is not None]
    known = {"loss"} | {f"{s}_{m}" for s in present for m in ("loss", *_METRICS[kind])}
    es = cfg.early_stopping
    early = None
    if es is not None and es.monitor not in known:
        notes.append(f"early stopping watches {es.monitor!r}, which the script does not "
                     "compute: it is left out")
    elif es is not None:
        early = {"monitor": es.monitor, "patience": es.patience, "min_delta": es.min_delta,
                 "maximize": es.maximize, "restore_best": es.restore_best}
    values = {"epochs": cfg.epochs, "batch_size": cfg.batch_size, "shuffle": cfg.shuffle,
              "seed": cfg.seed, "l1": cfg.l1, "l2": cfg.l2, "grad_clip": cfg.grad_clip,
              "monitor": es.monitor if es is not None else task.default_monitor,
              "early_stopping": early}
    lines = [f"    {literal(k)}: {literal(v)}," for k, v in values.items()]
    return "{\n" + "\n".join(lines) + "\n}"


def _optimizer(cfg) -> str:
    """``torch.optim.X(params, ...)`` with every hyperparameter of the project spelled out.

    Implementation switches (``foreach``, ``fused``...) are left at PyTorch's
    defaults, which keeps the script portable across PyTorch versions.
    """
    opt = build_optimizer(cfg.optimizer, cfg.optimizer_params, [torch.nn.Parameter(torch.zeros(1))])
    cls = type(opt)
    if getattr(torch.optim, cls.__name__, None) is not cls:
        raise PlaygroundError(f"optimizer {cfg.optimizer!r} is not one of torch.optim's")
    declared = {"betas" if k in ("beta1", "beta2") else k for k in cfg.optimizer_params}
    sig = inspect.signature(cls.__init__).parameters
    names = [n for n in sig if n in opt.defaults
             and (n in declared or opt.defaults[n] != sig[n].default)]
    args = ["params", *(f"{n}={literal(opt.defaults[n])}" for n in names)]
    return _wrap(f"torch.optim.{cls.__name__}(", args, 11)


def _scheduler(cfg) -> str:
    p, es = cfg.schedule_params, cfg.early_stopping
    lr = "torch.optim.lr_scheduler"
    if cfg.schedule == "step":
        return f"{lr}.StepLR(optimizer, step_size={p['step_size']}, gamma={p['gamma']!r})"
    if cfg.schedule == "exponential":
        return f"{lr}.ExponentialLR(optimizer, gamma={p['gamma']!r})"
    if cfg.schedule == "cosine":
        return f"{lr}.CosineAnnealingLR(optimizer, T_max={p['t_max']}, eta_min={p['eta_min']!r})"
    if cfg.schedule == "plateau":
        mode = "max" if es is not None and es.maximize else "min"
        args = ["optimizer", f'mode="{mode}"', f"factor={p['factor']!r}",
                f"patience={p['patience']}", f"threshold={p['min_delta']!r}",
                'threshold_mode="abs"']
        return _wrap("ReduceLROnPlateau(", args, 11)
    return "None"


def _task_code(session: Session, kind: str) -> str:
    identity = '''def train_input(x):
    """What the model sees while training: the inputs themselves."""
    return x


def eval_input(x, split):
    """What the model sees when evaluated."""
    return x'''
    if kind == "classify":
        return f'''THRESHOLD = {literal(float(session.task.threshold))}


{identity}


def task_metrics(output, target, labels):
    """Accuracy: a single output unit is thresholded, several take the largest."""
    pred = (output[:, 0] > THRESHOLD).long() if output.shape[-1] == 1 else output.argmax(dim=-1)
    return {{"accuracy": (pred == labels).float().mean().item()}}'''
    if kind == "regress":
        return f'''{identity}


def task_metrics(output, target, labels):
    """Mean squared and mean absolute errors."""
    err = output - target
    return {{"mse": err.pow(2).mean().item(), "mae": err.abs().mean().item()}}'''
    p = session.project.task_params
    noise = (p["noise"], float(p["noise_level"]), bool(p["clip"]))
    return f'''NOISE = {literal(noise)}  # (kind, level, clip) of the input corruption
SPLIT_INDEX = {{"train": 0, "val": 1, "test": 2}}


def train_input(x):
    """A corrupted copy of the inputs (denoising); the targets stay clean."""
    return corrupt(x, *NOISE)


def eval_input(x, split):
    """Corrupted with a fixed generator per split, as the playground evaluates."""
    generator = torch.Generator().manual_seed(CONFIG["seed"] * 31 + SPLIT_INDEX[split])
    return corrupt(x, *NOISE, generator=generator)


def task_metrics(output, target, labels):
    """Mean squared reconstruction error."""
    return {{"mse": (output - target).pow(2).mean().item()}}'''


def _arrays(session: Session, kind: str) -> dict[str, np.ndarray]:
    """x_/y_/labels_ arrays per non-empty split, as the task trains on them."""
    arrays = {}
    for name, tensors in session.task.splits.items():
        if tensors is None:
            continue
        arrays[f"x_{name}"] = tensors[0].detach().cpu().numpy()
        if kind != "autoencode":
            arrays[f"y_{name}"] = tensors[1].detach().cpu().numpy()
        if kind == "classify":
            arrays[f"labels_{name}"] = np.asarray(session.dataset.split(name).y, np.int64)
    return arrays


def _check_loss(text: str, session: Session, path: Path) -> float:
    """Define the script's functions and compare its loss with the task's on real outputs."""
    namespace = {"__name__": "playground_script_check", "__file__": str(path)}
    task = session.task
    x, y = task.splits["train"]
    with quiet(), torch.no_grad():
        exec(compile(text, str(path), "exec"), namespace)  # our own generated code
        was_training = task.model.training
        task.model.eval()
        try:
            out = task.model(x[:256])
        finally:
            task.model.train(was_training)
        ours = namespace["loss_fn"](out, y[:256])
        return max_abs_diff(ours, task.loss_fn(out, y[:256]))


def _wrap(head: str, args: list[str], indent: int, width: int = 95) -> str:
    """``head`` + args + ``)``, continuation lines aligned after ``head``."""
    lines, line = [], head
    for i, arg in enumerate(args):
        piece = arg + (", " if i < len(args) - 1 else ")")
        if len(line) + len(piece.rstrip()) > width - indent and line.strip() != head.strip():
            lines.append(line.rstrip())
            line = " " * len(head)
        line += piece
    lines.append(line)
    return ("\n" + " " * indent).join(lines)
