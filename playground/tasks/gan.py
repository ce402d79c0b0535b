"""GAN task: a generator and a discriminator graph trained in alternating steps.

The project has two graphs, ``generator`` and ``discriminator``. The generator's
Input carries an explicit ``shape``: the noise size (``[10]`` for dlpi Ex
8.3.1, ``[100]`` for dl4b ch14). The task draws the noise itself (normal or
uniform) and feeds it there, so there is no special noise layer and the
exported generator is an ordinary network from noise to samples. The
discriminator's Input takes the dataset's samples; its Output is one value per
sample, a probability (graph ending in a sigmoid, as in the books) or a logit.

One training step is one GAN iteration:

1. ``d_steps`` times: a real batch (label 1) and a fake batch of the same size
   (label 0, generated under ``no_grad``, so only D learns); D's loss is the
   mean of the two binary cross-entropies, one optimizer step on it.
2. ``g_steps`` times: a fresh noise batch through G and D; the *non-saturating*
   loss ``BCE(D(G(z)), 1) = -log D(G(z))`` (or the original minimax
   ``log(1 - D(G(z)))``), stepping only G's optimizer.

Keras (both books) trains D with two ``train_on_batch`` calls, real then fake,
i.e. two optimizer steps per iteration; here it is one step on their mean, the
PyTorch DCGAN tutorial's way. An epoch is one pass of D over the real data.

Task params (``task.params`` of a project file; :mod:`playground.tasks.gan_params`)::

    {"noise": "uniform", "noise_range": [0, 1], "d_steps": 1, "g_steps": 1,
     "g_loss": "non_saturating", "samples": 64,
     "d_optimizer": {"type": "adam", "params": {"lr": 0.0002, "beta1": 0.5, ...}},
     "g_optimizer": {"type": "adam", "params": {"lr": 0.0001, "beta1": 0.5, ...}}}

``d_optimizer`` / ``g_optimizer`` null (or absent) use ``training.optimizer``.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from playground.data.base import Dataset
from playground.errors import TrainingError
from playground.tasks.base import (
    Batches,
    Task,
    TaskContext,
    TaskType,
    check_batch_for_batchnorm,
    register_task,
    to_tensor,
)
from playground.tasks.gan_graphs import compile_discriminator, compile_generator
from playground.tasks.gan_params import GAN_SCALARS, parse_gan_params
from playground.tasks.gan_score import ClassifierScore
from playground.tasks.supervised import output_kind
from playground.training.losses import PROB_EPS
from playground.training.optimizers import build_optimizer

#: Real samples (and as many fakes) used by :meth:`GANTask.evaluate`.
EVAL_SAMPLES = 1024


class GANTask(Task):
    """Alternating discriminator / generator updates (see the module docstring)."""

    default_monitor = "train_d_loss"

    def __init__(self, ctx: TaskContext):
        super().__init__(ctx)
        if ctx.dataset is None:
            raise TrainingError("a GAN needs a dataset of real samples", "data")
        self.dataset: Dataset = ctx.dataset
        p, cfg = ctx.params, ctx.config
        self.data_shape = tuple(self.dataset.input_shape)
        gen, self.noise_shape = compile_generator(ctx, self.data_shape)
        disc = compile_discriminator(ctx, self.data_shape)
        self.compiled = {"generator": gen, "discriminator": disc}
        self.generator, self.discriminator = gen.module, disc.module
        self.models = {"generator": self.generator, "discriminator": self.discriminator}
        self.d_optimizer = self._optimizer(p["d_optimizer"], self.discriminator)
        self.g_optimizer = self._optimizer(p["g_optimizer"], self.generator)
        self.optimizers = [self.d_optimizer, self.g_optimizer]
        self._probabilities = output_kind(ctx.graphs["discriminator"]) == "probabilities"
        real = to_tensor(self.dataset.train.x, ctx.device)
        has_bn = any([check_batch_for_batchnorm(c, cfg.batch_size, len(real))
                      for c in (gen, disc)])
        self.batches = Batches((real,), cfg.batch_size, cfg.shuffle, drop_single=has_bn)
        self._clip = cfg.grad_clip
        # Separate seeded streams: training noise, evaluation noise, the samples view's batch.
        self._noise_gen = torch.Generator().manual_seed(cfg.seed * 7919 + 11)
        self.latent_dim = math.prod(self.noise_shape)
        self._fixed = self._seeded_noise(p["samples"])
        self._eval_real = self._eval_sets()
        n_eval = max(len(x) for x in self._eval_real.values())
        self._eval_noise = self.sample_noise(n_eval, torch.Generator().manual_seed(
            cfg.seed * 7919 + 37))
        self._judge, self._real_score = self._fit_judge(real)
        # Per training batch this epoch (tensors: no sync on the hot path): D's accuracy,
        # D's loss and G's loss; and their means per finished epoch.
        self._step_acc: list[torch.Tensor] = []
        self._step_d_loss: list[torch.Tensor] = []
        self._step_g_loss: list[torch.Tensor] = []
        self._epoch_acc: list[float] = []
        self._epoch_d_loss: list[float] = []
        self._epoch_g_loss: list[float] = []
        # The untrained pair's numbers (initial_train_gen_std...), to compare the end with.
        self._initial = {f"initial_{k}": v for k, v in self.evaluate().items()}

    # -- construction ------------------------------------------------------------------------
    def _optimizer(self, section: dict | None, module: torch.nn.Module) -> torch.optim.Optimizer:
        cfg = self.ctx.config
        kind, hyper = (cfg.optimizer, cfg.optimizer_params) if section is None \
            else (section["type"], section["params"])
        params = [q for q in module.parameters() if q.requires_grad]
        if not params:
            raise TrainingError("a GAN network has no trainable parameters: add a layer "
                                "with weights (Dense, Conv...)", "graphs")
        return build_optimizer(kind, hyper, params)

    def _eval_sets(self) -> dict[str, torch.Tensor]:
        """Up to EVAL_SAMPLES real samples per split, chosen once (seeded)."""
        sets = {}
        rng = np.random.default_rng(self.ctx.config.seed)
        for name in ("train", "val", "test"):
            x = self.dataset.split(name).x
            if len(x) == 0:
                continue
            if len(x) > EVAL_SAMPLES:
                x = x[np.sort(rng.choice(len(x), EVAL_SAMPLES, replace=False))]
            sets[name] = to_tensor(x, self.ctx.device)
        return sets

    def _fit_judge(self, real: torch.Tensor | None) -> tuple[ClassifierScore | None, float]:
        """For labelled images: a classifier of the real ones and their Inception score."""
        ds = self.ctx.dataset
        if ds is None or real is None or ds.info.target != "class" or len(self.data_shape) < 2:
            return None, math.nan
        labels = torch.as_tensor(ds.train.y, dtype=torch.long, device=real.device)
        judge = ClassifierScore(real, labels, ds.n_classes, seed=self.ctx.config.seed + 2)
        return judge, judge.inception_score(self._eval_real["train"])

    # -- pieces of a step --------------------------------------------------------------------
    def sample_noise(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """A noise batch (n, *noise_shape) from the task's distribution."""
        gen = self._noise_gen if generator is None else generator
        shape = (n, *self.noise_shape)
        if self.ctx.params["noise"] == "normal":
            z = torch.randn(shape, generator=gen)
        else:
            low, high = self.ctx.params["noise_range"]
            z = low + (high - low) * torch.rand(shape, generator=gen)
        return z.to(self.ctx.device)

    def _seeded_noise(self, n: int) -> torch.Tensor:
        """The same n noise vectors every time (seeded by the config)."""
        return self.sample_noise(n, torch.Generator().manual_seed(self.ctx.config.seed * 7919 + 23))

    def fixed_noise(self, n: int | None = None) -> np.ndarray:
        """The fixed noise batch for the samples view, (n, *noise_shape).

        ``n`` defaults to the ``samples`` param; any ``n`` gives the same
        batch on every call, so pictures change only because G does.
        """
        n = self.ctx.params["samples"] if n is None else n
        noise = self._fixed if n == len(self._fixed) else self._seeded_noise(n)
        return noise.cpu().numpy()

    def _bce(self, d_out: torch.Tensor, label: float) -> torch.Tensor:
        target = torch.full_like(d_out, label)
        if self._probabilities:
            return F.binary_cross_entropy(d_out.clamp(PROB_EPS, 1.0 - PROB_EPS), target)
        return F.binary_cross_entropy_with_logits(d_out, target)

    def _says_real(self, d_out: torch.Tensor) -> torch.Tensor:
        return d_out > (0.5 if self._probabilities else 0.0)

    def d_step(self) -> torch.Tensor:
        """One discriminator update on a real and a fake batch; returns D's loss (detached)."""
        (real,) = self.batches.next()
        with torch.no_grad():
            fake = self.generator(self.sample_noise(len(real)))
        d_real, d_fake = self.discriminator(real), self.discriminator(fake)  # (n, 1) each
        loss = 0.5 * (self._bce(d_real, 1.0) + self._bce(d_fake, 0.0))
        self.d_optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if self._clip is not None:
            torch.nn.utils.clip_grad_norm_(self.discriminator.parameters(), self._clip)
        self.d_optimizer.step()
        with torch.no_grad():
            correct = self._says_real(d_real).sum() + (~self._says_real(d_fake)).sum()
            self._step_acc.append(correct.float() / (2 * len(real)))
        self._step_d_loss.append(loss.detach())
        return loss.detach()

    def g_step(self) -> torch.Tensor:
        """One generator update through the (unchanged) discriminator; returns G's loss."""
        d_fake = self.discriminator(self.generator(self.sample_noise(self._batch_size())))
        if self.ctx.params["g_loss"] == "minimax":
            loss = -self._bce(d_fake, 0.0)  # log(1 - D(G(z))), minimised
        else:
            loss = self._bce(d_fake, 1.0)  # -log D(G(z))
        self.g_optimizer.zero_grad(set_to_none=True)
        loss.backward()  # also fills D's .grad; d_step clears it before D's next update
        if self._clip is not None:
            torch.nn.utils.clip_grad_norm_(self.generator.parameters(), self._clip)
        self.g_optimizer.step()
        self._step_g_loss.append(loss.detach())
        return loss.detach()

    def _batch_size(self) -> int:
        return self.batches.size

    # -- the Task interface ------------------------------------------------------------------
    def loop_streams(self) -> dict[str, Batches | torch.Generator]:
        """The real-sample batches and the training noise's random stream."""
        return {**super().loop_streams(), "_noise_gen": self._noise_gen}

    def steps_per_epoch(self) -> int:
        return math.ceil(self.batches.steps / self.ctx.params["d_steps"])

    def begin_epoch(self, generator: torch.Generator) -> None:
        self._fold_epoch()
        self.batches.begin_epoch(generator)

    def train_step(self) -> torch.Tensor:
        """One iteration; returns the discriminator's mean loss (what the loss curve shows)."""
        d_losses = [self.d_step() for _ in range(self.ctx.params["d_steps"])]
        for _ in range(self.ctx.params["g_steps"]):
            self.g_step()
        return torch.stack(d_losses).mean()

    def _fold_epoch(self) -> None:
        """The finished epoch's per-batch accuracy and losses, averaged (one sync)."""
        steps = (self._step_acc, self._step_d_loss, self._step_g_loss)
        epochs = (self._epoch_acc, self._epoch_d_loss, self._epoch_g_loss)
        for step, epoch in zip(steps, epochs):
            if step:
                epoch.append(float(torch.stack(step).float().mean()))
                step.clear()

    @torch.no_grad()
    def evaluate(self) -> dict[str, float]:
        """D's loss and accuracy on fixed real samples and fixed fakes, G's loss, in eval mode.

        Keys per split: ``d_loss``, ``g_loss``, ``d_accuracy`` (real and fake
        together), ``d_real`` / ``d_fake`` (mean D output); ``train_batch_d_accuracy``,
        ``train_batch_d_loss`` and ``train_batch_g_loss`` are the means over the last
        epoch's training batches of D's accuracy, D's loss and G's loss (what Keras
        logs, and the two loss curves). For 1-D data also ``train_gen_mean`` /
        ``train_gen_std`` of the generated samples and ``train_real_mean`` /
        ``train_real_std`` of the real ones.
        """
        self._fold_epoch()
        was = {name: m.training for name, m in self.models.items()}
        self.train_mode(False)
        try:
            fake_all = self.generator(self._eval_noise)
            metrics = {}
            for name, real in self._eval_real.items():
                fake = fake_all[:len(real)]
                d_real, d_fake = self.discriminator(real), self.discriminator(fake)
                correct = self._says_real(d_real).sum() + (~self._says_real(d_fake)).sum()
                to_prob = (lambda t: t) if self._probabilities else torch.sigmoid
                d_loss = 0.5 * (self._bce(d_real, 1.0) + self._bce(d_fake, 0.0))
                metrics.update({
                    f"{name}_d_loss": float(d_loss),
                    f"{name}_g_loss": float(self._bce(d_fake, 1.0)),
                    f"{name}_d_accuracy": float(correct) / (2 * len(real)),
                    f"{name}_d_real": float(to_prob(d_real).mean()),
                    f"{name}_d_fake": float(to_prob(d_fake).mean()),
                })
            if self._epoch_acc:
                metrics["train_batch_d_accuracy"] = self._epoch_acc[-1]
            if self._epoch_d_loss and self._epoch_g_loss:
                metrics["train_batch_d_loss"] = self._epoch_d_loss[-1]
                metrics["train_batch_g_loss"] = self._epoch_g_loss[-1]
            if self._judge is not None:
                metrics.update(train_gen_inception_score=self._judge.inception_score(fake_all),
                               train_real_inception_score=self._real_score,
                               train_gen_classes=float(self._judge.classes_seen(fake_all)))
            if self.data_shape == (1,):
                real = self._eval_real["train"]
                metrics.update(train_gen_mean=float(fake_all.mean()),
                               train_gen_std=float(fake_all.std()),
                               train_real_mean=float(real.mean()),
                               train_real_std=float(real.std()))
        finally:
            for name, m in self.models.items():
                m.train(was[name])
        return metrics

    def final_metrics(self) -> dict[str, float]:
        """The untrained metrics (``initial_...``) and ``peak_batch_d_accuracy``.

        ``peak_batch_d_accuracy`` is the best epoch-mean D accuracy on training
        batches: how close D came to winning outright before G caught up.
        """
        self._fold_epoch()
        out = dict(self._initial)
        if self._epoch_acc:
            out["peak_batch_d_accuracy"] = max(self._epoch_acc)
        return out

    # -- hooks for views ---------------------------------------------------------------------
    @torch.no_grad()
    def generate(self, noise: np.ndarray | torch.Tensor | None = None) -> np.ndarray:
        """Generated samples (n, *data_shape) in eval mode, from the fixed noise batch by default.

        The same weights and noise always give the same samples, so the
        samples view shows the generator's progress and not the noise's.
        """
        z = self._fixed if noise is None else torch.as_tensor(
            np.asarray(noise, np.float32).reshape(-1, *self.noise_shape)).to(self.ctx.device)
        was = self.generator.training
        self.generator.eval()
        try:
            return self.generator(z).cpu().numpy()
        finally:
            self.generator.train(was)

    @torch.no_grad()
    def discriminate(self, x: np.ndarray) -> np.ndarray:
        """D's probability that each sample of ``x`` (n, *data_shape) is real, shape (n,)."""
        was = self.discriminator.training
        self.discriminator.eval()
        try:
            out = self.discriminator(to_tensor(np.asarray(x, np.float32), self.ctx.device))
            out = out if self._probabilities else torch.sigmoid(out)
            return out.reshape(-1).cpu().numpy()
        finally:
            self.discriminator.train(was)


register_task(TaskType(
    "gan", "GAN", GAN_SCALARS, GANTask, targets=("class", "regression", "none"),
    graphs=("generator", "discriminator"), views=("samples", "loss"),
    doc="A generator learns to fool a discriminator that learns to tell real from fake.",
    parse=parse_gan_params))
