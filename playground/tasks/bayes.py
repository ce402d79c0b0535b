"""The ``bayes_regression`` task: Bayes by backprop for regression, with a predictive band.

The graph holds Bayesian Dense layers (:mod:`playground.layers.bayesian`);
each training step draws one set of weights and minimises, per training
sample, the variational free energy of dlpi Eq. 9.29::

    loss = mean_n (y_n - f(x_n; theta))^2 / (2 noise_std^2) + KL(q || prior) / N_train

(the Gaussian likelihood with a fixed ``noise_std``, and the layers' KL spread
over the N_train samples, so one epoch of mini-batches adds up to the whole
free energy divided by N_train). Evaluation reports, per split, the MSE of the
mean network; at the end of a run ``<split>_pred_std`` is the average spread
of ``samples`` predictions with sampled weights, the model's own (epistemic)
uncertainty. Where the data leave a gap, that spread grows: the preset's check.

:meth:`BayesRegressionTask.predictive` gives the predictive mean and spread
on any inputs, which the ``band`` view draws.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import numpy as np
import torch

from playground.errors import TrainingError
from playground.layers.bayesian import BayesDense
from playground.params import float_param, int_param
from playground.tasks.base import TaskContext, TaskType, evaluating, register_task, to_tensor
from playground.tasks.supervised import RegressionTask


class BayesRegressionTask(RegressionTask):
    """Regression with weight distributions: data term + KL / N, and predictive samples."""

    def __init__(self, ctx: TaskContext):
        super().__init__(ctx)
        self.layers = [m for m in self.model.modules() if isinstance(m, BayesDense)]
        if not self.layers:
            raise TrainingError("Bayes by backprop needs at least one Bayesian Dense layer: "
                                "replace the Dense layers by Bayesian Dense", "graphs.model")
        self.noise_std = ctx.params["noise_std"]
        self.samples = ctx.params["samples"]
        self.n_train = len(self.splits["train"][0])
        gen = torch.Generator().manual_seed(ctx.config.seed * 7919 + 11)
        self._eval_seed = int(torch.randint(0, 2**31 - 1, (1,), generator=gen))

    def _make_loss(self):
        scale = 1.0 / (2.0 * self.ctx.params["noise_std"] ** 2)
        return lambda out, y: scale * (out - y).pow(2).sum(dim=-1).mean()

    def kl(self) -> torch.Tensor:
        """The layers' KL terms of the last forward pass, summed."""
        return sum((layer.kl for layer in self.layers if layer.kl is not None),
                   torch.zeros((), device=self.ctx.device))

    def train_step(self) -> torch.Tensor:
        x, y = self.batches.next()
        self.optimizer.zero_grad(set_to_none=True)
        loss = self.loss_fn(self.model(x), y) + self.kl() / self.n_train
        self._with_penalty(loss).backward()
        for layer in self.layers:
            layer.release()
        if self._clip is not None:
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), self._clip)
        self.optimizer.step()
        return loss.detach()

    @contextlib.contextmanager
    def sampled_weights(self) -> Iterator[None]:
        """Every Bayesian layer draws its weights, in evaluation mode, inside the block,
        from a generator seeded the same every time (repeatable bands)."""
        with evaluating(self.model), torch.random.fork_rng(devices=[]):
            torch.manual_seed(self._eval_seed)
            for layer in self.layers:
                layer.sampling = True
            try:
                yield
            finally:
                for layer in self.layers:
                    layer.sampling = False

    def predictive(self, x: np.ndarray, samples: int | None = None
                   ) -> dict[str, np.ndarray]:
        """Predictions for inputs ``x`` (n, *input_shape).

        Returns
        -------
        dict
            ``map`` (n, outputs): the mean network's prediction; ``mean`` and
            ``std`` (n, outputs): over ``samples`` sampled-weight predictions
            (the epistemic spread); ``total_std``: with the likelihood's noise added.
        """
        xt = to_tensor(np.asarray(x, np.float32), self.ctx.device)
        with evaluating(self.model):
            mapped = self.model(xt).cpu().numpy()
        with self.sampled_weights():
            draws = torch.stack([self.model(xt) for _ in range(samples or self.samples)])
        draws_np = draws.cpu().numpy()  # (samples, n, outputs)
        std = draws_np.std(axis=0)
        return {"map": mapped, "mean": draws_np.mean(axis=0), "std": std,
                "total_std": np.sqrt(std ** 2 + self.noise_std ** 2)}

    def evaluate(self) -> dict[str, float]:
        metrics = super().evaluate()
        with evaluating(self.model):
            self.model(self.splits["train"][0][:1])
            metrics["kl"] = float(self.kl())
        return metrics

    def final_metrics(self) -> dict[str, float]:
        """``<split>_pred_std``: the mean predictive spread over each split's inputs (the
        band's half-width / 2 there; computed once, at the end: it takes many passes)."""
        metrics = {}
        for name, tensors in self.splits.items():
            if tensors is not None:
                pred = self.predictive(self.ctx.dataset.split(name).x)
                metrics[f"{name}_pred_std"] = float(pred["std"].mean())
        return metrics


register_task(TaskType(
    "bayes_regression", "Bayes by backprop",
    (float_param("noise_std", 0.3, 1e-4, 1e3,
                 help="Std of the Gaussian likelihood: the noise the model assumes in y."),
     int_param("samples", 30, 2, 10_000,
               help="Weight samples per prediction for the band and pred_std.")),
    BayesRegressionTask, targets=("regression",),
    views=("band", "loss"),
    doc="dlpi 9.3.3: a Gaussian posterior per weight, trained on the variational free "
        "energy; predictions come with an uncertainty band."))
