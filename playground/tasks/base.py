"""Tasks: what "training" means for a project, and the task registry.

A task owns the loss, the metrics and how one step updates the model(s). The
:class:`~playground.training.trainer.Trainer` only knows this interface, so
gradient tasks, the books' classic rules (perceptron, RBM...) and analytic
surfaces all step the same way and feed the same views.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from playground.compiler import CompiledGraph, compile_graph
from playground.data.base import Dataset
from playground.errors import GraphError, TrainingError
from playground.graph import Graph
from playground.layers import fmt_shape
from playground.limits import EVAL_CHUNK
from playground.params import Param
from playground.registry import Registry
from playground.training.config import TrainingConfig
from playground.training.optimizers import build_optimizer


@dataclass
class TaskContext:
    """Everything a task is built from.

    Attributes
    ----------
    graphs : dict
        Graph name -> Graph ("model" for single-network tasks).
    dataset : Dataset or None
        The split dataset (None for tasks without data, e.g. surfaces).
    config : TrainingConfig
        Optimizer, batch size, epochs, seed, regularisation.
    params : dict
        The task's own resolved params.
    device : torch.device
        Where tensors live.
    """

    graphs: dict[str, Graph]
    dataset: Dataset | None
    config: TrainingConfig
    params: dict
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))

    def require_dataset(self) -> Dataset:
        """The dataset, for tasks that cannot train without one.

        Raises
        ------
        TrainingError
            When the project has none.
        """
        if self.dataset is None:
            raise TrainingError("this task trains on data: choose a dataset", "data")
        return self.dataset


class Task:
    """Base class of every task.

    Subclasses set :attr:`models` (name -> module), :attr:`compiled` (name ->
    CompiledGraph, for probes and export) and :attr:`optimizers`, and implement
    the four methods below.
    """

    #: Metric the early stopping and the "best" run watch when none is given.
    default_monitor = "train_loss"

    def __init__(self, ctx: TaskContext):
        self.ctx = ctx
        self.models: dict[str, nn.Module] = {}
        self.compiled: dict[str, CompiledGraph] = {}
        self.optimizers: list[torch.optim.Optimizer] = []

    def steps_per_epoch(self) -> int:
        """Number of :meth:`train_step` calls that make one epoch."""
        raise NotImplementedError

    def begin_epoch(self, generator: torch.Generator) -> None:
        """Prepare the next epoch (reshuffle) using ``generator``."""

    def train_step(self) -> torch.Tensor:
        """Run one batch update; return the batch loss as a detached scalar tensor."""
        raise NotImplementedError

    def evaluate(self) -> dict[str, float]:
        """Metrics on every non-empty split, keyed ``train_loss``, ``val_accuracy``..."""
        raise NotImplementedError

    def final_metrics(self) -> dict[str, float]:
        """Extra scalars reported at the end of a run (default: none)."""
        return {}

    # -- state for early stopping and checkpoints ------------------------------------
    def state_dict(self) -> dict:
        """Model weights by model name (copied tensors)."""
        return {name: {k: v.detach().clone() for k, v in m.state_dict().items()}
                for name, m in self.models.items()}

    def load_state_dict(self, state: dict) -> None:
        """Restore weights from :meth:`state_dict`."""
        for name, weights in state.items():
            self.models[name].load_state_dict(weights)

    def train_mode(self, on: bool) -> None:
        """Switch every model between training and evaluation behaviour."""
        for m in self.models.values():
            m.train(on)

    # -- the task's own loop state, for checkpoints -----------------------------------
    def loop_streams(self) -> dict[str, Batches | torch.Generator]:
        """Where the task is in its own loop: batch iterators and random streams it keeps,
        by a stable name (default: its ``batches`` iterator, if it has one)."""
        batches = getattr(self, "batches", None)
        return {"batches": batches} if isinstance(batches, Batches) else {}

    def loop_state_dict(self) -> dict[str, Any]:
        """The state of :meth:`loop_streams` (a checkpoint resumes mid-epoch with it)."""
        return {name: stream.get_state() if isinstance(stream, torch.Generator)
                else stream.state_dict() for name, stream in self.loop_streams().items()}

    def load_loop_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore :meth:`loop_state_dict`; names the task does not have are ignored."""
        streams = self.loop_streams()
        for name, saved in state.items():
            stream = streams.get(name)
            if isinstance(stream, torch.Generator):
                stream.set_state(saved)
            elif stream is not None:
                stream.load_state_dict(saved)


