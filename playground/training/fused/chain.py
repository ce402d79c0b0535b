"""A compiled graph read as a chain of dense stages: what the fast path can train.

A chain is the Input, optionally TF Playground's Features node right after it,
then Dense layers and elementwise activations one after the other, then the
Output: ``x -> [features] -> linear -> act -> linear -> ... -> out``. Every
tensor is (N, units). :func:`read_chain` turns a :class:`CompiledGraph` into a
:class:`Chain` (stages that point at the module's own ``nn.Linear`` layers) or
says in one line why it cannot; :func:`forward_nodes` runs it for probes.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import fx, nn

from playground.compiler import CompiledGraph
from playground.layers.core import FeatureTransform
from playground.training.fused.activations import ACTIVATIONS

#: SELU's constants, as torch.nn.functional.selu uses them.
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


class NotFused(Exception):
    """Why a graph, task or config takes the autograd path (one line)."""


@dataclass(frozen=True)
class Stage:
    """One operation of the chain.

    Attributes
    ----------
    op : str
        "linear" or an activation id of :data:`~playground.training.fused.activations.ACTIVATIONS`.
    node : str
        The graph node it belongs to (a Dense node has a linear and an activation stage).
    args : tuple
        The activation function's extra arguments (slope, alpha...), see
        :mod:`~playground.training.fused.activations`.
    linear : int
        Index into :attr:`Chain.linears` for "linear" stages, else -1.
    """

    op: str
    node: str
    args: tuple = ()
    linear: int = -1


@dataclass(frozen=True)
class Chain:
    """A dense chain over a compiled model's own layers.

    Attributes
    ----------
    compiled : CompiledGraph
    features : FeatureTransform or None
        TF Playground's feature node, applied to the raw inputs first (no weights).
    stages : tuple of Stage
        Everything after the features, in order.
    linears : tuple of nn.Linear
        The model's Dense layers (their parameters are the chain's weights).
    trainable : tuple of bool
        Per linear: whether its node trains (a frozen node still passes gradients back).
    features_node : str or None
        Its node id.
    nodes : tuple of (str, tuple of int)
        Every layer node after the features, in order, with the indices of its stages
        (none for an Identity or a Flatten).
    """

    compiled: CompiledGraph
    features: FeatureTransform | None
    features_node: str | None
    stages: tuple[Stage, ...]
    linears: tuple[nn.Linear, ...]
    trainable: tuple[bool, ...]
    nodes: tuple[tuple[str, tuple[int, ...]], ...] = ()

    def parameters(self) -> list[torch.Tensor]:
        """The trainable parameters in the chain's order: weight then bias of each linear."""
        out = []
        for lin, train in zip(self.linears, self.trainable):
            if train:
                out.append(lin.weight)
                if lin.bias is not None:
                    out.append(lin.bias)
        return out


def _activation_stage(module: nn.Module, node: str) -> Stage | None:
    """The stage for an activation module; None for the identity; NotFused otherwise."""
    if isinstance(module, nn.Identity):
        return None
    if isinstance(module, nn.Tanh):
        return Stage("tanh", node)
    if isinstance(module, nn.Sigmoid):
        return Stage("sigmoid", node)
    if isinstance(module, nn.ReLU):
        return Stage("relu", node)
    if isinstance(module, nn.LeakyReLU):
        slope = float(module.negative_slope)
        return Stage("relu", node) if slope == 0.0 else Stage("leaky_relu", node, (slope,))
    if isinstance(module, nn.ELU):
        return Stage("elu", node, (float(module.alpha), 1.0, 1.0))
    if isinstance(module, nn.SELU):
        return Stage("elu", node, (SELU_ALPHA, SELU_SCALE, 1.0))
    if isinstance(module, nn.GELU):
        return Stage("gelu", node, (module.approximate,))
    if isinstance(module, nn.Softplus):
        return Stage("softplus", node, (float(module.beta), float(module.threshold)))
    if isinstance(module, nn.Softmax) and module.dim in (-1, 1):
        return Stage("softmax", node, (-1, False))
    raise NotFused(f"node '{node}' is a {type(module).__name__}, which the fast path does not "
                   "train")


def _module_stages(module: nn.Module, node: str, linears: list[nn.Linear]) -> list[Stage]:
    if isinstance(module, nn.Linear):
        linears.append(module)
        return [Stage("linear", node, linear=len(linears) - 1)]
    if isinstance(module, nn.Sequential):
        return [s for child in module for s in _module_stages(child, node, linears)]
    if isinstance(module, nn.Flatten):
        return []  # on (N, features) a Flatten changes nothing
    stage = _activation_stage(module, node)
    return [] if stage is None else [stage]


