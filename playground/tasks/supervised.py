"""Supervised gradient tasks: classification (binary and multiclass) and regression."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from playground.errors import TrainingError
from playground.graph import Graph
from playground.layers.activations import PROBABILITY_OUTPUTS
from playground.layers.core import ActivityRegularization
from playground.params import choice_param, float_param
from playground.tasks.base import (
    Batches,
    Task,
    TaskContext,
    TaskType,
    apply_update,
    check_batch_for_batchnorm,
    compile_model,
    evaluating,
    make_optimizer,
    predict_in_chunks,
    register_task,
    to_tensor,
    weight_penalty,
)
from playground.training.losses import LOSSES, make_loss
from playground.training.metrics import classification_metrics, regression_metrics

#: Nodes that pass their input's nature through unchanged (for output-kind detection).
_PASS_THROUGH = ("dropout", "identity", "flatten", "reshape", "output")

SPLITS = ("train", "val", "test")


def output_kind(graph: Graph) -> str:
    """What the network emits: "probabilities", "tanh" or "linear".

    Follows the edge into the (first) Output back through shape-only layers to
    the last layer that computes something.
    """
    outputs = graph.nodes_of_type("output")
    if not outputs:
        return "linear"
    nid = outputs[0].id
    while True:
        node = graph.nodes[nid]
        if node.type in PROBABILITY_OUTPUTS:
            return "probabilities"
        if node.type == "tanh":
            return "tanh"
        activation = node.params.get("activation")
        if node.type not in _PASS_THROUGH:
            if activation in PROBABILITY_OUTPUTS:
                return "probabilities"
            return "tanh" if activation == "tanh" else "linear"
        incoming = graph.edges_into(nid)
        if not incoming:
            return "linear"
        nid = incoming[0].src


class GradientTask(Task):
    """One model, one optimizer, mini-batches of (input, target)."""

    default_monitor = "val_loss"

    def __init__(self, ctx: TaskContext):
        super().__init__(ctx)
        if ctx.dataset is None:
            raise TrainingError("this task needs a dataset", "data")
        compiled = compile_model(ctx)
        self.compiled = {"model": compiled}
        self.model = compiled.module
        self.models = {"model": self.model}
        self.optimizer = make_optimizer(ctx, self.model)
        self.optimizers = [self.optimizer]
        self.kind = output_kind(ctx.graphs["model"])
        self.out_shape = compiled.output_shape()
        self.loss_fn = self._make_loss()
        self.splits = {name: self._tensors(name) for name in SPLITS}
        cfg = ctx.config
        has_bn = check_batch_for_batchnorm(compiled, cfg.batch_size, len(self.splits["train"][0]))
        self.batches = Batches(self.splits["train"], cfg.batch_size, cfg.shuffle,
                               drop_single=has_bn)
        # Activity regularisation nodes add their penalty on the activations to every step.
        self._activity = [m for m in self.model.modules()
                          if isinstance(m, ActivityRegularization)]
        self._penalty = cfg.l1 > 0 or cfg.l2 > 0 or bool(self._activity)
        self._clip = cfg.grad_clip

    # subclass hooks ------------------------------------------------------------------
    def _make_loss(self):
        return make_loss(self.ctx.params["loss"], self.ctx.params, self.kind)

    def _targets(self, y: np.ndarray) -> torch.Tensor:
        raise NotImplementedError

    def _split_metrics(self, out: torch.Tensor, y_raw: np.ndarray) -> dict:
        raise NotImplementedError

    # the Task interface --------------------------------------------------------------
    def _tensors(self, name: str) -> tuple[torch.Tensor, torch.Tensor] | None:
        part = self.ctx.dataset.split(name)
        if len(part) == 0:
            return None
        return (to_tensor(part.x, self.ctx.device), self._targets(part.y).to(self.ctx.device))

    def steps_per_epoch(self) -> int:
        return self.batches.steps

    def begin_epoch(self, generator: torch.Generator) -> None:
        self.batches.begin_epoch(generator)

    def train_step(self) -> torch.Tensor:
        x, y = self.batches.next()
        self.optimizer.zero_grad(set_to_none=True)
        loss = self.loss_fn(self.model(x), y)
        apply_update(self._with_penalty(loss), self.optimizer, self.model, self._clip)
        self._release_activity()
        return loss.detach()

    def _with_penalty(self, loss: torch.Tensor) -> torch.Tensor:
        """``loss`` plus the configured L1/L2 weight penalty and the activity penalties."""
        if not self._penalty:
            return loss
        cfg = self.ctx.config
        if cfg.l1 or cfg.l2:
            loss = loss + weight_penalty(self.model, cfg.l1, cfg.l2)
        for module in self._activity:
            if module.penalty is not None:
                loss = loss + module.penalty
        return loss

    def _release_activity(self) -> None:
        """Let the activity penalties drop their autograd graphs after a step."""
        for module in self._activity:
            module.release()

    def evaluate(self) -> dict[str, float]:
        metrics = {}
        with evaluating(self.model):
            for name, tensors in self.splits.items():
                if tensors is None:
                    continue
                x, y = tensors
                out = predict_in_chunks(self.model, x)
                metrics[f"{name}_loss"] = float(self.loss_fn(out, y))
                for key, value in self._split_metrics(out, self.ctx.dataset.split(name).y).items():
                    metrics[f"{name}_{key}"] = value
        return metrics

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Raw model outputs for inputs ``x`` (already scaled like the dataset)."""
        with evaluating(self.model):
            out = predict_in_chunks(self.model, to_tensor(np.asarray(x, np.float32),
                                                          self.ctx.device))
        return out.cpu().numpy()