@dataclass(frozen=True)
class TaskType:
    """A registry entry.

    Attributes
    ----------
    id : str
        Stable id stored in files.
    label : str
        Name in the training panel.
    params : tuple of Param
        Task parameters (loss, noise...).
    create : callable
        ``create(ctx) -> Task``.
    targets : tuple of str
        Dataset target kinds it accepts ("class", "regression", "none");
        empty when it needs no dataset.
    graphs : tuple of str
        Names of the graphs it trains.
    views : tuple of str
        Default view ids for new projects.
    doc : str
        One sentence.
    parse : callable or None
        ``parse(raw, where) -> dict`` for tasks whose params hold structures
        (lists of objects) that :class:`Param` cannot declare; it validates
        everything and names bad fields from ``where``. None uses ``params``.
    """

    id: str
    label: str
    params: tuple[Param, ...]
    create: Callable[[TaskContext], Task]
    targets: tuple[str, ...] = ("class", "regression", "none")
    graphs: tuple[str, ...] = ("model",)
    views: tuple[str, ...] = ("loss",)
    doc: str = ""
    parse: Callable[[object, str], dict] | None = None

    def resolve(self, raw: object, where: str) -> dict:
        """Validated params from a file's ``task.params``."""
        if self.parse is not None:
            return self.parse(raw, where)
        from playground.params import resolve
        return resolve(self.params, raw, where)


TASKS: Registry[TaskType] = Registry("task")


def register_task(entry: TaskType, override: bool = False) -> TaskType:
    """Add a task type to :data:`TASKS`."""
    return TASKS.register(entry, override)


# -- helpers shared by gradient tasks ------------------------------------------------------

class Batches:
    """Mini-batches over tensors already on the device.

    A full batch without shuffling hands out the tensors themselves: the mean
    gradient does not depend on sample order, so there is nothing to permute.
    """

    def __init__(self, tensors: tuple[torch.Tensor, ...], batch_size: int | None, shuffle: bool,
                 drop_single: bool = False):
        self.tensors = tensors
        self.n = len(tensors[0])
        self.size = self.n if batch_size is None else min(batch_size, self.n)
        self.shuffle = shuffle and self.size < self.n
        self.steps = math.ceil(self.n / self.size)
        if drop_single and self.steps > 1 and self.n % self.size == 1:
            # A last batch of one sample breaks BatchNorm's batch statistics; skip it (with
            # shuffling a different sample sits out each epoch), as drop_last would.
            self.steps -= 1
        self._order: torch.Tensor | None = None
        self._i = 0

    def state_dict(self) -> dict[str, Any]:
        """Where the iterator is: this epoch's order and the next batch's index."""
        return {"order": self._order, "i": self._i}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Continue from :meth:`state_dict`."""
        order = state["order"]
        self._order = None if order is None else order.to(self.tensors[0].device)
        self._i = int(state["i"])

    def begin_epoch(self, generator: torch.Generator) -> None:
        """Draw this epoch's order."""
        if self.shuffle:
            perm = torch.randperm(self.n, generator=generator)
            self._order = perm.to(self.tensors[0].device)
        self._i = 0

    @property
    def order(self) -> torch.Tensor | None:
        """This epoch's sample order (None: the stored order)."""
        return self._order

    def advance(self) -> int:
        """Index of the next batch in the epoch, moving past it (wraps around at the end).

        :meth:`next` uses it; the fast path uses it to take the same rows from its own copy
        of the data (see playground/training/fused/step.py).
        """
        i = self._i
        self._i = (i + 1) % self.steps
        return i

    def next(self) -> tuple[torch.Tensor, ...]:
        """The next batch (wraps around at the end of an epoch)."""
        if self.steps == 1:
            return self.tensors
        start = self.advance() * self.size
        if self._order is None:
            return tuple(t[start:start + self.size] for t in self.tensors)
        idx = self._order[start:start + self.size]
        # index_select: the same rows as t[idx] without advanced indexing's generic set-up
        # (a few microseconds per tensor, which tiny models notice).
        if len(self.tensors) == 2:  # the usual (inputs, targets): no generator on the hot path
            x, y = self.tensors
            return x.index_select(0, idx), y.index_select(0, idx)
        return tuple(t.index_select(0, idx) for t in self.tensors)


def compile_model(ctx: TaskContext, name: str = "model") -> CompiledGraph:
    """Compile graph ``name`` for the dataset's input shape, seeded by the config."""
    if name not in ctx.graphs:
        raise TrainingError(f"the project has no graph called {name!r}", "graphs")
    graph = ctx.graphs[name]
    shapes = {}
    if ctx.dataset is not None:
        shapes = {n.id: ctx.dataset.input_shape for n in graph.nodes_of_type("input")
                  if not n.params.get("shape")}
    batch, eval_batch = batch_sizes(ctx)
    compiled = compile_graph(graph, shapes, seed=ctx.config.seed, batch=batch,
                             eval_batch=eval_batch)
    if ctx.dataset is not None:
        check_input_shapes(compiled, ctx.dataset.input_shape)
    if len(compiled.input_nodes) > 1:  # every task calls model(x) with one tensor
        first, extra = compiled.input_nodes[0], compiled.input_nodes[1]
        raise GraphError(f"is a second Input: the task feeds the network one input tensor "
                         f"(graph inputs: {', '.join(compiled.input_nodes)})", node=extra,
                         fix=f"delete it and connect its layers to '{first}'")
    compiled.module.to(ctx.device)
    return compiled