def _chain_modules(compiled: CompiledGraph) -> list[tuple[str, nn.Module]]:
    """(node id, module) along the fx graph, which must be one straight line."""
    by_attr = {attr: nid for nid, attr in compiled.attr_names.items()}
    nodes = list(compiled.module.graph.nodes)
    if len([n for n in nodes if n.op == "placeholder"]) != 1:
        raise NotFused("the graph has more than one Input")
    out: list[tuple[str, nn.Module]] = []
    previous: fx.Node | None = None
    for n in nodes:
        if n.op == "placeholder":
            previous = n
            continue
        if n.op == "output":
            if n.args[0] is not previous:
                raise NotFused("the graph is not a single chain from Input to Output")
            continue
        if n.op != "call_module" or list(n.args) != [previous] or n.kwargs:
            raise NotFused("the graph is not a single chain of layers (it branches or merges)")
        node = by_attr.get(str(n.target), str(n.target))
        out.append((node, compiled.module.get_submodule(str(n.target))))
        previous = n
    return out


def read_chain(compiled: CompiledGraph) -> Chain:
    """``compiled`` as a :class:`Chain`.

    Raises
    ------
    NotFused
        Naming the first node (or property of the graph) the fast path cannot train.
    """
    modules = _chain_modules(compiled)
    features: FeatureTransform | None = None
    features_node: str | None = None
    first = modules[0][1] if modules else None
    if isinstance(first, FeatureTransform):
        features_node, features = modules.pop(0)[0], first
    for nid, _ in modules:
        info = compiled.report.nodes[nid]
        for shape in (*info.inputs.values(), info.output):
            if shape is None or len(shape) != 1:
                raise NotFused(f"node '{nid}' works on {shape}: the fast path trains "
                               "(N, units) tensors only")
    linears: list[nn.Linear] = []
    stages: list[Stage] = []
    nodes = []
    for nid, module in modules:
        if isinstance(module, FeatureTransform):
            raise NotFused(f"node '{nid}': the Features node must come right after the Input")
        own = _module_stages(module, nid, linears)
        nodes.append((nid, tuple(range(len(stages), len(stages) + len(own)))))
        stages.extend(own)
    if not linears:
        raise NotFused("the graph has no Dense layer")
    params = [p for lin in linears for p in lin.parameters()]
    dtypes = {p.dtype for p in params}
    if len(dtypes) != 1 or not next(iter(dtypes)).is_floating_point:
        raise NotFused("the weights are not all of one floating-point type")
    if len({p.device for p in params}) != 1:
        raise NotFused("the weights are on more than one device")
    trainable = []
    for lin in linears:
        flags = {p.requires_grad for p in lin.parameters()}
        if len(flags) != 1:
            raise NotFused("a Dense layer trains its weight but not its bias (or the reverse)")
        trainable.append(flags.pop())
    if not any(trainable):
        raise NotFused("no layer trains")
    return Chain(compiled, features, features_node, tuple(stages), tuple(linears),
                 tuple(trainable), tuple(nodes))


def chain_or_none(compiled: CompiledGraph | None) -> Chain | None:
    """:func:`read_chain`, or None when the graph is not a dense chain."""
    if compiled is None:
        return None
    try:
        return read_chain(compiled)
    except NotFused:
        return None


@torch.no_grad()
def forward_nodes(chain: Chain, x: torch.Tensor, features: bool = True,
                  keep: bool = True) -> dict[str, torch.Tensor]:
    """Every chain node's output for inputs ``x`` (N, in), with the model's current weights.

    The probes' forward: no module call, no hooks, the same kernels as the fused step.
    ``features=False`` takes ``x`` as already through the Features node (a cached grid);
    ``keep=False`` reports only the last node (the model's output).

    Returns
    -------
    dict
        Node id -> (N, units) output, in chain order; the last one is the model's output.
    """
    out: dict[str, torch.Tensor] = {}
    a = x
    if chain.features is not None:
        if features:
            a = chain.features(x)
        if keep:
            out[str(chain.features_node)] = a
    for node, indices in chain.nodes:
        for i in indices:
            a = _apply(chain, chain.stages[i], a)
        if keep:
            out[node] = a
    if not keep and chain.nodes:
        out[chain.nodes[-1][0]] = a
    return out


def _apply(chain: Chain, stage: Stage, a: torch.Tensor) -> torch.Tensor:
    if stage.op != "linear":
        return ACTIVATIONS[stage.op].apply(a, stage.args)
    lin = chain.linears[stage.linear]
    if lin.bias is None:
        return torch.mm(a, lin.weight.t())
    return torch.addmm(lin.bias, a, lin.weight.t())
