"""The ``stepthrough`` task: per-sample backprop, every step fully recorded.

One step presents one training sample: a forward pass, a backward pass and a
plain gradient-descent update ``W -= lr * dL/dW`` (see
:mod:`playground.training.steptrace`), and the task keeps that step's
:class:`~playground.training.steptrace.StepTrace` for the step-through table.
This is how the books' hand-worked examples and their small numpy programs
train (dlpi Ex 1.5.3, ldl ch3), so it also reproduces their runs exactly:

* ``order`` "cyclic" or "shuffle", with ``rng`` "numpy" being ldl's
  ``np.random.shuffle(index_list)`` after ``np.random.seed(seed)``, "python"
  Python's ``random``, "torch" the trainer's generator; each is seeded with the
  run's training seed (``training.seed``: ldl-3-xor ships the book's 3);
* ``init`` "uniform": ldl Code 3-2 draws each neuron's input weights from
  ``np.random.uniform(-1, 1)`` (neuron after neuron, layer after layer, from
  the same generator as the shuffles) with zero biases; "graph" keeps the
  graph's initialisation and hand-set weights;
* ``stop`` "all_correct": after each pass, stop updating once every training
  output is on the right side of the threshold (ldl's convergence test);
* ``update`` false only traces (hand-set networks such as dlpi Ex 1.3.1).

The learning rate is ``training.optimizer.params.lr`` of an SGD optimizer
without momentum or weight decay (the update the books write), read before
every step so it can change live.
"""

from __future__ import annotations

import numpy as np
import torch

from playground.compiler import primary_layer
from playground.errors import TrainingError
from playground.params import bool_param, choice_param, float_param
from playground.tasks.base import TaskContext, TaskType, predict_in_chunks, register_task
from playground.tasks.rules import BookRandom, SampleOrder
from playground.tasks.supervised import ClassificationTask, split_targets
from playground.training.steptrace import StepTrace, module_nodes, trace_step

#: Per-sample outputs are reported as metrics (out_0, out_1...) up to this many samples.
MAX_OUTPUT_METRICS = 16


