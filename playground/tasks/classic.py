"""The books' classic rules as tasks: the perceptron rule (and pocket) and LMS / MMSE.

The network is a graph like any other: ``Input -> Dense(1) -> Output``, with
activation ``sign`` for the perceptron and ``identity`` (LMS), ``tanh`` (MMSE-tanh)
or ``sigmoid`` for LMS. The rule, not an optimizer, updates that Dense's weight
and bias, so the editor's inspector, hand-set weights (``Node.weights``) and the
boundary, neuron and weight views all apply. Design choices:

* The rule keeps the weights in float64 (the numbers the books print) and
  writes them into the layer after each update. A weight edited in the layer
  while paused (the inspector) is picked up before the next step.
* ``init`` "graph" starts from the layer: its hand-set ``weights`` read as
  float64 from the file when given (ldl's ``w = [0.2, -0.6, 0.25]`` stays
  exact), else the layer's initialisation; "zeros" is dl4b's ``np.zeros``.
* The learning rate is ``training.optimizer.params.lr``, read before every step,
  so it can change live like any run's; no optimizer ever steps. Use SGD.
* One step is what the book counts: one presented sample for the "cyclic" and
  "shuffle" orders (a pass is an epoch), one update for "first_misclassified"
  and "random_misclassified" (an epoch is one update). Once the rule has
  converged, further steps change nothing.
* The books' random generators are reproduced: ``rng`` "python" is
  ``random.seed(seed)`` (ldl, dl4b), "numpy" is ``np.random.seed(seed)``, with
  the run's training seed (``training.seed``, which ``--seed`` and ``--seeds``
  override): a preset reproducing a book's seeded program ships the book's seed
  as its training seed.

These tasks subclass :class:`~playground.tasks.supervised.ClassificationTask`
so probes treat them as classifiers (``model``, ``threshold``, ``predict``).
"""

from __future__ import annotations

import numpy as np
import torch

from playground.compiler import primary_layer
from playground.errors import TrainingError
from playground.layers import LAYERS
from playground.params import bool_param, choice_param, float_param
from playground.tasks.base import TaskContext, TaskType, register_task
from playground.tasks.rules import (
    ACTIVATIONS,
    RNG_KINDS,
    SELECTIONS,
    ZERO_IS,
    BookRandom,
    PerceptronRun,
    SampleOrder,
    lms_step,
    sign_outputs,
    weighted_sums,
)
from playground.tasks.supervised import ClassificationTask, split_targets
from playground.training.metrics import classification_metrics

#: Weights reported as scalar metrics (w1..wd) up to this many inputs.
MAX_WEIGHT_METRICS = 8


def unit_node(ctx: TaskContext, activations: tuple[str, ...], rule: str) -> tuple[str, str]:
    """The id and activation of the graph's single Dense(1) fed straight by the Input.

    Raises
    ------
    TrainingError
        Naming the node and how to fix the graph.
    """
    graph = ctx.graphs.get("model")
    dense = graph.nodes_of_type("dense") if graph is not None else []
    if graph is None or len(dense) != 1:
        raise TrainingError(f"the {rule} trains exactly one Dense(1) layer; the graph has "
                            f"{len(dense)} Dense layers: build Input -> Dense(1) -> Output",
                            "graphs.model")
    node = dense[0]
    where = f"node '{node.id}'"
    p = LAYERS.get("dense").resolve(node.params, f"{where}.params")
    incoming = graph.edges_into(node.id)
    if not incoming or graph.nodes[incoming[0].src].type != "input":
        raise TrainingError(f"the {rule} works on the raw inputs: connect the Input "
                            "straight to the Dense", where)
    if p["units"] != 1 or not p["use_bias"]:
        raise TrainingError(f"the {rule} needs Dense(units=1, use_bias=true), got units="
                            f"{p['units']}, use_bias={p['use_bias']}", where)
    if p["activation"] not in activations:
        raise TrainingError(f"the {rule} needs activation {' or '.join(activations)}, got "
                            f"{p['activation']!r}", where)
    return node.id, p["activation"]


