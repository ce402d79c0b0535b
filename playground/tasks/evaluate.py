"""The ``evaluate`` task: a forward pass through hand-set weights, with nothing trained.

Some worked examples have no training at all: dlpi's Figs 4.4-4.7 slide a printed
2x2 kernel over a printed 4x5 image, the AD3501 notes work a strided convolution
by hand and count a confusion matrix of 165 predictions. ``evaluate`` runs the
graph forward on every split of the data (hand-set weights on the nodes, usually
``"trainable": false``; a graph with no parameters at all, even an Input wired
straight to the Output, is allowed) and reports what came out:

* class targets: the classification task's metrics at ``threshold`` for each
  split (``test_accuracy``, ``test_precision``, ``test_recall``, ``test_f1``),
  plus for two classes the confusion counts ``test_tp``/``_fp``/``_fn``/``_tn``,
  the false-positive rate ``test_fpr`` and the ROC area ``test_auc``. The task is
  a :class:`~playground.tasks.supervised.ClassificationTask`, so the confusion,
  ROC and decision-boundary views work on it;
* regression targets: ``<split>_mse``, ``_mae`` and ``_r2``;
* always: every node's output on the training split as an array,
  ``task.arrays()["strided"]`` with its per-sample shape under ``"strided.shape"``
  (other splits as ``"test.strided"``...), for ``array`` checks; each value of a
  small output (at most :data:`MAX_VALUE_METRICS` values) is also a metric, named
  by node and index, sample first: ``strided[0,0,1,2]`` is sample 0, channel 0,
  row 1, column 2. A bigger output reports its per-sample shape instead,
  ``conv.shape[0]`` ... (so a check can read a later variant's shape from the
  metrics).

With ``fit`` "least_squares" the one Dense layer of an Input -> Dense -> Output
graph (no activation) first gets the closed-form least-squares weights of the
training split, ``beta = (X^T X)^-1 X^T y`` with a column of ones for the bias
(ldl's Appendix A; solved with ``numpy.linalg.lstsq``): the linear baseline a
gradient-trained Dense(1) converges to.

One epoch is one forward pass, so presets set ``training.epochs`` to 1; the
optimizer section is required by the file format but never steps.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from playground.compiler import CompiledGraph, primary_layer
from playground.errors import TrainingError
from playground.params import choice_param, float_param
from playground.tasks.base import Task, TaskContext, TaskType, compile_model, register_task
from playground.tasks.supervised import SPLITS, ClassificationTask, output_kind
from playground.training.losses import LOSSES, make_loss
from playground.training.metrics import regression_metrics

#: A node output with at most this many values (on one split) is also reported value by value.
MAX_VALUE_METRICS = 64


def node_outputs(compiled: CompiledGraph, x: torch.Tensor) -> dict[str, torch.Tensor]:
    """Every node's output for the batch ``x``: Inputs, layers and Outputs, by node id."""
    model = compiled.module
    seen: dict[str, torch.Tensor] = {}
    handles = []
    for nid in compiled.layer_nodes():
        def hook(module: nn.Module, args: object, output: object, nid: str = nid) -> None:
            seen[nid] = output[0] if isinstance(output, tuple) else output
        handles.append(compiled.node_module(nid).register_forward_hook(hook))
    try:
        result = model(x)
    finally:
        for handle in handles:
            handle.remove()
    if not isinstance(result, dict):
        result = {compiled.output_nodes[0]: result}
    return {**{nid: x for nid in compiled.input_nodes}, **seen, **result}


