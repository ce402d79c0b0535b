"""K copies of one network trained in lockstep: several seeds for the price of one run.

:func:`train_copies` is the public entry point (the run orchestrator's
``--seeds``). Every copy has its own initial weights and its own shuffling
generator, seeded as a :class:`~playground.training.trainer.Trainer` with that
seed would be, so copy k follows the run ``playground run --seed seeds[k]``
would make (up to float rounding); they only share the data and the work.
Each step is one batched forward and backward over all copies (see
:mod:`~playground.training.fused.engine`).

Early stopping works per copy: a copy that stops keeps its result (and its
best weights) while the others go on. Learning-rate schedules that depend only
on the epoch apply to all copies; the plateau schedule, which reacts to each
run's own metric, is refused.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import numpy as np
import torch
from torch import Tensor

from playground.tasks.base import Task, compile_model
from playground.tasks.supervised import ClassificationTask
from playground.training.config import TrainingConfig
from playground.training.fused.chain import NotFused
from playground.training.fused.copies_result import CopiesResult, merge_results
from playground.training.fused.engine import Engine
from playground.training.fused.losses import residual_losses
from playground.training.fused.optim import (
    Slot,
    add_penalty,
    clip_gradients,
    folds_into_backward,
    optimizer_step,
)
from playground.training.fused.parallel import train_in_two, worth_forking
from playground.training.fused.plan import Plan, plan_for
from playground.training.fused.step import mark_stepped
from playground.training.metrics import classification_metrics_batch, regression_metrics_batch
from playground.training.optimizers import build_optimizer
from playground.training.schedules import build_schedulers, step_schedulers


def initial_weights(task: Task, seeds: Sequence[int]) -> list[dict[str, Tensor]]:
    """The model's initial ``state_dict`` for each seed (what a run with that seed starts from)."""
    out = []
    for seed in seeds:
        ctx = dataclasses.replace(task.ctx, config=task.ctx.config.with_(seed=int(seed)))
        out.append({k: v.detach().clone() for k, v in
                    compile_model(ctx).module.state_dict().items()})
    return out


