"""Checkpoints: a whole training session in one file that loads with ``weights_only=True``.

A checkpoint is a ``torch.save`` of plain data only (dicts, lists, str, numbers,
tensors), so ``torch.load(path, weights_only=True)`` reads it in any PyTorch
without the playground, and loading one here never executes code::

    {"format": "nn-playground-checkpoint", "format_version": 1,
     "project": "<the project file as JSON text>",
     "models": {"model": state_dict, ...},        # weights, by graph name
     "task_state": None,                          # or a task's own state (surface race)
     "optimizers": [optimizer.state_dict(), ...],
     "training": {...},                           # the training config, readable
     "metrics": {"train_loss": 0.03, ...},        # latest values
     "trainer": {"step": 4000, "epoch": 2000, "history": {...}, RNG states, ...},
     "saved_by": {"playground": "0.1.0", "torch": "2.13.0"}}

:func:`resume_session` rebuilds the session from the project, then restores
weights, optimizer and scheduler states, the step/epoch counters, the shuffling
and dropout RNGs and the metric history, so training continues exactly where
it stopped (the same numbers as a run that was never interrupted, on CPU).
"""

from __future__ import annotations

import json
import os
import pickle
import warnings
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import torch

from playground.errors import PlaygroundError, ValidationError
from playground.export.common import ExportResult, first_line, playground_version
from playground.limits import budget_problem
from playground.project.fileio import atomic_output, serialise
from playground.project.schema import Project, parse_json, project_from_dict
from playground.run.session import Session, build_session
from playground.tasks.base import Task

CHECKPOINT_FORMAT = "nn-playground-checkpoint"
CHECKPOINT_VERSION = 1
#: Largest checkpoint, unpacked: 200 M parameters with Adam's two moments take 2.4 GB.
MAX_CHECKPOINT_BYTES = 4 * 2**30


def checkpoint_state(session: Session) -> dict:
    """Everything needed to continue ``session``'s training, as weights_only-safe data.

    Call it while the trainer is paused, finished or not started (the GUI's
    worker pauses first); tensors are copied to the CPU.
    """
    trainer, task = session.trainer, session.task
    return _plain({
        "format": CHECKPOINT_FORMAT,
        "format_version": CHECKPOINT_VERSION,
        "project": json.dumps(session.project.to_dict(), allow_nan=False),
        "models": {name: module.state_dict() for name, module in task.models.items()},
        # Tasks that keep more than module weights (the surface race's points) save it too.
        "task_state": task.state_dict() if _custom_state(task) else None,
        "optimizers": [opt.state_dict() for opt in task.optimizers],
        "training": session.project.training.to_dict(),
        "metrics": {k: float(v) for k, v in trainer.metrics.items()
                    if isinstance(v, (int, float))},
        "trainer": trainer.state_dict(),
        "saved_by": {"playground": playground_version(), "torch": torch.__version__},
    })


def save_checkpoint(session: Session, path: str | os.PathLike) -> Path:
    """Write :func:`checkpoint_state` of ``session`` to ``path`` atomically.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    PlaygroundError
        When the file cannot be written.
    """
    state = checkpoint_state(session)
    return atomic_output(path, serialise(lambda f: torch.save(state, f), "the checkpoint"))


def load_checkpoint(path: str | os.PathLike) -> tuple[Project, dict]:
    """Read a checkpoint: the validated project and the raw state.

    Only ``weights_only`` data is accepted: a pickle holding Python objects is
    refused before anything in it runs.

    Returns
    -------
    project : Project
    state : dict
        The checkpoint dict (see the module docstring); pass it to :func:`resume_session`.

    Raises
    ------
    ValidationError
        Missing file, not a checkpoint, a refused pickle, or a bad field (named).
    """
    path = Path(path)
    name = path.name
    if not path.is_file():
        raise ValidationError("file not found", str(path))
    _check_archive(path)
    try:
        with warnings.catch_warnings():
            # A foreign pickle's protocol draws a warning before the refusal below says
            # what matters: nothing in the file runs.
            warnings.filterwarnings("ignore", "Detected pickle protocol", UserWarning)
            state = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        if "weights only" in str(exc).lower() or "weights_only" in str(exc).lower():
            raise ValidationError(
                "refused: the file holds Python objects, not just tensors and plain data "
                "(it may be a pickle); nothing in it was run. Only checkpoints that load with "
                "torch.load(weights_only=True) open here", name) from None
        raise ValidationError(f"not a checkpoint file ({first_line(exc)})", name) from None
    except Exception as exc:  # noqa: BLE001 - garbage makes the unpickler fail in many ways
        raise ValidationError(f"not a checkpoint file ({type(exc).__name__}: "
                              f"{first_line(exc)})", name) from None
    _check_structure(state, name)
    check_tensors(state, name)
    try:
        project = project_from_dict(parse_json(state["project"]))
    except ValidationError as exc:
        where = f"{name}: project" + (f".{exc.where}" if exc.where else "")
        raise ValidationError(exc.message, where) from None
    return project, state


