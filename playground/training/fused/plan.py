"""Whether a task trains on the fast path, and what it trains on there.

:func:`plan_for` checks everything the fused step relies on (the task type,
the graph, the loss, the optimizer) and gathers the training data as the
chain reads it: inputs already through the Features node, targets as floats
(one-hot for cross-entropy). Anything it refuses takes the autograd path,
and :func:`why_not` says why in one line (the status bar's tooltip).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

from playground.tasks.base import Task
from playground.tasks.supervised import ClassificationTask, RegressionTask
from playground.training.config import TrainingConfig
from playground.training.fused.chain import Chain, NotFused, read_chain
from playground.training.fused.losses import FUSED_LOSSES, FusedLoss, fused_loss
from playground.training.fused.optim import FUSED_OPTIMIZERS

#: Task types whose step is the plain supervised one (their subclasses change it).
FUSED_TASKS = (ClassificationTask, RegressionTask)

#: Param-group keys torch.optim may hold that the fused update does not implement.
_UNSUPPORTED_GROUP = {"maximize": "maximize", "differentiable": "differentiable",
                      "capturable": "capturable", "fused": "fused"}


@dataclass
class Plan:
    """What the fused step needs from a task.

    Attributes
    ----------
    chain : Chain
    loss : FusedLoss
        The fused loss (see :func:`~playground.training.fused.losses.fused_loss`).
    optimizer : str
        "sgd", "adam" or "adamw".
    x : Tensor
        (N, features) training inputs as the chain's first stage reads them.
    y : Tensor
        The training targets as the task trains on them: (N, units) floats, or (N,)
        class indices for cross-entropy (see :meth:`targets` for the batched form).
    l1, l2 : float
        Weight penalties.
    clip : float or None
        Max global gradient norm.
    """

    chain: Chain
    loss: FusedLoss
    optimizer: str
    x: Tensor
    y: Tensor
    l1: float
    l2: float
    clip: float | None

    def inputs(self, x: Tensor) -> Tensor:
        """Raw inputs ``x`` (N, in) through the chain's Features node (if any)."""
        features = self.chain.features
        return x if features is None else features(x)

    def targets(self, y: Tensor) -> Tensor:
        """The task's targets ``y`` as floats (N, units) (class indices one-hot): what the
        batched losses read."""
        if y.dtype.is_floating_point:
            return y.reshape(len(y), -1)
        units = self.chain.linears[-1].out_features
        return F.one_hot(y, units).to(self.x.dtype)


def plan_for(task: Task, config: TrainingConfig | None = None) -> Plan:
    """The fast-path plan for ``task`` trained with ``config`` (default: the task's).

    Raises
    ------
    NotFused
        One line saying what keeps it on the autograd path.
    """
    config = config or task.ctx.config
    if not getattr(config, "fast_path", True):
        raise NotFused("the fast path is switched off in the training settings")
    if type(task) not in FUSED_TASKS:
        raise NotFused(f"the {type(task).__name__} task trains with autograd")
    loss_id = task.ctx.params.get("loss")
    if loss_id not in FUSED_LOSSES:
        raise NotFused(f"the {loss_id} loss trains with autograd (fast: "
                       f"{', '.join(FUSED_LOSSES)})")
    if config.optimizer not in FUSED_OPTIMIZERS:
        raise NotFused(f"the {config.optimizer} optimizer trains with autograd (fast: "
                       f"{', '.join(FUSED_OPTIMIZERS)})")
    optimizer = task.optimizers[0] if len(task.optimizers) == 1 else None
    if optimizer is None or len(optimizer.param_groups) != 1:
        raise NotFused("the task has more than one optimizer or parameter group")
    group = optimizer.param_groups[0]
    for key, label in _UNSUPPORTED_GROUP.items():
        if group.get(key):
            raise NotFused(f"the optimizer's {label} option trains with autograd")
    chain = read_chain(task.compiled["model"])
    if {id(p) for p in group["params"]} != {id(p) for p in chain.parameters()}:
        raise NotFused("the optimizer does not hold exactly the chain's trainable weights")
    x, y = task.splits["train"]  # type: ignore[attr-defined]
    loss = fused_loss(loss_id, task.kind == "probabilities")  # type: ignore[attr-defined]
    if loss is None:
        raise NotFused(f"the {loss_id} loss on this output trains with autograd")
    units = chain.linears[-1].out_features
    if loss.index_targets != (not y.dtype.is_floating_point) or (
            y.dtype.is_floating_point and (y.dim() != 2 or y.shape[1] != units)):
        raise NotFused("the targets do not match the output layer")
    with torch.no_grad():
        plan = Plan(chain, loss, config.optimizer, x, y.contiguous(), config.l1, config.l2,
                    config.grad_clip)
        plan.x = plan.inputs(x).contiguous()
    return plan


def why_not(task: Task, config: TrainingConfig | None = None) -> str:
    """Why ``task`` takes the autograd path, or "" when it runs on the fast path."""
    try:
        plan_for(task, config)
    except NotFused as exc:
        return str(exc)
    return ""
