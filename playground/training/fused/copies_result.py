"""What K copies trained in lockstep give back
(:func:`~playground.training.fused.copies.train_copies`).

One entry per copy (seed) in every list and along the first axis of every array;
:func:`merge_results` joins two results (two halves trained at once, see
:mod:`~playground.training.fused.parallel`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from torch import Tensor


@dataclass
class CopiesResult:
    """What :func:`train_copies` returns; every list has one entry per copy (seed).

    Attributes
    ----------
    seeds : list of int
    loss : ndarray, shape (K, epochs)
        Each epoch's mean batch loss: the Trainer's ``loss`` curve (NaN after a copy stopped).
    metrics : dict
        Metric name (``train_loss``, ``test_accuracy``...) -> (K, evaluations) array,
        at :attr:`eval_epochs` (NaN after a copy stopped).
    eval_epochs : ndarray
        Epochs after which the copies were evaluated.
    final : list of dict
        Each copy's final metrics, as ``Trainer.metrics`` holds them at the end
        (``loss``, the task's metrics, ``best_epoch`` after early stopping).
    states : list of str
        "finished" (all epochs, or ended by early stopping) or "diverged", as the
        Trainer's :class:`~playground.training.states.RunState` values.
    epochs : list of int
        Epochs each copy trained.
    weights : list of dict
        Each copy's final ``state_dict`` (the model's keys), best weights after early
        stopping with ``restore_best``.
    optimizer_states : list of dict
        Each copy's optimizer state in ``torch.optim``'s ``state_dict()`` form.
    shuffle_states : list of Tensor
        Each copy's shuffling generator state when it ended: what a Trainer with its
        seed holds after as many epochs (a run continued from the copy reshuffles alike).
    """

    seeds: list[int]
    loss: np.ndarray
    metrics: dict[str, np.ndarray]
    eval_epochs: np.ndarray
    final: list[dict[str, float]]
    states: list[str]
    epochs: list[int]
    weights: list[dict[str, Tensor]]
    optimizer_states: list[dict] = field(default_factory=list)
    shuffle_states: list[Tensor] = field(default_factory=list)


def merge_results(first: CopiesResult, second: CopiesResult) -> CopiesResult:
    """Two results as one, copies in order (first's, then second's). Evaluations are
    aligned by epoch: a half whose copies all ended stopped evaluating early, and its
    later entries are NaN, as a stopped copy's are in one batch."""
    epochs = np.union1d(first.eval_epochs, second.eval_epochs)
    names = sorted(set(first.metrics) | set(second.metrics))
    metrics = {name: np.concatenate([_aligned(part, name, epochs) for part in (first, second)])
               for name in names}
    return CopiesResult(
        first.seeds + second.seeds, np.concatenate([first.loss, second.loss]), metrics,
        epochs, first.final + second.final, first.states + second.states,
        first.epochs + second.epochs, first.weights + second.weights,
        first.optimizer_states + second.optimizer_states,
        first.shuffle_states + second.shuffle_states)


def _aligned(part: CopiesResult, name: str, epochs: np.ndarray) -> np.ndarray:
    """``part.metrics[name]`` (copies, its evaluations) at ``epochs``, NaN where missing."""
    out = np.full((len(part.seeds), len(epochs)), np.nan)
    values = part.metrics.get(name)
    if values is not None and len(part.eval_epochs):
        out[:, np.searchsorted(epochs, part.eval_epochs)] = values
    return out