def classification_output_problem(out_shape: tuple, n_classes: int, target_form: str
                                  ) -> tuple[str, int | None] | None:
    """Why a per-sample output of ``out_shape`` cannot classify ``n_classes`` classes with a
    loss whose targets are ``target_form``, and the unit count that fixes it (None when no
    unit count does); None when it can.

    Checked when a run starts and, in the app, after every edit.
    """
    n_classes = max(n_classes, 2)
    if len(out_shape) != 1:
        return (f"classification needs an output of shape (N, classes) but the Output gets "
                f"(N, {', '.join(map(str, out_shape))}); insert a Flatten and a Dense before "
                "it", None)
    units = out_shape[-1]
    if units == 1 and n_classes > 2:
        return (f"the Output has 1 unit but the dataset has {n_classes} classes; give the "
                f"last Dense {n_classes} units", n_classes)
    if units not in (1, n_classes):
        return (f"the Output has {units} units but the dataset has {n_classes} classes; "
                f"give the last Dense {n_classes} units (or 1 for two classes)", n_classes)
    if units == 1 and target_form == "index":
        return ("cross-entropy needs one output unit per class; with a single unit use "
                "binary cross-entropy (bce)", n_classes)
    return None


def regression_output_problem(out_shape: tuple, target_shape: tuple
                              ) -> tuple[str, int | None] | None:
    """Why a per-sample output of ``out_shape`` cannot predict targets of ``target_shape``,
    and the unit count that fixes it; None when it can."""
    if tuple(out_shape) == tuple(target_shape):
        return None
    units = target_shape[-1] if target_shape else 1
    return (f"the Output gets (N, {', '.join(map(str, out_shape))}) but the targets are "
            f"(N, {', '.join(map(str, target_shape))}); make the last Dense have {units} "
            "units", units if len(out_shape) == len(target_shape) == 1 else None)


class ClassificationTask(GradientTask):
    """Binary (one output unit or two) and multiclass classification."""

    def __init__(self, ctx: TaskContext):
        self.n_classes = max(ctx.dataset.n_classes, 2) if ctx.dataset is not None else 2
        self.target_form = LOSSES.get(ctx.params["loss"]).target
        super().__init__(ctx)
        self._check_output()

    def _check_output(self) -> None:
        where = f"node '{self.compiled['model'].output_nodes[0]}'"
        problem = classification_output_problem(self.out_shape, self.n_classes,
                                                self.target_form)
        if problem is not None:
            raise TrainingError(problem[0], where)

    def _targets(self, y: np.ndarray) -> torch.Tensor:
        y = torch.as_tensor(y, dtype=torch.long)
        units = self.out_shape[-1]
        if self.target_form == "index":
            return y
        values = F.one_hot(y, units).float() if units > 1 else y.float()[:, None]
        if self.target_form == "signed" or (self.target_form == "value" and self.kind == "tanh"):
            return 2.0 * values - 1.0
        return values

    @property
    def threshold(self) -> float:
        """Decision threshold for a single output unit, midway between the target values."""
        if self.ctx.params.get("threshold") is not None:
            return self.ctx.params["threshold"]
        if self.target_form == "signed" or self.kind == "tanh":
            return 0.0
        if self.target_form == "binary" and self.kind != "probabilities":
            return 0.0  # logits
        return 0.5

    def classes_from_output(self, out: torch.Tensor) -> torch.Tensor:
        """Predicted class indices (N,) from raw outputs."""
        if out.shape[-1] == 1:
            return (out[:, 0] > self.threshold).long()
        return out.argmax(dim=-1)

    def _split_metrics(self, out: torch.Tensor, y_raw: np.ndarray) -> dict:
        pred = self.classes_from_output(out).cpu().numpy()
        return classification_metrics(y_raw, pred, self.n_classes)


class RegressionTask(GradientTask):
    """Predict real-valued targets."""

    def __init__(self, ctx: TaskContext):
        super().__init__(ctx)
        problem = regression_output_problem(self.out_shape, ctx.dataset.target_shape)
        if problem is not None:
            where = f"node '{self.compiled['model'].output_nodes[0]}'"
            raise TrainingError(problem[0], where)

    def _targets(self, y: np.ndarray) -> torch.Tensor:
        return torch.as_tensor(y, dtype=torch.float32)

    def _split_metrics(self, out: torch.Tensor, y_raw: np.ndarray) -> dict:
        return regression_metrics(y_raw, out.cpu().numpy())


_CLASS_LOSSES = ("cross_entropy", "bce", "mse", "half_mse", "mae", "huber", "hinge")
_REG_LOSSES = ("mse", "half_mse", "mae", "huber")

register_task(TaskType(
    "classification", "Classification",
    (choice_param("loss", "cross_entropy", _CLASS_LOSSES),
     float_param("threshold", None, -1e6, 1e6, optional=True,
                 help="Decision threshold for one output unit; empty picks it from the loss."),
     float_param("delta", 1.0, 1e-6, 1e6, advanced=True, help="Huber's delta.")),
    ClassificationTask, targets=("class",),
    views=("boundary", "loss", "confusion"),
    doc="Predict a class: binary with one output unit, or one unit per class."))

register_task(TaskType(
    "regression", "Regression",
    (choice_param("loss", "mse", _REG_LOSSES),
     float_param("delta", 1.0, 1e-6, 1e6, advanced=True, help="Huber's delta.")),
    RegressionTask, targets=("regression",),
    views=("boundary", "loss", "fit"),
    doc="Predict real numbers; metrics MSE, MAE and R²."))