def roc_auc(scores: np.ndarray, labels: np.ndarray) -> float | None:
    """Area under the ROC curve from class-1 scores (ties count half); None without both classes.

    The Mann-Whitney form: the chance that a random positive scores above a
    random negative, from average ranks.
    """
    labels = np.asarray(labels).astype(bool)
    n_pos = int(labels.sum())
    n_neg = len(labels) - n_pos
    if n_pos == 0 or n_neg == 0:
        return None
    _, inverse, counts = np.unique(np.asarray(scores, np.float64), return_inverse=True,
                                   return_counts=True)
    average_rank = np.cumsum(counts) - (counts - 1) / 2.0  # 1-based, ties share their mean
    ranks = average_rank[inverse]
    return float((ranks[labels].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def _frozen_model(task: Task, ctx: TaskContext) -> None:
    """Compile the model for ``task`` in evaluation mode, without an optimizer."""
    if ctx.dataset is None:
        raise TrainingError("the evaluate task needs a dataset to run the network on", "data")
    compiled = compile_model(ctx)
    compiled.module.eval()
    task.compiled = {"model": compiled}
    task.model = compiled.module
    task.models = {"model": task.model}
    task.optimizers = []


class NodeOutputs:
    """Every node's output on every split, as arrays and (small ones) as metrics.

    Mixed into both evaluate tasks; they set ``compiled``, ``model`` and ``ctx``.
    """

    compiled: dict[str, CompiledGraph]
    model: nn.Module
    ctx: TaskContext
    _outputs: dict[str, dict[str, np.ndarray]]

    @torch.no_grad()
    def outputs(self) -> dict[str, dict[str, np.ndarray]]:
        """Split -> node id -> output array (n, *per-sample shape), float64."""
        if not self._outputs:
            self.model.eval()
            inputs = {name: torch.as_tensor(self.ctx.dataset.split(name).x).to(self.ctx.device)
                      for name in SPLITS if len(self.ctx.dataset.split(name))}
            self._outputs = {
                name: {nid: t.double().cpu().numpy()
                       for nid, t in node_outputs(self.compiled["model"], x).items()}
                for name, x in inputs.items()}
        return self._outputs

    def value_metrics(self) -> dict[str, float]:
        """``<node>[i,j,...]`` per value of small outputs, ``<node>.shape[k]`` of big ones."""
        metrics: dict[str, float] = {}
        for name, nodes in self.outputs().items():
            prefix = "" if name == "train" else f"{name}."
            for nid in self._value_nodes():
                values = nodes[nid]
                if values.size > MAX_VALUE_METRICS:
                    # Too many values to list: its per-sample shape, ``conv.shape[0]`` ...
                    for axis, size in enumerate(values.shape[1:]):
                        metrics.setdefault(f"{nid}.shape[{axis}]", float(size))
                    continue
                for index in np.ndindex(values.shape):
                    key = f"{prefix}{nid}[{','.join(map(str, index))}]"
                    metrics[key] = float(values[index])
        return metrics

    def _value_nodes(self) -> list[str]:
        """Layers, and the Outputs not fed by a layer (the others would repeat its values)."""
        compiled, graph = self.compiled["model"], self.ctx.graphs["model"]
        layers = compiled.layer_nodes()
        fed_by_input = [nid for nid in compiled.output_nodes
                        if graph.edges_into(nid)[0].src not in layers]
        return [*layers, *fed_by_input]

    def arrays(self) -> dict[str, np.ndarray]:
        """``<node>`` (training split), ``<split>.<node>`` (others) and ``<node>.shape``."""
        out: dict[str, np.ndarray] = {}
        for name, nodes in self.outputs().items():
            prefix = "" if name == "train" else f"{name}."
            for nid, values in nodes.items():
                out[f"{prefix}{nid}"] = values
                out.setdefault(f"{nid}.shape", np.asarray(values.shape[1:], np.int64))
        return out


class EvaluateClassificationTask(NodeOutputs, ClassificationTask):
    """Classification metrics of a fixed network (for class targets), and its node outputs."""

    def __init__(self, ctx: TaskContext):
        # Not ClassificationTask.__init__: that builds an optimizer, which needs weights to train.
        Task.__init__(self, ctx)
        _frozen_model(self, ctx)
        self.n_classes = max(ctx.dataset.n_classes, 2)
        self.target_form = LOSSES.get(ctx.params["loss"]).target
        self.optimizer = None
        self.kind = output_kind(ctx.graphs["model"])
        self.out_shape = self.compiled["model"].output_shape()
        self.loss_fn = make_loss(ctx.params["loss"], ctx.params, self.kind)
        self.splits = {name: self._tensors(name) for name in SPLITS}
        self.batches = None
        self._penalty, self._clip = False, None
        self._outputs = {}
        self._check_output()

    def steps_per_epoch(self) -> int:
        return 1

    def begin_epoch(self, generator: torch.Generator) -> None:
        pass

    @torch.no_grad()
    def train_step(self) -> torch.Tensor:
        x, y = next(t for t in self.splits.values() if t is not None)
        return self.loss_fn(self.model(x), y).detach()

    def train_mode(self, on: bool) -> None:
        self.model.eval()  # nothing trains: dropout and batch statistics stay off

    @torch.no_grad()
    def evaluate(self) -> dict[str, float]:
        metrics = {**self.value_metrics(), **super().evaluate()}
        self.model.eval()
        if self.n_classes != 2:
            return metrics
        for name, tensors in self.splits.items():
            if tensors is None:
                continue
            out = self.model(tensors[0])
            truth = self.ctx.dataset.split(name).y.astype(bool)
            pred = self.classes_from_output(out).cpu().numpy().astype(bool)
            tp, fp = int(np.sum(pred & truth)), int(np.sum(pred & ~truth))
            fn, tn = int(np.sum(~pred & truth)), int(np.sum(~pred & ~truth))
            metrics.update({f"{name}_tp": float(tp), f"{name}_fp": float(fp),
                            f"{name}_fn": float(fn), f"{name}_tn": float(tn)})
            if fp + tn:
                metrics[f"{name}_fpr"] = fp / (fp + tn)
            raw = out.double().cpu().numpy()
            scores = raw[:, 0] if raw.shape[1] == 1 else raw[:, 1] - raw[:, 0]
            auc = roc_auc(scores, truth)
            if auc is not None:
                metrics[f"{name}_auc"] = auc
        return metrics


class EvaluateOutputsTask(NodeOutputs, Task):
    """Every node's output on the data (for datasets without class targets)."""

    default_monitor = "loss"

    def __init__(self, ctx: TaskContext):
        super().__init__(ctx)
        _frozen_model(self, ctx)
        self._outputs = {}
        if ctx.params["fit"] == "least_squares":
            self._fit_least_squares()

    @torch.no_grad()
    def _fit_least_squares(self) -> None:
        """Closed-form weights for the graph's one Dense layer (see the module docstring)."""
        graph, compiled = self.ctx.graphs["model"], self.compiled["model"]
        layers = compiled.layer_nodes()
        node = graph.nodes[layers[0]] if len(layers) == 1 else None
        if node is None or node.type != "dense" or \
                compiled.report.nodes[node.id].params["activation"] != "identity":
            raise TrainingError("least squares fits one Dense layer without activation: "
                                "Input -> Dense -> Output", "task.params.fit")
        train = self.ctx.dataset.train
        if train.y is None or self.ctx.dataset.info.target != "regression" or not len(train):
            raise TrainingError("least squares needs regression targets in the training split",
                                "task.params.fit")
        layer = primary_layer(compiled.node_module(layers[0]))
        x = train.x.reshape(len(train), -1).astype(np.float64)
        if layer.bias is not None:
            x = np.concatenate([x, np.ones((len(x), 1))], axis=1)
        beta = np.linalg.lstsq(x, train.y.reshape(len(train), -1).astype(np.float64),
                               rcond=None)[0]  # (features [+ 1], outputs)
        features = layer.weight.shape[1]
        layer.weight.copy_(torch.as_tensor(beta[:features].T, dtype=layer.weight.dtype))
        if layer.bias is not None:
            layer.bias.copy_(torch.as_tensor(beta[features], dtype=layer.bias.dtype))

    def steps_per_epoch(self) -> int:
        return 1

    @torch.no_grad()
    def train_step(self) -> torch.Tensor:
        self._outputs = {}  # recomputed from the (possibly edited) weights
        return torch.zeros(())

    def train_mode(self, on: bool) -> None:
        self.model.eval()

    def evaluate(self) -> dict[str, float]:
        metrics = self.value_metrics()
        for name, nodes in self.outputs().items():
            y = self.ctx.dataset.split(name).y
            if y is not None and self.ctx.dataset.info.target == "regression":
                out = nodes[self.compiled["model"].output_nodes[0]].reshape(y.shape)
                for key, value in regression_metrics(y.astype(np.float64), out).items():
                    metrics[f"{name}_{key}"] = value
        return metrics


def _create(ctx: TaskContext) -> Task:
    if ctx.dataset is not None and ctx.dataset.info.target == "class":
        return EvaluateClassificationTask(ctx)
    return EvaluateOutputsTask(ctx)


register_task(TaskType(
    "evaluate", "Evaluate (no training)",
    (choice_param("loss", "mse", ("mse", "bce", "cross_entropy", "hinge"),
                  help="Loss reported for class targets (one output unit read as a score: "
                       "mse)."),
     float_param("threshold", None, -1e6, 1e6, optional=True,
                 help="Decision threshold for one output unit; empty picks it from the loss."),
     choice_param("fit", "none", ("none", "least_squares"),
                   help="least_squares: first give the one Dense layer the closed-form "
                        "least-squares weights of the training split.")),
    _create, targets=("class", "regression", "none"),
    views=("feature_maps", "filters"),
    doc="Run a network with hand-set weights forward on the data and report its outputs, "
        "or its classification metrics at a threshold; nothing is trained."))
