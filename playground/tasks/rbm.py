"""Restricted Boltzmann machines trained by contrastive divergence, and an RBM-stack classifier.

:class:`BernoulliRBM` is the update rule of dlpi Eqs. 7.10-7.13 (binary
visible and hidden units): with ``h+ = sigmoid(v W^T + c)`` on a mini-batch,
a Gibbs chain gives ``v-`` and ``h- = sigmoid(v- W^T + c)``, and

    W += lr / n (h+^T v - h-^T v-),  c += lr / n sum(h+ - h-),  b += lr / n sum(v - v-)

CD-k starts the chain from a sample of ``h+``; persistent CD (PCD, what
scikit-learn's ``BernoulliRBM`` does) keeps the chain's hidden samples from
one mini-batch to the next. Random numbers come from numpy's legacy
``RandomState`` in scikit-learn's order (``normal(0, 0.01)`` weights first,
then one ``uniform`` array per sampling), so with the same seed, batches and
PCD the weights follow scikit-learn's exactly (the tests use it as an oracle).
The ``rbm_stack`` task seeds each RBM's ``RandomState`` with the run's training
seed, scikit-learn's ``random_state``.

The ``rbm_stack`` task is dlpi Ex 7.3.1 (seeds/000, L6911-6921): RBMs stacked
greedily as a feature extractor, then a softmax classifier. Its graph is a
chain ``Input -> Dense(sigmoid) ... -> Dense(classes) -> Output``: every Dense
but the last is an RBM whose ``W`` and hidden bias ``c`` are that layer's weight
and bias (the visible biases live in the task), so views and the inspector
see the RBM filters. Phases, one after another:

1. each RBM for ``rbm_epochs`` epochs on the hidden probabilities of the ones
   below; one step is one mini-batch (``training.batch_size``, taken in data
   order as scikit-learn does);
2. the last Dense as a softmax classifier on the frozen features, trained by
   cross-entropy on the whole training set, as the book's logistic regression
   (scikit-learn's, fitted by L-BFGS): ``classifier_steps`` steps, each one
   call of full-batch L-BFGS with ``lbfgs_iterations`` iterations
   (``classifier`` "lbfgs") or one full-batch step of the project's optimizer
   ("optimizer"); the rest of that epoch's steps do nothing. The features are
   standardised for conditioning and the standardisation is folded into the
   layer's weights after every step, so the model stays a plain chain. With
   ``baseline`` a second softmax on the raw (standardised) pixels trains
   alongside: ``raw_*_accuracy``.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from playground.compiler import primary_layer
from playground.errors import TrainingError
from playground.params import bool_param, choice_param, float_param, int_param
from playground.tasks.base import TaskContext, TaskType, register_task
from playground.tasks.supervised import ClassificationTask
from playground.training.metrics import classification_metrics
from playground.training.optimizers import build_optimizer

#: Samples used for the reconstruction error and pseudo-likelihood metrics.
METRIC_SAMPLES = 1000


class BernoulliRBM:
    """One RBM: ``W`` (hidden, visible), hidden bias ``c``, visible bias ``b``.

    Parameters
    ----------
    W, c, b : Tensor
        Updated in place (they may be a Dense layer's weight and bias).
    rng : numpy.random.RandomState
        Source of the uniform numbers for sampling.
    k : int
        Gibbs steps per update.
    persistent : bool
        PCD: keep the chain between updates (started at zeros, as scikit-learn).
    chain_size : int
        Rows of the persistent chain (scikit-learn: the batch size).
    """

    def __init__(self, W: torch.Tensor, c: torch.Tensor, b: torch.Tensor,
                 rng: np.random.RandomState, k: int = 1, persistent: bool = False,
                 chain_size: int = 10):
        self.W, self.c, self.b = W, c, b
        self.rng, self.k, self.persistent = rng, k, persistent
        self.chain = torch.zeros(chain_size, W.shape[0], dtype=W.dtype, device=W.device)

    def hidden_probs(self, v: torch.Tensor) -> torch.Tensor:
        """p(h = 1 | v), (n, hidden)."""
        return torch.sigmoid(v @ self.W.T + self.c)

    def visible_probs(self, h: torch.Tensor) -> torch.Tensor:
        """p(v = 1 | h), (n, visible)."""
        return torch.sigmoid(h @ self.W + self.b)

    def sample(self, p: torch.Tensor) -> torch.Tensor:
        """Bernoulli samples of probabilities ``p`` (one uniform draw per entry)."""
        u = torch.from_numpy(self.rng.uniform(size=tuple(p.shape))).to(p.device, p.dtype)
        return (u < p).to(p.dtype)

    @torch.no_grad()
    def update(self, v: torch.Tensor, lr: float) -> float:
        """One CD-k / PCD update on mini-batch ``v`` (n, visible); its reconstruction error.

        Returns the mean squared difference between ``v`` and its mean-field
        reconstruction ``p(v | h+)`` before the update.
        """
        h_pos = self.hidden_probs(v)
        h = self.chain if self.persistent else self.sample(h_pos)
        for _ in range(self.k):
            v_neg = self.sample(self.visible_probs(h))
            h_neg = self.hidden_probs(v_neg)
            h = self.sample(h_neg)  # the next Gibbs step's (or the kept chain's) hidden state
        recon = float(((v - self.visible_probs(h_pos)) ** 2).mean())
        step = lr / v.shape[0]
        self.W += step * (h_pos.T @ v - h_neg.T @ v_neg)
        self.c += step * (h_pos.sum(0) - h_neg.sum(0))
        self.b += step * (v.sum(0) - v_neg.sum(0))
        if self.persistent:
            self.chain = h
        return recon

    @torch.no_grad()
    def free_energy(self, v: torch.Tensor) -> torch.Tensor:
        """F(v) = -v.b - sum log(1 + exp(v W^T + c)), (n,)."""
        return -(v @ self.b) - F.softplus(v @ self.W.T + self.c).sum(1)

    @torch.no_grad()
    def pseudo_likelihood(self, v: torch.Tensor, flip: torch.Tensor) -> float:
        """scikit-learn's ``score_samples`` averaged: flip one unit per sample (``flip``, (n,))."""
        v_ = v.clone()
        rows = torch.arange(len(v))
        v_[rows, flip] = 1.0 - v_[rows, flip]
        fe, fe_ = self.free_energy(v), self.free_energy(v_)
        return float((-v.shape[1] * F.softplus(-(fe_ - fe))).mean())

    @torch.no_grad()
    def reconstruction_error(self, v: torch.Tensor) -> float:
        """Mean squared difference between v and p(v | p(h | v))."""
        return float(((v - self.visible_probs(self.hidden_probs(v))) ** 2).mean())


def _dense_chain(ctx: TaskContext) -> list[str]:
    """Dense node ids from the Input to the Output, checking the graph is a plain chain."""
    graph = ctx.graphs["model"]
    inputs = graph.nodes_of_type("input")
    if len(inputs) != 1:
        raise TrainingError("the RBM stack needs one Input", "graphs.model")
    chain, nid = [], inputs[0].id
    while True:
        out = graph.edges_from(nid)
        if len(out) != 1:
            raise TrainingError("the RBM stack is a chain: every node feeds exactly one",
                                f"node '{nid}'")
        nid = out[0].dst
        node = graph.nodes[nid]
        if node.type == "output":
            break
        if node.type != "dense":
            raise TrainingError("the RBM stack is built from Dense layers only",
                                f"node '{nid}'")
        chain.append(nid)
    if len(chain) < 2:
        raise TrainingError("the RBM stack needs at least one Dense(sigmoid) RBM layer and "
                            "a Dense classifier after it", "graphs.model")
    for nid in chain[:-1]:
        if graph.nodes[nid].params.get("activation") != "sigmoid":
            raise TrainingError("an RBM layer has binary hidden units: set its activation "
                                "to sigmoid", f"node '{nid}'")
    return chain


def _linear(module: nn.Module | None, node: str) -> nn.Linear:
    """The Linear layer of a Dense node of the RBM stack (the chain was checked)."""
    layer = None if module is None else primary_layer(module)
    if not isinstance(layer, nn.Linear):
        raise TrainingError(f"node {node!r} has no Linear layer for the RBM stack", "graphs")
    return layer


class RBMStackTask(ClassificationTask):
    """Greedy RBM pre-training, then a softmax classifier on the features (dlpi Ex 7.3.1)."""

    def __init__(self, ctx: TaskContext):
        chain = _dense_chain(ctx)
        super().__init__(TaskContext(ctx.graphs, ctx.dataset, ctx.config,
                                     {**ctx.params, "loss": "cross_entropy", "threshold": None},
                                     ctx.device))
        p = ctx.params
        compiled = self.compiled["model"]
        self.rbm_nodes, self.head_node = chain[:-1], chain[-1]
        self.layers = [_linear(compiled.node_module(nid), nid) for nid in chain]
        train = self.splits["train"]
        assert train is not None  # a training split always has samples
        self.x_train, self.y_train = train
        self.n = len(self.x_train)
        self.batch = min(ctx.config.batch_size or self.n, self.n)
        self.steps = math.ceil(self.n / self.batch)
        self.rbm_steps = p["rbm_epochs"] * self.steps
        self.rbms: list[BernoulliRBM] = []
        for layer in self.layers[:-1]:
            # Each RBM as BernoulliRBM(random_state=training seed).
            rng = np.random.RandomState(ctx.config.seed)
            with torch.no_grad():
                if p["rbm_init"] == "sklearn":
                    w = rng.normal(0, 0.01, tuple(layer.weight.shape))
                    layer.weight.copy_(torch.from_numpy(w))
                    layer.bias.zero_()
            b = torch.zeros(layer.in_features, dtype=layer.weight.dtype, device=ctx.device)
            self.rbms.append(BernoulliRBM(layer.weight.data, layer.bias.data, b, rng,
                                          p["cd_k"], p["persistent"], self.batch))
        self.done = 0  # steps taken
        self._phase_data: tuple[int, torch.Tensor | None] = (-1, None)
        self.clf: dict | None = None
        # Until the classifier phase the graph's optimizer only holds live hyperparameter
        # edits (set_hyper); the classifier's optimizers start from its values.
        self.optimizers = [self.optimizer]
        self.recon_loss = 0.0
        self.clf_steps = 0
        self.clf_loss = torch.tensor(0.0)

    # -- phases --------------------------------------------------------------------------
    @property
    def phase(self) -> int:
        """Index of the RBM being trained, or len(rbms) for the classifier."""
        return min(self.done // self.rbm_steps, len(self.rbms)) if self.rbm_steps else \
            len(self.rbms)

    @torch.no_grad()
    def features(self, x: torch.Tensor, upto: int | None = None) -> torch.Tensor:
        """Hidden probabilities of RBM ``upto - 1`` (all RBMs by default) for inputs x."""
        for rbm in self.rbms[:len(self.rbms) if upto is None else upto]:
            x = rbm.hidden_probs(x)
        return x

    def _inputs_of(self, phase: int) -> torch.Tensor:
        if self._phase_data[0] != phase or self._phase_data[1] is None:
            self._phase_data = (phase, self.features(self.x_train, phase))
        inputs = self._phase_data[1]
        assert inputs is not None
        return inputs

    def steps_per_epoch(self) -> int:
        return self.steps

    def train_step(self) -> torch.Tensor:
        phase = self.phase
        if phase < len(self.rbms):
            v = self._inputs_of(phase)
            start = (self.done % self.steps) * self.batch
            self.recon_loss = self.rbms[phase].update(v[start:start + self.batch],
                                                      self.ctx.params["rbm_lr"])
            self.done += 1
            return torch.tensor(self.recon_loss)
        self.done += 1
        return self._classifier_step()

    # -- the classifier ------------------------------------------------------------------
    def _standardised(self, f: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        mean, std = f.mean(0), f.std(0)
        std = torch.where(std > 1e-6, std, torch.ones_like(std))
        return (f - mean) / std, mean, std

    def _make_head(self, f: torch.Tensor, init: nn.Linear | None) -> dict:
        z, mean, std = self._standardised(f)
        head = nn.Linear(f.shape[1], init.out_features if init else self.n_classes).to(f.device)
        if init is not None:  # start from the graph's initial head, in z coordinates
            with torch.no_grad():
                head.weight.copy_(init.weight * std)
                head.bias.copy_(init.bias + init.weight @ mean)
        if self.ctx.params["classifier"] == "lbfgs":
            # lr 1 with a strong-Wolfe line search: the step length is searched, not set.
            opt: torch.optim.Optimizer = torch.optim.LBFGS(head.parameters(), lr=1.0,
                                                           max_iter=self.ctx.params[
                                                               "lbfgs_iterations"],
                                                           history_size=10,
                                                           line_search_fn="strong_wolfe")
        else:
            opt = build_optimizer(self.ctx.config.optimizer, self.ctx.config.optimizer_params,
                                  list(head.parameters()))
            for group in opt.param_groups:  # hyperparameters changed live before this phase
                group.update({k: v for k, v in self.optimizer.param_groups[0].items()
                              if k != "params"})
        return {"z": z, "mean": mean, "std": std, "head": head, "opt": opt}

    def _setup_classifier(self) -> dict:
        feats = self.features(self.x_train)
        clf = {"main": self._make_head(feats, self.layers[-1])}
        if self.ctx.params["baseline"]:
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(self.ctx.config.seed)
                clf["raw"] = self._make_head(self.x_train.reshape(self.n, -1), None)
        if self.ctx.params["classifier"] == "optimizer":
            self.optimizers = [c["opt"] for c in clf.values()]
        self.clf = clf
        return clf

    def _classifier_step(self) -> torch.Tensor:
        clf = self.clf if self.clf is not None else self._setup_classifier()
        if self.clf_steps >= self.ctx.params["classifier_steps"]:
            return self.clf_loss  # the classifier is fitted; the epoch runs out
        for name, c in clf.items():
            def closure(c=c) -> torch.Tensor:
                c["opt"].zero_grad(set_to_none=True)
                value = F.cross_entropy(c["head"](c["z"]), self.y_train)
                value.backward()
                return value
            value = c["opt"].step(closure)
            if name == "main":
                self.clf_loss = value.detach()
        self.clf_steps += 1
        self._fold_head()
        return self.clf_loss

    @torch.no_grad()
    def _fold_head(self) -> None:
        """Write W' / std and b' - W' (mean / std) into the graph's head layer."""
        assert self.clf is not None  # called after a classifier step
        c, layer = self.clf["main"], self.layers[-1]
        w = c["head"].weight / c["std"]
        layer.weight.copy_(w)
        layer.bias.copy_(c["head"].bias - w @ c["mean"])

    # -- metrics -------------------------------------------------------------------------
    def evaluate(self) -> dict[str, float]:
        metrics = super().evaluate()
        metrics["phase"] = float(self.phase)
        sub = self.x_train[:METRIC_SAMPLES].reshape(-1, self.x_train[0].numel())
        # The flipped bit of each sample, as sklearn's score_samples draws it: from the RBM's
        # random_state, the training seed.
        flip = torch.from_numpy(np.random.RandomState(self.ctx.config.seed).randint(
            0, sub.shape[1], len(sub)))
        for i, rbm in enumerate(self.rbms):
            if i > self.phase:
                break
            v = self.features(sub, i)
            metrics[f"rbm{i + 1}_recon_error"] = rbm.reconstruction_error(v)
            flip_i = flip % v.shape[1]
            metrics[f"rbm{i + 1}_pseudo_likelihood"] = rbm.pseudo_likelihood(v, flip_i)
        if self.clf is not None and "raw" in self.clf:
            metrics.update(self._raw_metrics())
        return metrics

    @torch.no_grad()
    def _raw_metrics(self) -> dict[str, float]:
        assert self.clf is not None  # evaluate() checked it
        c, out = self.clf["raw"], {}
        for name in ("train", "val", "test"):
            tensors = self.splits[name]
            if tensors is None:
                continue
            x = tensors[0].reshape(len(tensors[0]), -1)
            pred = c["head"]((x - c["mean"]) / c["std"]).argmax(1).cpu().numpy()
            labels = self.ctx.require_dataset().split(name).y
            assert labels is not None  # a classification dataset has labels
            acc = classification_metrics(labels, pred, self.n_classes)["accuracy"]
            out[f"raw_{name}_accuracy"] = acc
        return out

    def state_dict(self) -> dict:
        """Model weights plus the RBMs' visible biases."""
        state = super().state_dict()
        state["rbm_visible_bias"] = [rbm.b.clone() for rbm in self.rbms]
        return state

    def load_state_dict(self, state: dict) -> None:
        """Restore :meth:`state_dict`."""
        state = dict(state)
        for rbm, b in zip(self.rbms, state.pop("rbm_visible_bias", [])):
            rbm.b.copy_(b)
        super().load_state_dict(state)


register_task(TaskType(
    "rbm_stack", "RBM stack + softmax",
    (int_param("rbm_epochs", 10, 0, 10**6,
               help="Epochs of contrastive divergence per RBM layer (dlpi: 10)."),
     float_param("rbm_lr", 0.06, 1e-9, 100.0, log=True,
                 help="RBM learning rate (scikit-learn's recipe: 0.06)."),
     int_param("cd_k", 1, 1, 100, help="Gibbs steps per update (CD-k)."),
     bool_param("persistent", True, help="Persistent CD, as scikit-learn's BernoulliRBM."),
     choice_param("rbm_init", "sklearn", ("sklearn", "graph"),
                  help="'sklearn': weights N(0, 0.01) from the training seed (each RBM's "
                       "random_state), zero biases."),
     choice_param("classifier", "lbfgs", ("lbfgs", "optimizer"),
                  help="Softmax fit: full-batch L-BFGS (as scikit-learn's logistic "
                       "regression) or full-batch steps of the training optimizer."),
     int_param("classifier_steps", 40, 0, 10**7,
               help="Classifier steps after the RBMs; later steps of the epoch do nothing."),
     int_param("lbfgs_iterations", 10, 1, 10**4, help="L-BFGS iterations per step."),
     bool_param("baseline", True,
                help="Also train a softmax on the raw inputs (raw_*_accuracy).")),
    RBMStackTask, targets=("class",), views=("weights", "loss", "confusion"),
    doc="Restricted Boltzmann machines trained greedily by contrastive divergence, then a "
        "softmax classifier on their features (dlpi Ex 7.3.1)."))
