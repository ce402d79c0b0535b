"""Step-through: every number of one forward pass, one backward pass and one update.

The books work single backprop steps by hand (dlpi Ex 1.5.3, ldl ch3 Fig. 3-5):
the weighted sums and activations of every layer, the output error, the
error terms (deltas) passed back, the gradients and the new weights. This
module computes all of them for any compiled graph with torch autograd, so it
works for whatever the user wired up, not only for the books' nets:

* forward hooks record each node's input and output, and for a Dense node the
  weighted sum ``z`` of its Linear before the fused activation;
* ``torch.autograd.grad`` gives dL/d(output) and dL/dz (the books' delta) of
  every node and dL/dW, dL/db of every parameter, without touching ``.grad``;
* the update is plain gradient descent, ``W_new = W - lr * dL/dW``.

Shapes keep the batch dimension: a single sample x of shape (1, features)
gives ``z`` of shape (1, units). Weights are in PyTorch's layout, a Dense
weight is (units, inputs): the transpose of dlpi's W (inputs, units).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import overload

import numpy as np
import torch
from torch import nn

from playground.compiler import CompiledGraph, primary_layer
from playground.errors import TrainingError
from playground.graph import Graph

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


@overload
def _np(t: torch.Tensor) -> np.ndarray: ...
@overload
def _np(t: None) -> None: ...
def _np(t: torch.Tensor | None) -> np.ndarray | None:
    """A float64 numpy copy of ``t`` (None stays None)."""
    return None if t is None else t.detach().to("cpu", torch.float64).numpy().copy()


def _list(a: np.ndarray | None):
    return None if a is None else a.tolist()


@dataclass
class ParamTrace:
    """One parameter tensor: its value before the step, dL/d(param) and its value after."""

    value: np.ndarray
    grad: np.ndarray
    new: np.ndarray

    def to_dict(self) -> dict:
        """Nested lists."""
        return {"value": _list(self.value), "grad": _list(self.grad), "new": _list(self.new)}


@dataclass
class NodeTrace:
    """One node of the graph during the step.

    Attributes
    ----------
    node, type : str
        Node id and layer type id.
    activation : str or None
        A Dense node's fused activation ("identity" when none).
    input : ndarray
        What entered the node, (N, ...).
    z : ndarray or None
        The Linear's weighted sum before the activation (Dense nodes), (N, units).
    output : ndarray
        The node's output (the activation a = f(z) for Dense).
    grad_output : ndarray or None
        dL/d(output); None where the loss does not depend on it.
    delta : ndarray or None
        dL/dz, the books' error term of each unit (Dense nodes).
    params : dict
        "weight", "bias" (of the node's Linear/Conv) or state_dict names -> :class:`ParamTrace`.
    """

    node: str
    type: str
    activation: str | None
    input: np.ndarray
    z: np.ndarray | None
    output: np.ndarray
    grad_output: np.ndarray | None
    delta: np.ndarray | None
    params: dict[str, ParamTrace] = field(default_factory=dict)

    def to_dict(self) -> dict:
        """Nested lists (JSON-ready)."""
        return {"node": self.node, "type": self.type, "activation": self.activation,
                "input": _list(self.input), "z": _list(self.z), "output": _list(self.output),
                "grad_output": _list(self.grad_output), "delta": _list(self.delta),
                "params": {k: p.to_dict() for k, p in self.params.items()}}


@dataclass
class StepTrace:
    """Everything about one step, in forward order.

    Attributes
    ----------
    x, y : ndarray
        The input batch and the targets the loss compared with.
    output : ndarray
        The network's output before the update.
    loss : float
        The loss before the update.
    lr : float
        Learning rate of the update.
    nodes : list of NodeTrace
        Every node with a module, in execution order.
    new_output : ndarray
        The output for the same x with the new weights.
    new_loss : float
    applied : bool
        Whether the new weights were written into the model.
    """

    x: np.ndarray
    y: np.ndarray
    output: np.ndarray
    loss: float
    lr: float
    nodes: list[NodeTrace]
    new_output: np.ndarray
    new_loss: float
    applied: bool

    def node(self, node_id: str) -> NodeTrace:
        """The trace of node ``node_id``."""
        for n in self.nodes:
            if n.node == node_id:
                return n
        raise KeyError(node_id)

    def to_dict(self) -> dict:
        """Nested lists (JSON-ready), for the GUI's step-through table."""
        return {"x": _list(self.x), "y": _list(self.y), "output": _list(self.output),
                "loss": self.loss, "lr": self.lr, "nodes": [n.to_dict() for n in self.nodes],
                "new_output": _list(self.new_output), "new_loss": self.new_loss,
                "applied": self.applied}

    def arrays(self, prefix: str = "trace") -> dict[str, np.ndarray]:
        """Flat ``{"trace.hidden.z": array, "trace.hidden.weight.new": ...}`` view."""
        out = {f"{prefix}.x": self.x, f"{prefix}.output": self.output,
               f"{prefix}.new_output": self.new_output,
               f"{prefix}.loss": np.asarray(self.loss), f"{prefix}.new_loss":
               np.asarray(self.new_loss)}
        for n in self.nodes:
            base = f"{prefix}.{n.node}"
            for name in ("input", "z", "output", "grad_output", "delta"):
                value = getattr(n, name)
                if value is not None:
                    out[f"{base}.{name}"] = value
            for pname, p in n.params.items():
                out[f"{base}.{pname}"] = p.value
                out[f"{base}.{pname}.grad"] = p.grad
                out[f"{base}.{pname}.new"] = p.new
        return out


def module_nodes(compiled: CompiledGraph) -> list[str]:
    """Ids of the nodes that have a submodule, in execution order."""
    children = dict(compiled.module.named_children())
    return [nid for nid, attr in compiled.attr_names.items() if attr in children]


def _param_names(compiled: CompiledGraph, nid: str) -> dict[str, str]:
    """Full parameter name in the model -> short name ("weight"/"bias" of the primary layer)."""
    sub = compiled.node_module(nid)
    prefix = compiled.attr_names[nid]
    primary = primary_layer(sub)
    short = {}
    for name, p in sub.named_parameters():
        if primary is not None and p is primary.weight:
            key = "weight"
        elif primary is not None and p is primary.bias:
            key = "bias"
        else:
            key = name
        short[f"{prefix}.{name}"] = key
    return short


def trace_step(compiled: CompiledGraph, x: torch.Tensor, y: torch.Tensor, loss_fn: LossFn,
               lr: float, apply: bool = False, graph: Graph | None = None) -> StepTrace:
    """One forward pass, one backward pass and one gradient-descent update, all recorded.

    Parameters
    ----------
    compiled : CompiledGraph
        The model (one Input, one Output).
    x : Tensor
        Inputs, (N, ...) on the model's device (N = 1 for the books' examples).
    y : Tensor
        Targets in the form ``loss_fn`` expects.
    loss_fn : callable
        ``loss_fn(output, y) -> scalar``: the book's loss (e.g. half squared error).
    lr : float
        Learning rate of the update ``W - lr * dL/dW``.
    apply : bool
        Write the new weights into the model (frozen parameters never change).
    graph : Graph, optional
        The compiled graph, to name each node's layer type ("dense").

    Returns
    -------
    StepTrace

    Raises
    ------
    TrainingError
        For a graph with several Inputs or Outputs.
    """
    if len(compiled.input_nodes) != 1 or len(compiled.output_nodes) != 1:
        raise TrainingError("step-through needs a graph with one Input and one Output",
                            "graphs.model")
    model = compiled.module
    ids = module_nodes(compiled)
    seen: dict[str, dict] = {nid: {} for nid in ids}
    hooks = []

    def on_node(nid: str):
        def hook(mod: nn.Module, args: tuple, out: torch.Tensor) -> None:
            seen[nid]["input"], seen[nid]["output"] = args[0], out
        return hook

    def on_linear(nid: str):
        def hook(mod: nn.Module, args: tuple, out: torch.Tensor) -> None:
            seen[nid]["z"] = out
        return hook

    for nid in ids:
        sub = compiled.node_module(nid)
        hooks.append(sub.register_forward_hook(on_node(nid)))
        primary = primary_layer(sub)
        if isinstance(primary, nn.Linear):
            hooks.append(primary.register_forward_hook(on_linear(nid)))
    # An input that requires grad puts every activation in the autograd graph, so
    # deltas exist even when every layer before them is frozen.
    x_in = x.detach().clone().requires_grad_(True) if x.is_floating_point() else x
    try:
        with torch.enable_grad():
            out = model(x_in)
            loss = loss_fn(out, y)
    finally:
        for h in hooks:
            h.remove()

    # Everything we want dL/d(...) of, each tensor once (z is the output itself
    # when a Dense has no activation).
    wanted: list[torch.Tensor] = []
    index: dict[int, int] = {}
    for nid in ids:
        for key in ("output", "z"):
            t = seen[nid].get(key)
            if t is not None and t.requires_grad and id(t) not in index:
                index[id(t)] = len(wanted)
                wanted.append(t)
    named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    grads = torch.autograd.grad(loss, wanted + [p for _, p in named], allow_unused=True) \
        if wanted or named else ()
    tensor_grads = {tid: grads[i] for tid, i in index.items()}
    param_grads = {n: grads[len(wanted) + i] for i, (n, _) in enumerate(named)}

    all_params = dict(model.named_parameters())
    new_params = {}
    for name, p in all_params.items():
        g = param_grads.get(name)
        new_params[name] = p.detach() - lr * g if g is not None else p.detach().clone()

    nodes = []
    for nid in ids:
        rec = seen[nid]
        if "output" not in rec:
            continue  # a module the forward pass did not reach
        params = {}
        for full, short in _param_names(compiled, nid).items():
            p = all_params[full]
            g = param_grads.get(full)
            params[short] = ParamTrace(_np(p), _np(torch.zeros_like(p) if g is None else g),
                                       _np(new_params[full]))
        z = rec.get("z")
        layer_params = compiled.report.nodes[nid].params or {}
        nodes.append(NodeTrace(
            node=nid, type=graph.nodes[nid].type if graph is not None else
            type(compiled.node_module(nid)).__name__.lower(),
            activation=layer_params.get("activation"),
            input=_np(rec["input"]), z=_np(z), output=_np(rec["output"]),
            grad_output=_np(tensor_grads.get(id(rec["output"]))),
            delta=None if z is None else _np(tensor_grads.get(id(z))),
            params=params))

    with torch.no_grad():
        if apply:
            for name, p in model.named_parameters():
                if p.requires_grad:
                    p.copy_(new_params[name])
            new_out = model(x)
        else:
            new_out = torch.func.functional_call(model, new_params, (x,))
        new_loss = float(loss_fn(new_out, y))
    return StepTrace(x=_np(x), y=_np(y), output=_np(out), loss=float(loss.detach()),
                     lr=float(lr), nodes=nodes, new_output=_np(new_out), new_loss=new_loss,
                     applied=apply)