def train_copies(task: Task, seeds: Sequence[int],
                 inits: Sequence[Mapping[str, Tensor]] | None = None,
                 epochs: int | None = None, eval_every: int | None = None,
                 processes: int | None = None) -> CopiesResult:
    """Train ``len(seeds)`` copies of ``task``'s network in lockstep on the fast path.

    Parameters
    ----------
    task : Task
        A task :func:`~playground.training.fused.plan.plan_for` accepts (built for
        any seed: its data, loss and training config are shared; its model is
        left as it was).
    seeds : sequence of int
        One per copy: seeds each copy's shuffling (and, without ``inits``, its weights).
    inits : sequence of state_dict, optional
        Each copy's initial weights (the model's keys); default :func:`initial_weights`.
    epochs : int, optional
        Default: the training config's.
    eval_every : int, optional
        Epochs between evaluations (every epoch with early stopping); default about
        100 evaluations per run. The last epoch is always evaluated.
    processes : int, optional
        1: one process; 2: half the copies in a forked child
        (:mod:`~playground.training.fused.parallel`); default 2 where
        :func:`~playground.training.fused.parallel.worth_forking` says so, else 1. The
        result is the same either way.

    Returns
    -------
    CopiesResult

    Raises
    ------
    NotFused
        The task cannot train on the fast path, or uses the plateau schedule.
    """
    config: TrainingConfig = task.ctx.config
    if config.schedule == "plateau":
        raise NotFused("the plateau schedule follows each run's own metric: train the "
                       "seeds one by one")
    plan = plan_for(task, config)
    seeds = [int(s) for s in seeds]
    starts: list[Mapping[str, Tensor]] = \
        list(inits) if inits is not None else list(initial_weights(task, seeds))
    if len(starts) != len(seeds) or not seeds:
        raise ValueError(f"{len(starts)} initial weight sets for {len(seeds)} seeds")
    total = config.epochs if epochs is None else int(epochs)
    every = eval_every or (1 if config.early_stopping else max(1, total // 100))

    def train(part: list[int], part_inits: list[Mapping[str, Tensor]]) -> CopiesResult:
        return _Lockstep(task, plan, config, part, part_inits).train(total, every)

    if processes is None:
        processes = 2 if worth_forking(len(seeds), plan.x.device) else 1
    if processes > 1 and len(seeds) > 1:
        return merge_results(*train_in_two(train, seeds, starts))
    return train(seeds, starts)


class _Lockstep:
    """The state of a lockstep run (see :func:`train_copies`)."""

    def __init__(self, task: Task, plan: Plan, config: TrainingConfig, seeds: list[int],
                 inits: list[Mapping[str, Tensor]]):
        self.task, self.plan, self.config = task, plan, config
        self.k = k = len(seeds)
        chain = plan.chain
        names = {id(p): n for n, p in task.models["model"].named_parameters()}
        self.keys = [(names[id(lin.weight)], None if lin.bias is None else names[id(lin.bias)])
                     for lin in chain.linears]
        dtype, device = plan.x.dtype, plan.x.device
        weights = [torch.stack([s[w].to(device, dtype) for s in inits]) for w, _ in self.keys]
        biases = [None if b is None else
                  torch.stack([s[b].to(device, dtype) for s in inits]).unsqueeze(1)
                  for _, b in self.keys]
        self.engine = Engine(chain, k, plan.loss, plan.x.shape[1], dtype, device, batched=True)
        self.engine.bind(weights, biases)
        self.slots = []
        for j, train in enumerate(chain.trainable):
            if not train:
                continue
            self.slots.append(_slot(weights[j], self.engine.weight_grads[j], True))
            bias, grad = biases[j], self.engine.bias_grads[j]
            if bias is not None and grad is not None:
                self.slots.append(_slot(bias, grad, False))
        self.scratch = [torch.empty_like(s.value) for s in self.slots]
        # One optimizer over a stand-in tensor carries the hyperparameters and the schedule.
        stand_in = torch.nn.Parameter(torch.zeros(1))
        self.hyper_opt = build_optimizer(config.optimizer, config.optimizer_params, [stand_in])
        self.schedulers = build_schedulers(config, [self.hyper_opt])
        mark_stepped(self.hyper_opt)
        self.generators = [torch.Generator().manual_seed(s) for s in seeds]
        self.seeds = seeds
        batches = task.batches  # type: ignore[attr-defined]
        n = len(plan.x)
        self.shuffle, self.steps = batches.shuffle, batches.steps
        self.epoch_x = torch.empty(k, n, plan.x.shape[1], dtype=dtype, device=device)
        self.y = plan.targets(plan.y)  # (N, units) floats: the batched losses' form
        self.epoch_y = torch.empty(k, n, self.y.shape[1], dtype=dtype, device=device)
        if not self.shuffle:
            self.epoch_x.copy_(plan.x.expand(k, -1, -1))
            self.epoch_y.copy_(self.y.expand(k, -1, -1))
        self.bounds = [(j * batches.size, min((j + 1) * batches.size, n))
                       for j in range(self.steps)]
        self.batches = [(self.epoch_x[:, a:b], self.epoch_y[:, a:b]) for a, b in self.bounds]
        # MSE: each step keeps its residuals (K, B, units); the epoch's losses come at its
        # end in one pass (residual_losses) instead of four reductions per step.
        self.residuals = None if self.engine.residual_scale is None \
            else torch.empty_like(self.epoch_y)
        self.step_residuals = [None if self.residuals is None else self.residuals[:, a:b]
                               for a, b in self.bounds]
        dataset = task.ctx.dataset
        assert dataset is not None
        self.splits = {name: (plan.inputs(t[0]).contiguous(), plan.targets(t[1]),
                              dataset.split(name).y)
                       for name, t in task.splits.items()  # type: ignore[attr-defined]
                       if t is not None}

    # -- training ------------------------------------------------------------------------------
    def _begin_epoch(self) -> None:
        if not self.shuffle:
            return
        n = self.epoch_x.shape[1]
        order = torch.stack([torch.randperm(n, generator=g) for g in self.generators])
        order = order.to(self.plan.x.device).view(-1)  # (K * n,): copy k's rows at k * n...
        torch.index_select(self.plan.x, 0, order, out=self.epoch_x.view(self.k * n, -1))
        torch.index_select(self.y, 0, order, out=self.epoch_y.view(self.k * n, -1))

    def _step(self, j: int) -> Tensor | None:
        program = self.engine.program(j, *self.batches[j], self.step_residuals[j])
        group = self.hyper_opt.param_groups[0]
        plan = self.plan
        penalty = bool(plan.l1 or plan.l2)
        if folds_into_backward(plan.optimizer, group, penalty, plan.clip):
            return Engine.run(program, group["lr"])
        loss = Engine.run(program, None)
        if penalty:
            add_penalty(self.slots, plan.l1, plan.l2)
        if plan.clip is not None:
            clip_gradients(self.slots, plan.clip, batched=True)
        optimizer_step(plan.optimizer, self.slots, group, self.scratch)
        return loss

    def train(self, epochs: int, every: int) -> CopiesResult:
        k = self.k
        losses = np.full((k, epochs), np.nan)
        track = _Tracker(self, epochs)
        for epoch in range(1, epochs + 1):
            if not track.active.any():
                break
            self._begin_epoch()
            values = self._epoch_losses([self._step(j) for j in range(self.steps)])
            bad = ~np.isfinite(values).all(axis=0)
            losses[:, epoch - 1] = np.where(track.active, values.mean(axis=0), np.nan)
            track.diverged(bad, epoch)
            if self.schedulers:
                step_schedulers(self.schedulers, None)
            if track.active.any() and (epoch % every == 0 or epoch == epochs or
                                       self.config.early_stopping is not None):
                track.evaluate(epoch, losses[:, epoch - 1])
        return track.result(losses)

    def _epoch_losses(self, steps: list[Tensor | None]) -> np.ndarray:
        """Each step's loss for each copy, (steps, K) float64: returned by the steps, or
        from the epoch's residuals."""
        if self.residuals is None:
            return torch.stack(steps).double().cpu().numpy()  # type: ignore[arg-type]
        assert self.engine.residual_scale is not None
        losses = residual_losses(self.residuals, self.bounds, self.engine.residual_scale)
        return losses.double().cpu().numpy().T

    # -- reading copies ------------------------------------------------------------------------
    def copy_weights(self, i: int) -> dict[str, Tensor]:
        """Copy ``i``'s weights as a ``state_dict`` of the model (cloned)."""
        out = {}
        for (wkey, bkey), w, b in zip(self.keys, self.engine.weights, self.engine.biases):
            out[wkey] = w[i].detach().clone()
            if bkey is not None and b is not None:
                out[bkey] = b[i, 0].detach().clone()
        return out

    def copy_optimizer_state(self, i: int) -> dict:
        """Copy ``i``'s optimizer state in ``torch.optim``'s ``state_dict()`` form."""
        state: dict[int, dict] = {}
        shapes = [p.shape for p in self.plan.chain.parameters()]  # the slots' order
        for index, (slot, shape) in enumerate(zip(self.slots, shapes)):
            entry: dict = {}
            if "exp_avg" in slot.state:
                entry["step"] = torch.tensor(slot.step)
            for name, tensor in slot.state.items():
                entry[name] = tensor[i].reshape(shape).clone()
            if entry:
                state[index] = entry
        group = {key: value for key, value in self.hyper_opt.param_groups[0].items()
                 if key != "params"}
        group["params"] = list(range(len(self.slots)))
        return {"state": state, "param_groups": [group]}


def _slot(value: Tensor, grad: Tensor, is_weight: bool) -> Slot:
    return Slot(value, grad, is_weight, tuple(value.shape), lambda t: t)


class _Tracker:
    """Per-copy bookkeeping: evaluations, early stopping, divergence, results."""

    def __init__(self, run: _Lockstep, epochs: int):
        self.run = run
        k = run.k
        self.active = np.ones(k, dtype=bool)
        self.states = ["finished"] * k
        self.trained = [epochs] * k
        self.evaluations: list[tuple[int, list[dict | None]]] = []
        self.final: list[dict | None] = [None] * k
        self.weights: list[dict | None] = [None] * k
        self.optimizer_states: list[dict | None] = [None] * k
        self.shuffle_states: list[Tensor | None] = [None] * k
        self.best: list[tuple[float, int, dict] | None] = [None] * k
        self.since_best = [0] * k
        self.last_loss = np.full(k, np.nan)

    def diverged(self, bad: np.ndarray, epoch: int) -> None:
        for i in np.flatnonzero(bad & self.active):
            self._end(int(i), "diverged", epoch, {"loss": float("nan")})

    def evaluate(self, epoch: int, epoch_loss: np.ndarray) -> None:
        run, es = self.run, self.run.config.early_stopping
        self.last_loss = np.where(self.active, epoch_loss, self.last_loss)
        rows = _evaluate(run, self.active)
        for i, row in enumerate(rows):
            if row is not None:
                row["loss"] = float(epoch_loss[i])
        self.evaluations.append((epoch, rows))
        for i, row in enumerate(rows):
            if row is None:
                continue
            if es is None:
                if epoch == self.trained[i]:
                    self._end(i, "finished", epoch, row)
                continue
            self._early_stopping(i, epoch, row)
            if self.active[i] and epoch == self.trained[i]:
                self._end(i, "finished", epoch, row)

    def _early_stopping(self, i: int, epoch: int, row: dict) -> None:
        """The Trainer's rule (_check_early_stopping), for copy ``i``."""
        es = self.run.config.early_stopping
        assert es is not None
        value = row.get(es.monitor)
        if value is None:
            raise NotFused(f"early stopping watches {es.monitor!r}, which this run does not "
                           f"report (it has: {', '.join(sorted(row))})")
        best = self.best[i]
        better = best is None or (value > best[0] + es.min_delta if es.maximize
                                  else value < best[0] - es.min_delta)
        if better:
            self.best[i] = (value, epoch, self.run.copy_weights(i) if es.restore_best else {})
            self.since_best[i] = 0
            return
        self.since_best[i] += 1
        if self.since_best[i] > es.patience:
            assert best is not None
            final = dict(row)
            weights = None
            if es.restore_best:
                weights = best[2]
                final.update(_evaluate_weights(self.run, weights))
            final["best_epoch"] = float(best[1])
            self._end(i, "finished", epoch, final, weights)  # early stopping ends a run

    def _end(self, i: int, state: str, epoch: int, final: dict,
             weights: dict | None = None) -> None:
        self.active[i] = False
        self.states[i], self.trained[i], self.final[i] = state, epoch, final
        self.weights[i] = weights if weights is not None else self.run.copy_weights(i)
        self.optimizer_states[i] = self.run.copy_optimizer_state(i)
        self.shuffle_states[i] = self.run.generators[i].get_state()

    def result(self, losses: np.ndarray) -> CopiesResult:
        run = self.run
        for i in np.flatnonzero(self.active):  # only when no epoch ran
            self._end(int(i), "finished", 0, {})
        names = sorted({name for _, rows in self.evaluations for row in rows if row
                        for name in row})
        metrics = {name: np.array([[np.nan if row is None else row.get(name, np.nan)
                                    for _, rows in self.evaluations for row in [rows[i]]]
                                   for i in range(run.k)]).reshape(run.k, -1)
                   for name in names}
        return CopiesResult(
            run.seeds, losses, metrics, np.array([e for e, _ in self.evaluations]),
            [dict(f or {}) for f in self.final], list(self.states), list(self.trained),
            [w or {} for w in self.weights], [o or {} for o in self.optimizer_states],
            [g for g in self.shuffle_states if g is not None])


@torch.no_grad()
def _evaluate(run: _Lockstep, which: np.ndarray) -> list[dict | None]:
    """``task.evaluate()`` for every copy in ``which`` (None for the others), batched."""
    rows: list[dict | None] = [{} if w else None for w in which]
    for name, (x, y, y_raw) in run.splits.items():
        bufs = run.engine.buffers(len(x))
        out = run.engine.forward(x.expand(run.k, -1, -1), bufs)  # (K, N, units)
        # The loss the task reports (task.loss_fn), by the fused formula: one pass for K copies.
        losses = run.engine.loss(out, y.expand(run.k, -1, -1), bufs.grads[-1], bufs.scratch)
        values = losses.reshape(-1).double().cpu().numpy()
        metrics = _copy_metrics(run.task, out, np.asarray(y_raw))
        for i, row in enumerate(rows):
            if row is not None:
                row[f"{name}_loss"] = float(values[i])
                row.update({f"{name}_{key}": value for key, value in metrics[i].items()})
    return rows


def _copy_metrics(task: Task, out: Tensor, y_raw: np.ndarray) -> list[dict]:
    """The task's split metrics (as GradientTask._split_metrics) of each copy's outputs
    (K, N, units)."""
    k, n = out.shape[:2]
    if isinstance(task, ClassificationTask):
        pred = task.classes_from_output(out.reshape(k * n, -1)).reshape(k, n)
        return classification_metrics_batch(y_raw, pred.cpu().numpy(), task.n_classes)
    shape = tuple(task.out_shape)  # type: ignore[attr-defined]
    return regression_metrics_batch(y_raw, out.reshape(k, n, *shape).cpu().numpy())


def _evaluate_weights(run: _Lockstep, weights: Mapping[str, Tensor]) -> dict:
    """``task.evaluate()`` with ``weights`` in the task's model (put back afterwards)."""
    model = run.task.models["model"]
    saved = {k: v.detach().clone() for k, v in model.state_dict().items()}
    try:
        model.load_state_dict({**saved, **weights})
        return run.task.evaluate()
    finally:
        model.load_state_dict(saved)
