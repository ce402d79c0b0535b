"""Bayesian layers: a Dense layer whose weights are distributions (Bayes by backprop).

dlpi Ex 9.3.3 (seeds/000, L8290-8338; Blundell et al. 2015) learns, for every
weight and bias, a Gaussian posterior ``N(mu, sigma^2)`` with
``sigma = log(1 + exp(rho))`` (softplus, always positive): the layer's
parameters are ``weight_mu``, ``weight_rho``, ``bias_mu`` and ``bias_rho``.
Each forward pass while training draws ``theta = mu + sigma * eps`` with
``eps ~ N(0, I)`` (the reparameterisation of Eq. 9.31), so gradients reach mu
and rho; in evaluation mode it uses the means (the MAP network) unless
``sample_in_eval`` is set or :attr:`BayesDense.sampling` is switched on, which
is how the predictive band is drawn: many forward passes, one weight sample each.

Every forward also stores :attr:`BayesDense.kl`, the KL divergence from the
posterior to the prior ``N(0, prior_sigma^2)`` summed over all weights, in
closed form: the expectation of the book's ``log q(theta) - log p(theta)``
(Eq. 9.29), without its sampling noise. The ``bayes_regression`` task adds it
to the data term.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from playground.layers.activations import ACTIVATION_CHOICES, make_activation
from playground.layers.base import LayerSpec, expect_rank, register_layer, single_input
from playground.params import bool_param, choice_param, float_param, int_param


def gaussian_kl_to_prior(mu: torch.Tensor, sigma: torch.Tensor, prior_sigma: float
                         ) -> torch.Tensor:
    """KL(N(mu, sigma^2) || N(0, prior_sigma^2)), summed over every element (a scalar).

    Per element: ``log(prior_sigma / sigma) + (sigma^2 + mu^2) / (2 prior_sigma^2) - 1/2``.
    """
    ratio = (sigma.pow(2) + mu.pow(2)) / (2.0 * prior_sigma ** 2)
    return (math.log(prior_sigma) - torch.log(sigma) + ratio - 0.5).sum()


class BayesDense(nn.Module):
    """A fully connected layer with a Gaussian posterior over each weight and bias.

    Parameters
    ----------
    in_features, out_features : int
    prior_sigma : float
        Standard deviation of the zero-mean Gaussian prior on every weight.
    rho_init : float
        Starting rho of every weight (sigma = softplus(rho); -5 is about 0.0067).
    sample_in_eval : bool
        Draw weights in evaluation mode too.

    Attributes
    ----------
    kl : Tensor or None
        KL term of the last forward (carries gradients while training).
    sampling : bool
        Set by a task to draw weights in evaluation mode (predictive samples).
    """

    def __init__(self, in_features: int, out_features: int, prior_sigma: float = 1.0,
                 rho_init: float = -5.0, sample_in_eval: bool = False):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.prior_sigma = prior_sigma
        self.sample_in_eval = sample_in_eval
        self.sampling = False
        self.weight_mu = nn.Parameter(torch.empty(out_features, in_features))
        self.weight_rho = nn.Parameter(torch.full((out_features, in_features), rho_init))
        self.bias_mu = nn.Parameter(torch.zeros(out_features))
        self.bias_rho = nn.Parameter(torch.full((out_features,), rho_init))
        nn.init.xavier_uniform_(self.weight_mu)  # Glorot, as the books' Dense layers
        self.kl: torch.Tensor | None = None

    def sigmas(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Posterior standard deviations of the weights and biases, softplus(rho)."""
        return F.softplus(self.weight_rho), F.softplus(self.bias_rho)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        w_sigma, b_sigma = self.sigmas()
        self.kl = gaussian_kl_to_prior(self.weight_mu, w_sigma, self.prior_sigma) + \
            gaussian_kl_to_prior(self.bias_mu, b_sigma, self.prior_sigma)
        if self.training or self.sample_in_eval or self.sampling:
            weight = self.weight_mu + w_sigma * torch.randn_like(w_sigma)  # (out, in)
            bias = self.bias_mu + b_sigma * torch.randn_like(b_sigma)
        else:
            weight, bias = self.weight_mu, self.bias_mu
        return F.linear(x, weight, bias)  # (N, ..., out)

    def release(self) -> None:
        """Drop the autograd graph held by :attr:`kl` (export and checkpoints deep-copy)."""
        if self.kl is not None:
            self.kl = self.kl.detach()

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"prior_sigma={self.prior_sigma}")


def _infer_bayes_dense(p: dict, ins: dict) -> tuple:
    shape = single_input(ins)
    expect_rank(shape, (1, 2), "BayesDense", "(N, features) or (N, steps, features)")
    return (*shape[:-1], p["units"])


def _build_bayes_dense(p: dict, ins: dict) -> nn.Module:
    shape = single_input(ins)
    layer = BayesDense(shape[-1], p["units"], p["prior_sigma"], p["rho_init"],
                       p["sample_in_eval"])
    if p["activation"] == "identity":
        return layer
    return nn.Sequential(layer, make_activation(p["activation"], (*shape[:-1], p["units"])))


register_layer(LayerSpec(
    id="bayes_dense", label="Bayesian Dense", category="Core",
    params=(int_param("units", 8, 1, 100_000, help="Number of neurons."),
            choice_param("activation", "identity", ACTIVATION_CHOICES),
            float_param("prior_sigma", 1.0, 1e-3, 1e3,
                        help="Std of the N(0, sigma^2) prior on every weight (dlpi: variance "
                             "10, sigma 3.16)."),
            float_param("rho_init", -5.0, -20.0, 5.0,
                        help="Starting rho: each weight's std is log(1 + e^rho)."),
            bool_param("sample_in_eval", False,
                       help="Draw weights when evaluating too; off evaluates the means.")),
    infer=_infer_bayes_dense, build=_build_bayes_dense,
    doc="Dense layer with a Gaussian posterior (mu, rho) per weight, trained by Bayes by "
        "backprop: every forward pass while training draws new weights."))
