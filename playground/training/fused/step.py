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
from playground.training.fused.optim import Slot, add_penalty, clip_gradients, optimizer_step
from playground.training.fused.plan import Plan, plan_for

_UNSET = object()


class OptimizerSlot(Slot):
    """A :class:`Slot` whose state lives in ``optimizer.state[param]`` (created only when
    torch.optim would create it, so the two paths' state dicts have the same entries)."""

    def __init__(self, optimizer: torch.optim.Optimizer, param: Tensor, value: Tensor,
                 grad: Tensor):
        self._optimizer, self._param = optimizer, param
        super().__init__(value, grad, param.dim() > 1, tuple(param.shape), _same,
                         optimizer.state.get(param))

    def owner_state(self) -> dict | None:
        """``optimizer.state[param]``: torch.optim's own entry, created by this first access."""
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
        # Plain SGD (momentum and decay permitting) steps inside the backward.
        self._plain_sgd = plan.optimizer == "sgd" and not self._penalty and plan.clip is None
        self._task_batches = task.batches  # type: ignore[attr-defined]
        self._parameters = [p for lin in plan.chain.linears for p in lin.parameters()]
        self._group: dict = {}
        self._prepared: dict[str, list[Program | None]] = {}
        self._programs: list[Program | None] = []
        n = len(plan.x)
        batches = self._task_batches
        self._epoch_x, self._epoch_y = torch.empty_like(plan.x), torch.empty_like(plan.y)
        bounds = [(j * batches.size, min((j + 1) * batches.size, n))
                  for j in range(batches.steps)]
        # (x, y) per batch index: over the gathered epoch, or the data in stored order
        self._shuffled = [(self._epoch_x[a:b], self._epoch_y[a:b]) for a, b in bounds]
        self._in_order = [(plan.x[a:b], plan.y[a:b]) for a, b in bounds]
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
        weights = [lin.weight.detach() for lin in chain.linears]  # the model's own storage
        biases = [None if lin.bias is None else lin.bias.detach() for lin in chain.linears]
        self.engine.bind(weights, biases)
        slots: list[Slot] = []
        for j, lin in enumerate(chain.linears):
            if not chain.trainable[j]:
                continue
            slots.append(OptimizerSlot(self.optimizer, lin.weight, weights[j],
                                       self.engine.weight_grads[j]))
            bias, bias_grad = biases[j], self.engine.bias_grads[j]
            if lin.bias is not None and bias is not None and bias_grad is not None:
                slots.append(OptimizerSlot(self.optimizer, lin.bias, bias, bias_grad))
        self._slots = slots
        self._scratch = [torch.empty_like(s.value) for s in slots]
        self._pointers = self._data_pointers()
        # load_state_dict replaces the group (and unbinds); schedules and set_hyper edit it.
        self._group = self.optimizer.param_groups[0]
        self._prepared = {"in order": [None] * len(self._in_order),
                          "shuffled": [None] * len(self._in_order)}
        self._programs = self._prepared[self._variant]
        self._bound = True
        mark_stepped(self.optimizer)

    def _data_pointers(self) -> list[int]:
        return [p.data_ptr() for p in self._parameters]

    # -- stepping ------------------------------------------------------------------------------
    def _begin_epoch(self, order: Tensor | None) -> None:
        """A new epoch order (or a restored one): gather the epoch's samples once."""
        self._order = order
        if self._pointers != self._data_pointers():
            self._bound = False  # a parameter got new storage (model.to(), .data = ...)
        if order is None:
            self._batches, self._variant = self._in_order, "in order"
        else:
            torch.index_select(self.plan.x, 0, order, out=self._epoch_x)
            torch.index_select(self.plan.y, 0, order, out=self._epoch_y)
            self._batches, self._variant = self._shuffled, "shuffled"
        if self._bound:
            self._programs = self._prepared[self._variant]

    def train_step(self) -> Tensor:
        """One batch update, as ``task.train_step()`` would do it; returns the batch loss."""
        return self.train_steps(1)[0]

    def train_steps(self, count: int) -> list[Tensor]:
        """``count`` batch updates of the current epoch (the caller keeps them within it),
        as ``count`` calls of :meth:`train_step`; returns their losses.

        With plain SGD the steps run back to back in one call (the Trainer's bursts): the
        learning rate cannot change inside an epoch without a command, and commands run
        between bursts.
        """
        batches = self._task_batches
        if batches.order is not self._order:
            self._begin_epoch(batches.order)
        if not self._bound:
            self._bind()
        programs = [self._next_program() for _ in range(count)]
        group = self._group
        if self._plain_sgd and not group["momentum"] and not group["weight_decay"]:
            return Engine.run_sgd(programs, group["lr"])
        return [self.update(program, group) for program in programs]

    def _next_program(self) -> Program:
        """The prepared step of the task's next batch (the batch position moves on)."""
        j = self._task_batches.advance()
        program = self._programs[j]
        if program is None:
            program = self._programs[j] = self.engine.program((self._variant, j),
                                                              *self._batches[j])
        return program

    def update(self, program: Program, group: dict) -> Tensor:
        """Forward, backward and the optimizer's update of one prepared batch."""
        plan = self.plan
        loss = Engine.run(program, None)
        assert loss is not None
        if self._penalty:
            add_penalty(self._slots, plan.l1, plan.l2)
        if plan.clip is not None:
            clip_gradients(self._slots, plan.clip, batched=False)
        optimizer_step(plan.optimizer, self._slots, group, self._scratch)
        return loss


def mark_stepped(optimizer: torch.optim.Optimizer) -> None:
    """Tell learning-rate schedulers the optimizer steps (the fused update never calls
    ``optimizer.step()``, whose wrapper would set this; without it they warn at each epoch)."""
    optimizer._opt_called = True  # type: ignore[attr-defined]


def _same(t: Tensor) -> Tensor:
    return t


def fused_step_for(task: Task, config: TrainingConfig) -> tuple[FusedStep | None, str]:
    """``(FusedStep, "")`` when ``task`` can train on the fast path, else ``(None, why not)``."""
    from playground.training.fused.chain import NotFused

    try:
        return FusedStep(task, plan_for(task, config)), ""
    except NotFused as exc:
        return None, str(exc)
