"""Forward and backward of a dense chain for K independent copies, on preallocated tensors.

Every tensor has a leading copy axis: weights (K, out, in), biases (K, 1, out),
activations (K, B, units). K is 1 for the Trainer (its weights are views of
the model's parameters) and more for :func:`~playground.training.fused.copies.train_copies`.

A step is a fixed list of batched matrix products and elementwise kernels
writing into buffers made once per batch size. Since the tensors never move,
each batch's step is prepared once as a :class:`Program`: lists of
zero-argument calls with their tensors bound, so running a step is little
more than calling the kernels (on models this small, Python's own overhead
per operation is what the fast path saves).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import torch
from torch import Tensor

from playground.training.fused.activations import ACTIVATIONS
from playground.training.fused.chain import Chain
from playground.training.fused.losses import (
    FusedLoss,
    LossScratch,
    residual_loss_single,
    residual_step,
)

Call = Callable[[], Any]

#: ATen's inference-mode guard: inside it the kernels skip autograd's dispatch layers (about
#: a sixth of a small step's time). Only :meth:`Engine.run` enters it: it writes existing
#: tensors (allowed; their version counters still move) and returns new losses, which may be
#: inference tensors (read-only use); optimizer state is made outside it, where autograd
#: can update it in place later.
_INFERENCE_MODE: Callable[[bool], Any] = getattr(torch._C, "_InferenceMode",
                                                 torch.inference_mode)  # public, slower

def _product(a: Tensor, b: Tensor, out: Tensor, bias: Tensor | None = None) -> list[Call]:
    """Calls writing ``a @ b (+ bias)`` into ``out``: (K, m, c) @ (K, c, n) (+ (K, 1, n)).

    A product over c <= 2 is one or two broadcast multiply-adds (ATen's bmm takes a
    scalar loop for products this small: with K = 64, (64, 10, 2) @ (64, 2, 8) and the bias
    cost 17 us, the two multiply-adds 11 us); otherwise ``bmm`` and the bias added.
    """
    if a.shape[-1] <= 2:
        a0, b0 = a[..., :1], b[..., :1, :]
        first: list[Call] = [partial(torch.mul, a0, b0, out=out) if bias is None else
                             partial(torch.addcmul, bias, a0, b0, out=out)]
        if a.shape[-1] == 1:
            return first
        return first + [partial(out.addcmul_, a[..., 1:], b[..., 1:, :])]
    calls: list[Call] = [partial(torch.bmm, a, b, out=out)]
    if bias is not None:
        calls.append(partial(out.add_, bias))
    return calls


class Buffers:
    """The tensors one step with batches of ``b`` samples writes into.

    For K = 1 the copy axis is dropped: tensors are (b, units), and the step runs the
    2-D kernels autograd runs (``mm``, ``sum``), so its numbers are autograd's bit for
    bit. For K > 1 they are (K, b, units) and the step runs batched kernels (``bmm``).

    Attributes
    ----------
    outs : list of Tensor
        Each stage's output; an activation after a linear stage runs in place on the
        linear's output when its backward reads only its result.
    grads : list of Tensor
        Gradient of the loss with respect to each stage's output.
    grads_t : list of Tensor
        ``grads`` with the last two axes swapped, made once (weight gradients read them).
    ones : Tensor
        (K, 1, b) ones: plain SGD steps a K = 1 bias by ``grad^T @ ones``.
    scratch : LossScratch
    """

    def __init__(self, engine: Engine, b: int):
        k, chain = engine.k, engine.chain
        dtype, device = engine.dtype, engine.device
        lead = () if engine.single else (k,)
        widths = engine.widths
        self.outs: list[Tensor] = []
        for i, stage in enumerate(chain.stages):
            in_place = stage.op != "linear" and i > 0 and chain.stages[i - 1].op == "linear" \
                and not ACTIVATIONS[stage.op].reads_input
            self.outs.append(self.outs[i - 1] if in_place else
                             torch.empty(*lead, b, widths[i], dtype=dtype, device=device))
        self.grads = [torch.empty(*lead, b, w, dtype=dtype, device=device) for w in widths]
        self.grads_t = [g.transpose(-1, -2) for g in self.grads]
        self.ones = torch.ones(k, 1, b, dtype=dtype, device=device)
        one, half, zero = (torch.tensor(v, dtype=dtype, device=device) for v in (1.0, 0.5, 0.0))
        self.scratch = LossScratch(
            b * widths[-1], b, one, half, zero, _sum_per_copy,
            [torch.empty(*lead, b, widths[-1], dtype=dtype, device=device) for _ in range(2)],
            self.grads[-1].view(-1) if engine.single else None,
            (torch.tensor(b * widths[-1] / 4.0, dtype=dtype, device=device),
             torch.tensor(b * widths[-1] / 2.0, dtype=dtype, device=device)))


def _sum_per_copy(t: Tensor) -> Tensor:
    return t.sum((1, 2))


@dataclass
class Program:
    """One batch's step, prepared (see the module docstring).

    Attributes
    ----------
    forward : list of call
        Writes the chain's output.
    loss : call
        Returns each copy's loss and writes d(loss)/d(output).
    backward : list of call
        Writes the weight and bias gradients.
    backward_sgd : list of (call, bool)
        Steps the weights by plain SGD inside the backward instead; True marks the
        calls that take the step as ``alpha=-lr * sgd_scale``.
    loss_sgd : call
        The loss call before ``backward_sgd`` (by default ``loss``).
    sgd_scale : float
        A factor of the output's gradient that ``loss_sgd`` leaves to the step's alpha.
    """

    forward: list[Call]
    loss: Call
    backward: list[Call]
    backward_sgd: list[tuple[Callable[..., Any], bool]]
    loss_sgd: Call | None = None
    sgd_scale: float = 1.0
    _sgd: list[Call] = field(default_factory=list)
    _sgd_lr: float | None = None

    def sgd(self, lr: float) -> list[Call]:
        """``backward_sgd`` with the step ``alpha=-lr * sgd_scale`` bound in (rebound when
        lr changes)."""
        if lr != self._sgd_lr:
            alpha = -lr * self.sgd_scale
            self._sgd = [partial(call, alpha=alpha) if scaled else call
                         for call, scaled in self.backward_sgd]
            self._sgd_lr = lr
        return self._sgd


class Engine:
    """The fused forward and backward of ``chain`` for ``k`` copies.

    Parameters
    ----------
    chain : Chain
    k : int
        Number of copies.
    loss : FusedLoss
        From :func:`~playground.training.fused.losses.fused_loss`: its single form for
        K = 1, its batched form otherwise.
    in_width : int
        Width of what the first stage reads (after the features).
    dtype, device
        Of the weights.
    batched : bool
        Keep the copy axis even for K = 1 (train_copies with one seed); by default K = 1
        runs the 2-D kernels.

    Attributes
    ----------
    weights, biases : list of Tensor
        Per linear: (K, out, in) and (K, 1, out) (None without a bias); set by :meth:`bind`.
    weight_grads, bias_grads : list of Tensor
        Per linear: where the backward writes gradients when it does not update in place.
    """

    def __init__(self, chain: Chain, k: int, loss: FusedLoss, in_width: int,
                 dtype: torch.dtype, device: torch.device, batched: bool = False):
        self.chain, self.k = chain, k
        self.single = k == 1 and not batched  # 2-D tensors, no copy axis
        self.loss = loss.single if self.single else loss.batched
        # Batched MSE keeps each step's residuals; their losses come from Engine.losses.
        self.residual_scale = None if self.single else loss.residual_scale
        self._single_residual_scale = loss.residual_scale if self.single else None
        self.dtype, self.device = dtype, device
        self.widths = self._widths(in_width)
        self._buffers: dict[int, Buffers] = {}
        self._programs: dict[Hashable, Program] = {}
        self.weights: list[Tensor] = []
        self.biases: list[Tensor | None] = []
        lead = () if self.single else (k,)
        self.weight_grads = [torch.empty(*lead, lin.out_features, lin.in_features, dtype=dtype,
                                         device=device) for lin in chain.linears]
        self.bias_grads = [None if lin.bias is None else
                           torch.empty(*lead, *(() if self.single else (1,)), lin.out_features,
                                       dtype=dtype, device=device)
                           for lin in chain.linears]
        trains = [chain.trainable[s.linear] if s.op == "linear" else False for s in chain.stages]
        # A stage passes a gradient back only when some layer before it trains.
        self._grad_in = [any(trains[:i]) for i in range(len(chain.stages))]

    def _widths(self, in_width: int) -> list[int]:
        widths, width = [], in_width
        for stage in self.chain.stages:
            if stage.op == "linear":
                width = self.chain.linears[stage.linear].out_features
            widths.append(width)
        return widths

    def bind(self, weights: Sequence[Tensor], biases: Sequence[Tensor | None]) -> None:
        """Use these weights and biases from now on (updated in place): (out, in) and (out,)
        for K = 1, (K, out, in) and (K, 1, out) otherwise. Prepared programs are dropped."""
        self.weights, self.biases = list(weights), list(biases)
        self._programs.clear()

    def buffers(self, b: int) -> Buffers:
        """The buffers for batches of ``b`` samples (made on first use)."""
        bufs = self._buffers.get(b)
        if bufs is None:
            bufs = self._buffers[b] = Buffers(self, b)
        return bufs

    # -- running -------------------------------------------------------------------------------
    def program(self, key: Hashable, x: Tensor, y: Tensor,
                residual: Tensor | None = None) -> Program:
        """The prepared step for inputs ``x`` and targets ``y`` ((B, ...) for K = 1, else
        (K, B, ...)), which must stay the same tensors (views of a fixed epoch buffer);
        cached by ``key`` until the next :meth:`bind`.

        ``residual`` (batched, with a loss that has a :attr:`residual_scale`): a (K, B,
        units) tensor the step writes ``out - y`` into instead of computing its loss
        (the program's loss call returns None; see
        :func:`~playground.training.fused.losses.residual_losses`).
        """
        program = self._programs.get(key)
        if program is None:
            bufs = self.buffers(x.shape[-2])
            program = self._programs[key] = self._prepare(x, y, bufs, residual)
        return program

    @staticmethod
    def run(program: Program, sgd_lr: float | None) -> Tensor | None:
        """Forward, loss and backward of ``program``; returns each copy's loss.

        With ``sgd_lr`` the weights take a plain SGD step inside the backward, each layer
        as soon as its gradient is known, in one kernel (equal to autograd's update to
        rounding); without it the gradients land in :attr:`weight_grads` and
        :attr:`bias_grads` (autograd's numbers, for K = 1 bit for bit).
        """
        if sgd_lr is not None:
            return Engine.run_sgd((program,), sgd_lr)[0]
        with _INFERENCE_MODE(True):
            for call in program.forward:
                call()
            loss = program.loss()
            for call in program.backward:
                call()
        return loss

    @staticmethod
    def run_sgd(programs: Sequence[Program], lr: float) -> list[Any]:
        """Forward, loss and plain SGD step (``backward_sgd``) of each program in turn,
        under one guard; their losses (K = 1: one 0-d tensor each; None where a batched
        MSE step keeps residuals instead)."""
        losses = []
        with _INFERENCE_MODE(True):
            for program in programs:
                for call in program.forward:
                    call()
                losses.append((program.loss_sgd or program.loss)())
                for call in program.sgd(lr):
                    call()
        return losses

    def forward(self, x: Tensor, bufs: Buffers) -> Tensor:
        """The chain's output for inputs ``x`` into ``bufs`` (unprepared: evaluations)."""
        for call in self._forward(x, bufs):
            call()
        return bufs.outs[-1]

    # -- preparing -----------------------------------------------------------------------------
    def _forward(self, x: Tensor, bufs: Buffers) -> list[Call]:
        calls: list[Call] = []
        a = x
        for i, stage in enumerate(self.chain.stages):
            out = bufs.outs[i]
            if stage.op == "linear":
                weight_t = self.weights[stage.linear].transpose(-1, -2)
                bias = self.biases[stage.linear]
                if not self.single:
                    calls.extend(_product(a, weight_t, out, bias))
                    a = out
                    continue
                calls.append(partial(torch.mm, a, weight_t, out=out))
                if bias is not None:
                    calls.append(partial(out.add_, bias))
            else:
                calls.append(ACTIVATIONS[stage.op].prepare(a, stage.args, out))
            a = out
        return calls

    def _prepare(self, x: Tensor, y: Tensor, bufs: Buffers,
                 residual: Tensor | None = None) -> Program:
        backward: list[Call] = []
        backward_sgd: list[tuple[Callable[..., Any], bool]] = []
        stages, grads = self.chain.stages, bufs.grads
        single = self.single
        matmul = torch.mm if single else torch.bmm
        for i in range(len(stages) - 1, -1, -1):
            stage, grad = stages[i], grads[i]
            a_in = bufs.outs[i - 1] if i else x
            if stage.op != "linear":
                if self._grad_in[i]:
                    call = ACTIVATIONS[stage.op].backward(grad, a_in, bufs.outs[i], stage.args,
                                                          grads[i - 1])
                    backward.append(call)
                    backward_sgd.append((call, False))
                continue
            j = stage.linear
            weight, bias = self.weights[j], self.biases[j]
            weight_grad, bias_grad = self.weight_grads[j], self.bias_grads[j]
            if self._grad_in[i]:  # before the update: it reads this step's weights
                calls = [partial(torch.mm, grad, weight, out=grads[i - 1])] if single \
                    else _product(grad, weight, grads[i - 1])
                backward.extend(calls)
                backward_sgd.extend((call, False) for call in calls)
            if not self.chain.trainable[j]:
                continue
            backward.append(partial(matmul, bufs.grads_t[i], a_in, out=weight_grad))
            # Plain SGD: the gradient goes straight into the weights, one kernel each (the
            # update rounds once where autograd's gradient-then-add_ rounds twice).
            if single:
                backward_sgd.append((partial(weight.addmm_, bufs.grads_t[i], a_in), True))
            else:
                backward_sgd.append((partial(weight.baddbmm_, bufs.grads_t[i], a_in), True))
            if bias is not None and bias_grad is not None:
                # The sum over the batch autograd takes (a bias gradient is a sum of residuals,
                # prone to cancellation: the order of additions matters).
                backward.append(partial(torch.sum, grad, -2, keepdim=not single, out=bias_grad))
                if single:
                    backward_sgd.append((partial(bias.addmv_, bufs.grads_t[i], bufs.ones[0, 0]),
                                         True))
                else:  # the batch sum, then the step: cheaper than a (K, 1, B) @ (K, B, out)
                    backward_sgd.append((backward[-1], False))
                    backward_sgd.append((partial(bias.add_, bias_grad), True))
        if residual is not None and self.residual_scale is not None:
            loss: Call = partial(residual_step, bufs.outs[-1], y, residual, grads[-1],
                                 self.residual_scale / bufs.scratch.count)
        else:
            loss = partial(self.loss, bufs.outs[-1], y, grads[-1], bufs.scratch)
        program = Program(self._forward(x, bufs), loss, backward, backward_sgd)
        scale, flat = self._single_residual_scale, bufs.scratch.flat_grad
        if scale is not None and flat is not None:  # K = 1 MSE: see residual_loss_single
            count = bufs.scratch.count
            program.loss_sgd = partial(residual_loss_single, bufs.outs[-1], y, grads[-1], flat,
                                       torch.tensor(scale / (2.0 * count), dtype=self.dtype,
                                                    device=self.device))
            program.sgd_scale = scale / count
        return program
