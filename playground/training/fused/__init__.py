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

Modules: ``chain`` (the graph read as stages), ``ops`` (activations and
losses), ``engine`` (forward and backward), ``optim`` (penalty, clipping,
SGD, Adam), ``plan`` (what is eligible), ``step`` (K = 1), ``copies`` (K > 1).
"""