class LinearRuleTask(ClassificationTask):
    """Shared machinery: one Dense(1) whose weights a numpy rule updates.

    Subclasses set :attr:`rule_name`, :attr:`activations`, implement
    :meth:`_make_rule`, :meth:`_rule_step` and :meth:`_outputs`, and report
    their own metrics in :meth:`_rule_metrics`.
    """

    rule_name = "rule"
    activations: tuple[str, ...] = ()
    default_monitor = "train_loss"

    def __init__(self, ctx: TaskContext):
        self.rule_params = dict(ctx.params)
        self.unit, self.activation = unit_node(ctx, self.activations, self.rule_name)
        loss, threshold = self._loss_and_threshold()
        inner = TaskContext(ctx.graphs, ctx.dataset, ctx.config,
                            {**ctx.params, "loss": loss, "threshold": threshold, "delta": 1.0},
                            ctx.device)
        super().__init__(inner)
        layer = primary_layer(self.compiled["model"].node_module(self.unit))
        if layer is None or layer.bias is None:  # unit_node checked Dense(use_bias=true)
            raise TrainingError(f"the {self.rule_name} needs a Dense layer with a bias",
                                f"node '{self.unit}'")
        self.layer, self.bias = layer, layer.bias
        train = self.dataset.train
        self.x = train.x.reshape(len(train.x), -1).astype(np.float64)  # (n, d)
        self.y = self._rule_targets(split_targets(train, "train"))  # (n,)
        self.rng = BookRandom(self.rule_params["rng"], ctx.config.seed)
        b, w = self._initial_weights(ctx)
        self._make_rule(b, w)
        self._write()

    # -- subclass hooks ------------------------------------------------------------------
    def _loss_and_threshold(self) -> tuple[str, float]:
        """Registry loss whose target form matches the rule's labels, and the threshold."""
        return "hinge", 0.0  # -1/+1 targets, decision at 0

    def _rule_targets(self, y: np.ndarray) -> np.ndarray:
        return 2.0 * y.astype(np.float64) - 1.0  # classes 0/1 -> the books' -1/+1

    def _make_rule(self, b: float, w: np.ndarray) -> None:
        raise NotImplementedError

    def _rule_step(self, lr: float) -> tuple[bool, float]:
        """Advance the rule; (weights changed, loss of this step)."""
        raise NotImplementedError

    def _outputs(self, x: np.ndarray) -> np.ndarray:
        """The unit's outputs on ``x`` (n, d) with the weights shown in the layer."""
        raise NotImplementedError

    def _rule_metrics(self) -> dict[str, float]:
        return {}

    # -- weights between the rule (float64) and the layer (float32) ----------------------------
    def _initial_weights(self, ctx: TaskContext) -> tuple[float, np.ndarray]:
        d = self.x.shape[1]
        if self.rule_params["init"] == "zeros":
            return 0.0, np.zeros(d)
        hand = ctx.graphs["model"].nodes[self.unit].weights or {}
        w = np.asarray(hand["weight"], dtype=np.float64).reshape(-1) if "weight" in hand \
            else self.layer.weight.detach().double().numpy().reshape(-1)
        b = float(np.asarray(hand["bias"], dtype=np.float64).reshape(-1)[0]) if "bias" in hand \
            else float(self.bias.detach().double()[0])
        return b, w

    def shown_weights(self) -> tuple[float, np.ndarray]:
        """(b, w) the layer holds: the current weights (the pocket's for the pocket rule)."""
        return self.current_weights()

    def current_weights(self) -> tuple[float, np.ndarray]:
        """(b, w) the rule is at now."""
        raise NotImplementedError

    def _set_current(self, b: float, w: np.ndarray) -> None:
        raise NotImplementedError

    @torch.no_grad()
    def _write(self) -> None:
        b, w = self.shown_weights()
        self.layer.weight.copy_(torch.as_tensor(w[None, :], dtype=self.layer.weight.dtype))
        self.bias.fill_(float(b))

    def _adopt_edits(self) -> None:
        """Take the layer's weights if someone changed them (the inspector, a restore)."""
        b, w = self.shown_weights()
        lw = self.layer.weight.detach().cpu().numpy().reshape(-1)
        lb = float(self.bias.detach().cpu()[0])
        if not (np.array_equal(lw, w.astype(np.float32)) and lb == np.float32(b)):
            self._set_current(lb, lw.astype(np.float64))
            self._write()

    # -- the Task interface --------------------------------------------------------------
    def steps_per_epoch(self) -> int:
        return len(self.x) if self.rule_params.get("selection", "cyclic") in ("cyclic",
                                                                            "shuffle") else 1

    def begin_epoch(self, generator: torch.Generator) -> None:
        """Nothing: the rule draws from the book's own generator."""

    def train_step(self) -> torch.Tensor:
        self._adopt_edits()
        changed, loss = self._rule_step(float(self.optimizer.param_groups[0]["lr"]))
        if changed:
            self._write()
        return torch.tensor(loss, dtype=torch.float64)

    def evaluate(self) -> dict[str, float]:
        metrics: dict[str, float] = {}
        for name in ("train", "val", "test"):
            part = self.dataset.split(name)
            if len(part) == 0:
                continue
            x = part.x.reshape(len(part.x), -1).astype(np.float64)
            for key, value in self._split_metrics_np(x, split_targets(part, name)).items():
                metrics[f"{name}_{key}"] = value
        b, w = self.current_weights()
        metrics["b"] = float(b)
        if len(w) <= MAX_WEIGHT_METRICS:
            metrics.update({f"w{j + 1}": float(v) for j, v in enumerate(w)})
        metrics.update(self._rule_metrics())
        return metrics

    def _split_metrics_np(self, x: np.ndarray, y_raw: np.ndarray) -> dict[str, float]:
        raise NotImplementedError

    # -- for views -----------------------------------------------------------------------
    def decision_function(self, x: np.ndarray) -> np.ndarray:
        """The weighted sums ``z = b + w . x`` (n,) of the layer's weights on inputs ``x``."""
        b, w = self.shown_weights()
        return weighted_sums(np.asarray(x, np.float64).reshape(len(x), -1), b, w)

    def line(self) -> dict[str, float]:
        """The current boundary ``w1 x1 + w2 x2 + b = 0`` (2-D inputs) as its coefficients."""
        b, w = self.current_weights()
        return {"b": float(b), **{f"w{j + 1}": float(v) for j, v in enumerate(w)}}

    def weight_history(self) -> np.ndarray:
        """``(updates + 1, d + 1)``: rows ``(b, w1..wd)`` initially and after each update."""
        return np.asarray(self._history(), dtype=np.float64)

    def _history(self) -> list:
        raise NotImplementedError

    def arrays(self) -> dict[str, np.ndarray]:
        """Named arrays for views and ``expect`` "array" checks."""
        b, w = self.current_weights()
        return {"weight_history": self.weight_history(),
                "weights": np.asarray([b, *w], dtype=np.float64)}