def resume_session(project: Project, state: dict, device: str | None = None) -> Session:
    """Build a session for ``project`` and restore a checkpoint's ``state`` into it.

    Parameters
    ----------
    project, state
        From :func:`load_checkpoint`.
    device : str, optional
        Overrides the project's device ("cpu", "cuda", "auto").

    Raises
    ------
    PlaygroundError
        When the data cannot be loaded or the saved weights do not fit the graphs.
    """
    session = build_session(project, device=device)
    task = session.task
    missing = set(task.models) ^ set(state["models"])
    if missing:
        raise ValidationError(f"the checkpoint's models {sorted(state['models'])} do not match "
                              f"the project's {sorted(task.models)}", "checkpoint")
    try:
        task_state = state.get("task_state")
        task.load_state_dict(state["models"] if task_state is None else task_state)
    except (RuntimeError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ValidationError(f"the saved weights do not fit the graph: {first_line(exc)}",
                              "checkpoint") from None
    # A damaged or hand-made checkpoint can hold anything in these plain-data sections:
    # whatever fails while restoring them is reported, never raised as is.
    try:
        if len(state["optimizers"]) != len(task.optimizers):
            raise ValueError(f"{len(state['optimizers'])} optimizer states for "
                             f"{len(task.optimizers)} optimizers")
        for opt, opt_state in zip(task.optimizers, state["optimizers"]):
            _load_optimizer(opt, opt_state)
    except _DAMAGE as exc:
        raise ValidationError(f"the optimizer state does not fit: {first_line(exc)}",
                              "checkpoint: optimizers") from None
    try:
        session.trainer.load_state_dict(state["trainer"])
    except _DAMAGE as exc:
        raise ValidationError(f"the trainer state is damaged ({type(exc).__name__}: "
                              f"{first_line(exc)})", "checkpoint: trainer") from None
    return session


#: What restoring garbage raises (a str where a tensor goes, a missing key...).
_DAMAGE = (RuntimeError, ValueError, KeyError, TypeError, AttributeError, IndexError)


def _load_optimizer(opt: torch.optim.Optimizer, saved: Any) -> None:
    """``opt.load_state_dict(saved)``, refusing hyperparameters of the wrong type (a
    string learning rate would only fail at the next step, inside the trainer)."""
    fresh = [dict(group) for group in opt.param_groups]
    opt.load_state_dict(saved)
    for group, before in zip(opt.param_groups, fresh):
        for key, value in before.items():
            number = isinstance(value, (int, float)) and not isinstance(value, bool)
            got = group.get(key)
            if number and (isinstance(got, bool) or not isinstance(got, (int, float))
                           or not np.isfinite(got)):
                raise TypeError(f"{key} must be a finite number, got {got!r}")


def _check_archive(path: Path) -> None:
    """Refuse a zip checkpoint that would unpack to more than :data:`MAX_CHECKPOINT_BYTES`
    (torch reads compressed records too: a small file could inflate to gigabytes)."""
    try:
        if not zipfile.is_zipfile(path):
            with open(path, "rb") as handle:
                head = handle.read(2)
            if not head:
                raise ValidationError("the file is empty", path.name)
            if head[:1] != b"\x80":  # pickle protocol 2+: a legacy torch.save
                raise ValidationError("not a checkpoint file (neither a PyTorch zip archive "
                                      "nor a pickle)", path.name)
            return  # a pickle: the weights_only loader decides, without running it
        with zipfile.ZipFile(path) as archive:
            total = sum(info.file_size for info in archive.infolist())
    except (OSError, zipfile.BadZipFile, ValueError) as exc:
        raise ValidationError(f"not a checkpoint file ({first_line(exc)})", path.name) from None
    if total > MAX_CHECKPOINT_BYTES:
        raise ValidationError(f"the checkpoint would unpack to {total / 2**30:.1f} GB; at most "
                              f"{MAX_CHECKPOINT_BYTES / 2**30:.0f} GB are read", path.name)


def open_checkpoint(path: str | os.PathLike, device: str | None = None) -> Session:
    """:func:`load_checkpoint` then :func:`resume_session`: a session ready to continue."""
    project, state = load_checkpoint(path)
    return resume_session(project, state, device)


# -- helpers ------------------------------------------------------------------------------

def _plain(value: Any, where: str = "checkpoint") -> Any:
    """``value`` as types ``torch.load(weights_only=True)`` accepts, tensors copied to the CPU.

    str/int/float subclasses (``torch.__version__`` is one, numpy scalars are
    others) would be pickled by class and then refused on load, so they are
    converted to the plain types here.
    """
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().clone()
    if value is None or type(value) in (bool, int, float, str):
        return value
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, dict):
        return {_plain(k, where): _plain(v, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        items = [_plain(v, f"{where}[{i}]") for i, v in enumerate(value)]
        return tuple(items) if isinstance(value, tuple) else items
    raise PlaygroundError(f"cannot store a {type(value).__name__} in a checkpoint", where)


def _check_structure(state: Any, name: str) -> None:
    if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
        raise ValidationError("not a playground checkpoint (it loads, but has no "
                              f"'format': '{CHECKPOINT_FORMAT}' entry)", name)
    version = state.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ValidationError(f"expected an int >= 1, got {version!r}", f"{name}: format_version")
    if version > CHECKPOINT_VERSION:
        raise ValidationError(f"this checkpoint is format {version}, made by a newer playground; "
                              f"this one reads up to {CHECKPOINT_VERSION}",
                              f"{name}: format_version")
    expected = {"project": str, "models": dict, "optimizers": list, "trainer": dict}
    for key, kind in expected.items():
        if not isinstance(state.get(key), kind):
            raise ValidationError(f"expected {kind.__name__}, got "
                                  f"{type(state.get(key)).__name__}", f"{name}: {key}")
    for graph, weights in state["models"].items():
        if not isinstance(weights, dict) or not all(
                isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in weights.items()):
            raise ValidationError("expected a state_dict (names -> tensors)",
                                  f"{name}: models.{graph}")
    trainer = state["trainer"]
    for key in ("step", "epoch", "batch", "epoch_loss_count"):
        value = trainer.get(key, 0)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValidationError(f"expected an int >= 0, got {value!r}", f"{name}: trainer.{key}")
    numbers = {"epoch_loss_sum": trainer.get("epoch_loss_sum", 0.0),
               **{f"metrics.{k}" if k else "metrics": v
                  for k, v in _items(trainer.get("metrics", {}))}}
    for key, value in numbers.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValidationError(f"expected a number, got {value!r}", f"{name}: trainer.{key}")


def check_tensors(state: Any, name: str) -> None:
    """Refuse tensors that would expand past their storage or past the memory budget.

    A tensor in a file is a storage plus a shape and strides: a 4-byte storage with
    stride 0 can declare 10^11 elements, which cost nothing until something copies
    them (745 GB). Every tensor must cover no more elements than its storage holds,
    and all of them together must fit in the memory budget (:mod:`playground.limits`).

    Raises
    ------
    ValidationError
        Naming the tensor's place in the checkpoint.
    """
    total, biggest = 0, ("", 0)
    stack: list[tuple[Any, str]] = [(state, "")]
    while stack:  # iterative: a hostile nesting cannot exhaust the stack
        value, where = stack.pop()
        if isinstance(value, torch.Tensor):
            size = value.numel() * value.element_size()
            stored = value.untyped_storage().nbytes()
            if size > stored:
                raise ValidationError(
                    f"a tensor of shape {tuple(value.shape)} and strides {value.stride()} "
                    f"declares {value.numel():,} elements on {stored:,} bytes of storage; "
                    "a checkpoint's tensors do not overlap", f"{name}: {where or 'state'}")
            total += size
            biggest = max(biggest, (where, size), key=lambda item: item[1])
        elif isinstance(value, dict):
            stack.extend((v, f"{where}.{k}" if where else str(k)) for k, v in value.items())
        elif isinstance(value, (list, tuple)):
            stack.extend((v, f"{where}[{i}]") for i, v in enumerate(value))
    problem = budget_problem(total, "its tensors")
    if problem is not None:
        raise ValidationError(f"{problem}; the largest is {biggest[0]}", name)


def _items(value: Any) -> list:
    return list(value.items()) if isinstance(value, dict) else [("", value)]


def _custom_state(task: Task) -> bool:
    """True when the task overrides :meth:`Task.state_dict` (state beyond module weights)."""
    return type(task).state_dict is not Task.state_dict



def export_checkpoint(session: Session, path: str | os.PathLike, graph: str | None = None,
                      verify: bool = True) -> ExportResult:
    """The ``checkpoint`` export: :func:`save_checkpoint`, then check that it reads back.

    ``graph`` is ignored: a checkpoint holds every graph of the session.
    """
    save_checkpoint(session, path)
    result = ExportResult("checkpoint", [Path(path)])
    if verify:
        _, state = load_checkpoint(path)
        diffs = [0.0]
        for name, module in session.task.models.items():
            for key, live in module.state_dict().items():
                if live.is_floating_point() and live.numel():
                    saved = state["models"][name][key]
                    diffs.append(float((saved - live.detach().cpu()).abs().max()))
        result.max_abs_diff = max(diffs)
    return result
