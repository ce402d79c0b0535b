"""The Trainer's fast path: one fused batch update of a dense-chain task (K = 1).

The model stays the source of truth. The fused weights are views of its
parameters and the optimizer state lives in the optimizer's own ``state``
dict, so exports, checkpoints, probes, early stopping's best weights and
hand-set weights all read and write the same numbers. Batches come from the
task's own :class:`~playground.tasks.base.Batches` (same order, same
position), gathered once per epoch from inputs already through the Features
node.

Anything that may swap tensors under the views (a checkpoint's optimizer
state, a parameter's ``.data`` replaced) makes the step :meth:`~FusedStep.unbind`;
it binds again before the next step. The Trainer unbinds before every
command it runs.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from playground.tasks.base import Task
from playground.training.config import TrainingConfig
from playground.training.fused.engine import Engine, Program
from playground.training.fused.optim import (
    Slot,
    add_penalty,
    clip_gradients,
    folds_into_backward,
    optimizer_step,
)
from playground.training.fused.plan import Plan, plan_for

_UNSET = object()


class OptimizerSlot(Slot):
    """A :class:`Slot` whose state lives in ``optimizer.state[param]`` (created only when
    torch.optim would create it, so the two paths' state dicts have the same entries)."""

    def __init__(self, optimizer: torch.optim.Optimizer, param: torch.nn.Parameter,
                 value: Tensor, grad: Tensor, to_batched: Any):
        self._optimizer, self._param = optimizer, param
        super().__init__(value, grad, param.dim() > 1, tuple(param.shape), to_batched,
                         optimizer.state.get(param))

    def owner_state(self) -> dict | None:
        self.torch_state = self._optimizer.state[self._param]  # the entry appears now
        return self.torch_state


class FusedStep:
    """Fused training steps for ``task`` (see the module docstring).

    Parameters
    ----------
    task : Task
        A classification or regression task whose graph is a dense chain.
    plan : Plan
        From :func:`~playground.training.fused.plan.plan_for`.
    """

    def __init__(self, task: Task, plan: Plan):
        self.task, self.plan = task, plan
        self.optimizer = task.optimizers[0]
        param = plan.chain.linears[0].weight
        self.engine = Engine(plan.chain, 1, plan.loss, plan.x.shape[1], param.dtype,
                             param.device)
        self._bound = False
        self._slots: list[Slot] = []
        self._scratch: list[Tensor] = []
        self._pointers: list[int] = []
        self._order: Any = _UNSET
        self._penalty = bool(plan.l1 or plan.l2)
        n = len(plan.x)
        batches = task.batches  # type: ignore[attr-defined]
        self._epoch_x = torch.empty(1, n, plan.x.shape[1], dtype=plan.x.dtype,
                                    device=plan.x.device)
        self._epoch_y = torch.empty(1, n, plan.y.shape[1], dtype=plan.y.dtype,
                                    device=plan.y.device)
        bounds = [(j * batches.size, min((j + 1) * batches.size, n))
                  for j in range(batches.steps)]
        # (x, y) per batch index: over the gathered epoch, or the data in stored order
        self._shuffled = [(self._epoch_x[:, a:b], self._epoch_y[:, a:b]) for a, b in bounds]
        x, y = plan.x.unsqueeze(0), plan.y.unsqueeze(0)
        self._in_order = [(x[:, a:b], y[:, a:b]) for a, b in bounds]
        self._batches, self._variant = self._in_order, "in order"
        self.optimizer.register_state_dict_pre_hook(lambda opt: self.sync())
        self.optimizer.register_load_state_dict_post_hook(lambda opt: self.unbind())

    # -- binding -----------------------------------------------------------------------------
    def unbind(self) -> None:
        """Forget the views: bind again (to the tensors there then) before the next step."""
        self.sync()
        self._bound = False

    def sync(self) -> None:
        """Write the step counts into the optimizer's state (read by state_dict())."""
        for slot in self._slots:
            slot.sync()

    def _bind(self) -> None:
        chain = self.plan.chain
        weights = [lin.weight.detach().unsqueeze(0) for lin in chain.linears]
        biases = [None if lin.bias is None else lin.bias.detach().view(1, 1, -1)
                  for lin in chain.linears]
        self.engine.bind(weights, biases)
        slots: list[Slot] = []
        for j, lin in enumerate(chain.linears):
            if not chain.trainable[j]:
                continue
            slots.append(OptimizerSlot(self.optimizer, lin.weight, weights[j],
                                       self.engine.weight_grads[j], _add_copy_axis))
            bias, bias_grad = biases[j], self.engine.bias_grads[j]
            if bias is not None and bias_grad is not None:
                slots.append(OptimizerSlot(self.optimizer, lin.bias, bias, bias_grad,
                                           _bias_copy_axis))
        self._slots = slots
        self._scratch = [torch.empty_like(s.value) for s in slots]
        self._pointers = self._data_pointers()
        self._bound = True
        mark_stepped(self.optimizer)

    def _data_pointers(self) -> list[int]:
        return [p.data_ptr() for lin in self.plan.chain.linears for p in lin.parameters()]

    # -- stepping ------------------------------------------------------------------------------
    def _begin_epoch(self, order: Tensor | None) -> None:
        """A new epoch order (or a restored one): gather the epoch's samples once."""
        self._order = order
        if self._pointers != self._data_pointers():
            self._bound = False  # a parameter got new storage (model.to(), .data = ...)
        if order is None:
            self._batches, self._variant = self._in_order, "in order"
            return
        torch.index_select(self.plan.x, 0, order, out=self._epoch_x[0])
        torch.index_select(self.plan.y, 0, order, out=self._epoch_y[0])
        self._batches, self._variant = self._shuffled, "shuffled"

    def train_step(self) -> Tensor:
        """One batch update, as ``task.train_step()`` would do it; returns the batch loss."""
        batches = self.task.batches  # type: ignore[attr-defined]
        if batches.order is not self._order:
            self._begin_epoch(batches.order)
        if not self._bound:
            self._bind()
        j = batches.advance()
        x, y = self._batches[j]
        return self.update(self.engine.program((self._variant, j), x, y))

    def update(self, program: Program) -> Tensor:
        """Forward, backward and the optimizer's update of one prepared batch."""
        group = self.optimizer.param_groups[0]
        plan = self.plan
        kind = plan.optimizer
        if folds_into_backward(kind, group, self._penalty, plan.clip):
            return Engine.run(program, group["lr"])
        loss = Engine.run(program, None)
        if self._penalty:
            add_penalty(self._slots, plan.l1, plan.l2)
        if plan.clip is not None:
            clip_gradients(self._slots, plan.clip)
        optimizer_step(kind, self._slots, group, self._scratch)
        return loss


def mark_stepped(optimizer: torch.optim.Optimizer) -> None:
    """Tell learning-rate schedulers the optimizer steps (the fused update never calls
    ``optimizer.step()``, whose wrapper would set this; without it they warn at each epoch)."""
    optimizer._opt_called = True  # type: ignore[attr-defined]


def _add_copy_axis(t: Tensor) -> Tensor:
    return t.unsqueeze(0)


def _bias_copy_axis(t: Tensor) -> Tensor:
    return t.view(1, 1, -1)


def fused_step_for(task: Task, config: TrainingConfig) -> tuple[FusedStep | None, str]:
    """``(FusedStep, "")`` when ``task`` can train on the fast path, else ``(None, why not)``."""
    from playground.training.fused.chain import NotFused

    try:
        return FusedStep(task, plan_for(task, config)), ""
    except NotFused as exc:
        return None, str(exc)