# -- perceptron and pocket -------------------------------------------------------------------

class PerceptronTask(LinearRuleTask):
    """Rosenblatt's rule; with ``pocket`` the layer shows the best weights seen."""

    rule_name = "perceptron rule"
    activations = ("sign", "identity")

    def _make_rule(self, b: float, w: np.ndarray) -> None:
        p = self.rule_params
        self.run = PerceptronRun(self.x, self.y, b, w, p["selection"], self.rng,
                                 p["zero_is"], pocket=p["pocket"])

    def _make_loss(self):
        # The training error rate: a sign output of 0 matches neither label.
        return lambda out, y: (out != y).float().mean()

    def current_weights(self) -> tuple[float, np.ndarray]:
        return self.run.b, self.run.w

    def shown_weights(self) -> tuple[float, np.ndarray]:
        if self.run.pocket:
            return self.run.best_b, self.run.best_w
        return self.run.b, self.run.w

    def _set_current(self, b: float, w: np.ndarray) -> None:
        self.run.set_weights(b, w)
        if self.run.pocket:
            self.run.best_b, self.run.best_w = float(b), w.copy()
            self.run.best_errors, self.run.best_update = self.run.errors(), self.run.updates

    def _rule_step(self, lr: float) -> tuple[bool, float]:
        changed = self.run.step(lr)
        return changed, self.run.errors() / len(self.x)

    def _outputs(self, x: np.ndarray) -> np.ndarray:
        b, w = self.shown_weights()
        return sign_outputs(weighted_sums(x, b, w), self.rule_params["zero_is"])

    def _split_metrics_np(self, x: np.ndarray, y_raw: np.ndarray) -> dict[str, float]:
        out = self._outputs(x)
        y = self._rule_targets(y_raw)
        wrong = out != y
        # Class predictions for precision/recall: an output of 0 is wrong whatever the label.
        pred = np.where(wrong, 1 - y_raw, y_raw).astype(np.int64)
        metrics = classification_metrics(y_raw, pred, 2)
        metrics["errors"] = float(np.count_nonzero(wrong))
        metrics["loss"] = float(np.mean(wrong))
        return metrics

    def _rule_metrics(self) -> dict[str, float]:
        r = self.run
        out = {"updates": float(r.updates), "converged": float(r.converged)}
        if r.selection in ("cyclic", "shuffle"):
            out["passes"] = float(r.passes)
        out.update(best_errors=float(r.best_errors), best_update=float(r.best_update),
                   best_accuracy=1.0 - r.best_errors / len(self.x))
        if r.pocket:
            out["current_errors"] = float(r.errors())
        return out

    def final_metrics(self) -> dict[str, float]:
        """The data's radius R and Novikoff's bound when the margin eta is given."""
        radius = float(np.sqrt((self.x ** 2).sum(axis=1)).max())
        out = {"radius": radius}
        eta = self.rule_params.get("margin")
        if eta:
            out["novikoff_bound"] = (radius ** 2 + 1.0) / eta ** 2  # k < (R^2 + 1) / eta^2
            out["novikoff_bound_as_printed"] = (radius ** 2 + 1.0) / eta  # dlpi Eq. 1.13
        return out

    def _history(self) -> list:
        return self.run.history

    def arrays(self) -> dict[str, np.ndarray]:
        out = super().arrays()
        if self.run.pocket:
            out["pocket_weights"] = np.asarray([self.run.best_b, *self.run.best_w])
        return out