def batch_sizes(ctx: TaskContext) -> tuple[int | None, int | None]:
    """(samples per training batch, samples per evaluation chunk) for the memory check;
    (None, None) without a dataset."""
    if ctx.dataset is None:
        return None, None
    n = max(len(ctx.dataset.train), 1)
    batch = min(ctx.config.batch_size or n, n)
    largest = max(len(ctx.dataset.split(name)) for name in ("train", "val", "test"))
    return batch, max(min(largest, EVAL_CHUNK), 1)


def check_input_shapes(compiled: CompiledGraph, data_shape: tuple[int, ...]) -> None:
    """Refuse an Input whose declared shape is not the data's sample shape.

    Raises
    ------
    GraphError
        Naming the Input node and both shapes (PyTorch would only say "mat1 and
        mat2 shapes cannot be multiplied" at the first step).
    """
    for nid in compiled.input_nodes:
        declared = tuple(compiled.report.nodes[nid].output or ())
        if declared != tuple(data_shape):
            raise GraphError(f"declares samples of shape {fmt_shape(declared)} but the data's "
                             f"samples are {fmt_shape(tuple(data_shape))}", node=nid,
                             fix="clear the Input's shape so it takes the data's, or choose "
                                 "data of that shape")


def single_sample_batchnorm(compiled: CompiledGraph) -> str | None:
    """The first BatchNorm that sees one value per channel per sample, or None.

    Such a layer cannot train on a batch of one sample (its variance would be
    over a single value); callers refuse batch size 1 and skip a last batch of one.
    """
    children = dict(compiled.module.named_children())
    for node_id, attr in compiled.attr_names.items():
        if isinstance(children.get(attr), nn.modules.batchnorm._BatchNorm):
            shape = next(iter(compiled.report.nodes[node_id].inputs.values()), None)
            # shape is per sample, (C,) or (C, L) or (C, H, W): values per channel = prod(rest)
            if shape is not None and math.prod(shape[1:]) == 1:
                return node_id
    return None


def check_batch_for_batchnorm(compiled: CompiledGraph, batch_size: int | None, n: int) -> bool:
    """Raise if a BatchNorm would train on single samples; True if the graph has such a layer.

    Raises
    ------
    GraphError
        The batch size (or the training set) is a single sample.
    """
    node = single_sample_batchnorm(compiled)
    if node is None:
        return False
    if (batch_size if batch_size is not None else n) < 2 or n < 2:
        raise GraphError("cannot train on one sample per batch: BatchNorm needs at least two "
                         "to compute batch statistics", node=node,
                         fix="set training.batch_size to 2 or more, or use LayerNorm")
    return True


def make_optimizer(ctx: TaskContext, module: nn.Module) -> torch.optim.Optimizer:
    """The configured optimizer over ``module``'s trainable parameters."""
    params = [p for p in module.parameters() if p.requires_grad]
    if not params:
        raise TrainingError("the model has no trainable parameters: "
                            "add a layer with weights (Dense, Conv...)", "graphs")
    return build_optimizer(ctx.config.optimizer, ctx.config.optimizer_params, params)


def weight_penalty(module: nn.Module, l1: float, l2: float) -> torch.Tensor:
    """l1 * sum|W| + l2 * sum W^2 over weight matrices and kernels (not biases), as Keras."""
    total: torch.Tensor | None = None
    for p in module.parameters():
        if p.requires_grad and p.dim() > 1:
            term: torch.Tensor | float = 0.0
            if l1:
                term = term + l1 * p.abs().sum()
            if l2:
                term = term + l2 * p.pow(2).sum()
            if isinstance(term, torch.Tensor):
                total = term if total is None else total + term
    return total if total is not None else torch.zeros(())


@contextlib.contextmanager
def evaluating(*modules: nn.Module) -> Iterator[None]:
    """Evaluation mode and no gradients inside the block; each module's mode is restored after.

    Dropout and batch statistics switch off for measurements and views, and
    switch back whatever happens inside (an exception included).
    """
    modes = [m.training for m in modules]
    try:
        for m in modules:
            m.eval()
        with torch.no_grad():
            yield
    finally:
        for m, mode in zip(modules, modes):
            m.train(mode)


def apply_update(loss: torch.Tensor, optimizer: torch.optim.Optimizer, module: nn.Module,
                 clip: float | None) -> None:
    """Backward ``loss``, clip the gradient norm of ``module`` if asked, step ``optimizer``."""
    loss.backward()
    if clip is not None:
        torch.nn.utils.clip_grad_norm_(module.parameters(), clip)
    optimizer.step()


@torch.no_grad()
def predict_in_chunks(module: nn.Module, x: torch.Tensor, chunk: int = EVAL_CHUNK
                      ) -> torch.Tensor:
    """``module(x)`` in slices of ``chunk`` samples (bounded memory on big splits)."""
    if len(x) <= chunk:
        return module(x)
    return torch.cat([module(x[i:i + chunk]) for i in range(0, len(x), chunk)])


def to_tensor(array: np.ndarray | None, device: torch.device) -> torch.Tensor | None:
    """A numpy array as a tensor on ``device`` (None stays None)."""
    return None if array is None else torch.as_tensor(array).to(device)