class StepThroughTask(ClassificationTask):
    """Per-sample SGD on a small classifier, recording every intermediate number."""

    def __init__(self, ctx: TaskContext):
        super().__init__(ctx)
        cfg, p = ctx.config, ctx.params
        hyper = cfg.optimizer_params
        if cfg.optimizer != "sgd" or hyper.get("momentum") or hyper.get("weight_decay") \
                or hyper.get("nesterov"):
            raise TrainingError("step-through applies W -= lr * dL/dW: use SGD with momentum "
                                "0, nesterov false and weight_decay 0", "training.optimizer")
        if cfg.l1 or cfg.l2 or cfg.grad_clip is not None:
            raise TrainingError("step-through shows the plain loss gradient: set l1 and l2 "
                                "to 0 and grad_clip to null", "training")
        self.x, self.t = self.train_tensors()
        self.n = len(self.x)
        self.rng = BookRandom(p["rng"], cfg.seed) if p["rng"] != "torch" else None
        if p["init"] == "uniform":
            if self.rng is None:
                raise TrainingError("init 'uniform' draws from the book's random source: set "
                                    "rng to python or numpy", "task.params.init")
            self._uniform_init()
        self.order = SampleOrder(self.n, p["order"] == "shuffle" and self.rng is not None,
                                 self.rng)
        self._torch_order: list[int] | None = None
        self.last_trace: StepTrace | None = None
        self.updates = 0
        self.converged_epoch: int | None = None

    @torch.no_grad()
    def _uniform_init(self) -> None:
        """ldl's ``neuron_w``: zero bias, each input weight ``uniform(-1, 1)`` in order."""
        compiled = self.compiled["model"]
        for nid in module_nodes(compiled):
            layer = primary_layer(compiled.node_module(nid))
            if not isinstance(layer, torch.nn.Linear):
                continue
            units, inputs = layer.weight.shape
            assert self.rng is not None  # init "uniform" draws from the book's source
            # Row by row: neuron 0's weights, then neuron 1's... (PyTorch layout (units, inputs)).
            values = [[self.rng.uniform(-1.0, 1.0) for _ in range(inputs)] for _ in range(units)]
            layer.weight.copy_(torch.tensor(values, dtype=layer.weight.dtype))
            if layer.bias is not None:
                layer.bias.zero_()

    # -- the Task interface --------------------------------------------------------------
    def steps_per_epoch(self) -> int:
        return self.n

    def begin_epoch(self, generator: torch.Generator) -> None:
        if self.rng is None and self.ctx.params["order"] == "shuffle":
            self._torch_order = torch.randperm(self.n, generator=generator).tolist()

    def _next_index(self) -> tuple[int, bool]:
        i, _, ends = self.order.next()
        if self._torch_order is not None:
            i = self._torch_order[i]
        return i, ends

    @property
    def converged(self) -> bool:
        """True once ``stop`` "all_correct" has been met."""
        return self.converged_epoch is not None

    def train_step(self) -> torch.Tensor:
        i, ends = self._next_index()
        apply = self.ctx.params["update"] and not self.converged
        lr = float(self.optimizer.param_groups[0]["lr"])
        self.last_trace = trace_step(self.compiled["model"], self.x[i:i + 1], self.t[i:i + 1],
                                     self.loss_fn, lr, apply=apply,
                                     graph=self.ctx.graphs["model"])
        self.updates += int(apply)
        if ends and not self.converged and self.ctx.params["stop"] == "all_correct" \
                and self._all_correct():
            self.converged_epoch = self.order.passes
        return torch.tensor(self.last_trace.loss)

    @torch.no_grad()
    def _all_correct(self) -> bool:
        out = self.model(self.x)
        y = split_targets(self.dataset.train, "train")
        return bool(np.all(self.classes_from_output(out).cpu().numpy() == y))

    def evaluate(self) -> dict[str, float]:
        metrics = super().evaluate()
        out = self.outputs()
        if self.n <= MAX_OUTPUT_METRICS:
            for i, row in enumerate(out):
                if len(row) == 1:
                    metrics[f"out_{i}"] = float(row[0])
                else:
                    metrics.update({f"out_{i}_{k}": float(v) for k, v in enumerate(row)})
        metrics["updates"] = float(self.updates)
        metrics["passes"] = float(self.order.passes)
        metrics["converged"] = float(self.converged)
        if self.converged_epoch is not None:
            metrics["converged_epoch"] = float(self.converged_epoch)
        return metrics

    # -- for views and checks ------------------------------------------------------------
    def trace(self) -> dict | None:
        """The last step's numbers as nested lists (None before the first step)."""
        return None if self.last_trace is None else self.last_trace.to_dict()

    @torch.no_grad()
    def outputs(self) -> np.ndarray:
        """The network's outputs on the training samples, (n, units), in data order."""
        was = self.model.training
        self.model.eval()
        try:
            return predict_in_chunks(self.model, self.x).double().cpu().numpy()
        finally:
            self.model.train(was)

    @torch.no_grad()
    def activations(self) -> dict[str, np.ndarray]:
        """Each node's output on the training samples: node id -> (n, units)."""
        compiled = self.compiled["model"]
        seen: dict[str, torch.Tensor] = {}
        hooks = [compiled.node_module(nid).register_forward_hook(
            (lambda k: lambda m, a, o: seen.__setitem__(k, o))(nid))
            for nid in module_nodes(compiled)]
        try:
            self.model(self.x)
        finally:
            for h in hooks:
                h.remove()
        return {k: v.double().cpu().numpy() for k, v in seen.items()}

    def arrays(self) -> dict[str, np.ndarray]:
        """``outputs``, ``activations.<node>`` and the last step's ``trace.<node>.<field>``."""
        out = {"outputs": self.outputs()}
        out.update({f"activations.{k}": v for k, v in self.activations().items()})
        if self.last_trace is not None:
            out.update(self.last_trace.arrays())
        return out


register_task(TaskType(
    "stepthrough", "Step-through backprop",
    (choice_param("loss", "half_mse", ("half_mse", "mse", "bce", "cross_entropy", "hinge"),
                  help="The book's loss: half squared error (ldl), cross-entropy with a "
                       "logistic output (dlpi's ML criterion)..."),
     float_param("threshold", None, -1e6, 1e6, optional=True,
                 help="Decision threshold for one output unit; empty picks it from the loss."),
     choice_param("order", "cyclic", ("cyclic", "shuffle"),
                  help="Samples in data order, or reshuffled at every pass."),
     choice_param("rng", "torch", ("torch", "numpy", "python"),
                  help="Generator for shuffles and 'uniform' init, seeded with the training "
                       "seed: the trainer's, or the book's np.random.seed(seed) / "
                       "random.seed(seed)."),
     choice_param("init", "graph", ("graph", "uniform"),
                  help="'uniform': every input weight U(-1, 1), biases 0 (ldl Code 3-2)."),
     choice_param("stop", "none", ("none", "all_correct"),
                  help="'all_correct': stop updating after the first pass that ends with "
                       "every training sample on the right side of the threshold."),
     bool_param("update", True, help="Off: forward and backward passes only, weights kept.")),
    StepThroughTask, targets=("class",), views=("boundary", "neurons", "loss"),
    doc="One sample per step: forward pass, backward pass and update, every number kept "
        "for the step-through table (the books' worked backprop examples)."))
