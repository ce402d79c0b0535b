"""The fast path: dense chains trained by a fused forward and backward, without autograd.

A graph that is a chain of Dense layers and elementwise activations (TF
Playground's Features node included), with a supported loss (MSE, half-MSE,
BCE, cross-entropy) and optimizer (SGD with momentum/Nesterov, Adam, AdamW),
L1/L2 penalties and gradient clipping, trains here instead of through
``loss.backward()`` and ``optimizer.step()``. Everything is written for a
leading axis of K independent copies:

* K = 1: the :class:`~playground.training.trainer.Trainer`'s step
  (:class:`~playground.training.fused.step.FusedStep`), on views of the
  model's own parameters;
* K > 1: :func:`~playground.training.fused.copies.train_copies`, several
  seeds in lockstep.

For K = 1 the copy axis is dropped and the step runs the kernels autograd
runs: gradients, penalties, clipping and the SGD-with-momentum and Adam
updates are autograd's bit for bit; plain SGD folds its update into the
backward (one kernel per tensor: equal to rounding). K > 1 runs batched
kernels, equal to rounding.

Modules: ``chain`` (the graph read as stages), ``activations`` and ``losses``
(forward and backward by hand), ``engine`` (the step, prepared once per
batch), ``optim`` (penalty, clipping, SGD, Adam), ``plan`` (what is
eligible), ``step`` (K = 1), ``copies`` (K > 1).
"""
