"""Generative layers: the VAE's Sampling (reparameterisation) node.

GAN generators need no special layer: the generator graph's Input is given an
explicit ``shape`` (the noise size, e.g. ``[100]``) and the ``gan`` task feeds it
noise batches. That keeps the noise distribution a task setting (normal or
uniform, like the books) and lets the same generator graph be exported and
called on any noise the user supplies.
"""

from __future__ import annotations

import torch
from torch import nn

from playground.errors import ShapeError
from playground.layers.base import LayerSpec, fmt_shape, register_layer
from playground.params import bool_param


def gaussian_kl(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, exp(logvar)) || N(0, I)), summed over latent dims, averaged over the batch.

    ``-0.5 * sum(1 + logvar - mu^2 - exp(logvar))`` per sample (Kingma and
    Welling, appendix B). dl4b's listing has the sign flipped (L5205-L5206);
    this is the correct, non-negative form.

    Parameters
    ----------
    mu, logvar : Tensor
        (N, *latent) means and log-variances.

    Returns
    -------
    Tensor
        Scalar, differentiable.
    """
    per_value = 1.0 + logvar - mu.pow(2) - logvar.exp()  # (N, *latent)
    return -0.5 * per_value.flatten(1).sum(dim=1).mean()


class Sampling(nn.Module):
    """z = mu + exp(0.5 * logvar) * eps with eps ~ N(0, I), the reparameterisation trick.

    While training it samples; in evaluation mode it returns ``mu`` (the
    deterministic code a latent view wants) unless ``sample_in_eval`` is set.
    Every forward stores the batch's KL term in :attr:`kl` (see
    :func:`gaussian_kl`) for the VAE task's loss, and the inputs in
    :attr:`last_mu` / :attr:`last_logvar` (detached) for latent views.

    Parameters
    ----------
    sample_in_eval : bool
        Sample in evaluation mode too (Keras's Lambda sampling layer always samples).

    Attributes
    ----------
    kl : Tensor or None
        KL term of the last forward (carries gradients while training).
    fixed_eps : Tensor or None
        When set, used instead of fresh noise (tests, repeatable pictures);
        must broadcast against ``mu``.
    """

    def __init__(self, sample_in_eval: bool = False):
        super().__init__()
        self.sample_in_eval = sample_in_eval
        self.kl: torch.Tensor | None = None
        self.fixed_eps: torch.Tensor | None = None
        self.last_mu: torch.Tensor | None = None
        self.last_logvar: torch.Tensor | None = None

    def forward(self, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
        self.kl = gaussian_kl(mu, logvar)
        self.last_mu, self.last_logvar = mu.detach(), logvar.detach()
        if not (self.training or self.sample_in_eval):
            return mu
        eps = torch.randn_like(mu) if self.fixed_eps is None else self.fixed_eps.to(mu)
        return mu + torch.exp(0.5 * logvar) * eps  # (N, *latent)

    def release(self) -> None:
        """Drop the autograd graph held by :attr:`kl` (keeps its value).

        A module holding a non-leaf tensor cannot be deep-copied (export,
        checkpoints), so the VAE task calls this after each backward pass.
        """
        if self.kl is not None:
            self.kl = self.kl.detach()

    def extra_repr(self) -> str:
        return f"sample_in_eval={self.sample_in_eval}"


def _infer_sampling(p: dict, ins: dict) -> tuple:
    mu, logvar = ins["mu"], ins["logvar"]
    if mu != logvar:
        raise ShapeError(f"Sampling needs mu and logvar of the same shape but gets "
                         f"{fmt_shape(mu)} on mu and {fmt_shape(logvar)} on logvar",
                         fix="give the two Dense layers feeding it the same number of units")
    return mu


register_layer(LayerSpec(
    id="sampling", label="Sampling (VAE)", category="Generative",
    params=(bool_param("sample_in_eval", False,
                       help="Also sample when evaluating; off returns mu (a deterministic "
                            "code for latent views)."),),
    infer=_infer_sampling,
    build=lambda p, ins: Sampling(p["sample_in_eval"]),
    inputs=("mu", "logvar"),
    doc="The VAE's reparameterisation: z = mu + exp(logvar / 2) * eps, eps ~ N(0, I). "
        "Keeps the KL term for the VAE task."))