# -- LMS / MMSE ----------------------------------------------------------------------------

class LMSTask(LinearRuleTask):
    """Per-sample MMSE on one unit: LMS (identity), MMSE-tanh (tanh) or logistic."""

    rule_name = "LMS rule"
    activations = ("identity", "tanh", "sigmoid")

    def _loss_and_threshold(self) -> tuple[str, float]:
        if self.activation == "sigmoid":
            return "half_mse", 0.5  # 0/1 targets
        return "hinge", 0.0  # -1/+1 targets (the loss itself is replaced below)

    def _rule_targets(self, y: np.ndarray) -> np.ndarray:
        y = y.astype(np.float64)
        return y if self.activation == "sigmoid" else 2.0 * y - 1.0

    def _make_loss(self):
        return lambda out, y: 0.5 * ((out - y) ** 2).mean()

    def _make_rule(self, b: float, w: np.ndarray) -> None:
        self.b, self.w = b, w.copy()
        self.order = SampleOrder(len(self.x), self.rule_params["selection"] == "shuffle",
                                 self.rng)
        self.updates = 0
        self.history = [(float(b), *map(float, w))]

    def current_weights(self) -> tuple[float, np.ndarray]:
        return self.b, self.w

    def _set_current(self, b: float, w: np.ndarray) -> None:
        self.b, self.w = float(b), w.copy()

    def _rule_step(self, lr: float) -> tuple[bool, float]:
        i, _, _ = self.order.next()
        self.b, self.w, e = lms_step(self.x[i], self.y[i], self.b, self.w, lr, self.activation)
        self.updates += 1
        if self.rule_params["keep_history"]:
            self.history.append((float(self.b), *map(float, self.w)))
        return True, 0.5 * e * e

    def _outputs(self, x: np.ndarray) -> np.ndarray:
        return ACTIVATIONS[self.activation][0](weighted_sums(x, self.b, self.w))

    def _split_metrics_np(self, x: np.ndarray, y_raw: np.ndarray) -> dict[str, float]:
        out = self._outputs(x)
        y = self._rule_targets(y_raw)
        pred = (out > self.threshold).astype(np.int64)
        metrics = classification_metrics(y_raw, pred, 2)
        metrics["loss"] = float(0.5 * np.mean((out - y) ** 2))
        metrics["errors"] = float(np.count_nonzero(pred != y_raw))
        return metrics

    def _rule_metrics(self) -> dict[str, float]:
        return {"updates": float(self.updates)}

    def _history(self) -> list:
        return self.history


# -- registration ----------------------------------------------------------------------------

_RNG = choice_param("rng", "python", RNG_KINDS,
                    help="The book's generator, seeded with the training seed: Python's "
                         "random.seed(seed) or numpy's np.random.seed(seed).")
_INIT = choice_param("init", "graph", ("graph", "zeros"),
                     help="'graph': the Dense layer's (hand-set) weights; 'zeros': w = 0, b = 0.")

register_task(TaskType(
    "perceptron", "Perceptron rule",
    (choice_param("selection", "cyclic", SELECTIONS,
                  help="Next sample: in order, reshuffled each pass, the first misclassified "
                       "(dlpi), or a random misclassified one (dl4b)."),
     bool_param("pocket", False, help="Gallant's pocket: the layer keeps the weights with "
                                      "the fewest training errors seen."),
     choice_param("zero_is", "error", ZERO_IS,
                  help="A weighted sum of exactly 0: an error (np.sign) or the +1 class (ldl)."),
     _INIT, _RNG,
     float_param("margin", None, 1e-9, 1e6, optional=True,
                 help="Novikoff's eta when known (the separable_2d generator's margin): "
                      "reports the bound (R^2 + 1) / eta^2 on the number of updates.")),
    PerceptronTask, targets=("class",), views=("boundary", "loss", "weights"),
    doc="Rosenblatt's rule on Input -> Dense(1, sign): updates on mistakes only; "
        "optionally the pocket algorithm."))

register_task(TaskType(
    "lms", "LMS / MMSE rule",
    (choice_param("selection", "shuffle", ("cyclic", "shuffle"),
                  help="Samples in order or reshuffled every pass."),
     _INIT, _RNG,
     bool_param("keep_history", True, help="Record the weights after every update.")),
    LMSTask, targets=("class",), views=("boundary", "loss", "weights"),
    doc="Per-sample least mean squares on Input -> Dense(1): linear (LMS), tanh (MMSE) "
        "or sigmoid output."))
