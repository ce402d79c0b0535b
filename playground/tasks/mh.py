"""Metropolis-Hastings racers for the ``surface`` task (dlpi Ex 9.3.1, seeds/000 L8141-8186).

A racer of the optimizer race may name a ``sampler`` instead of an optimizer::

    {"name": "mh", "label": "MH s=0.3, M=I",
     "sampler": {"type": "metropolis_hastings",
                 "params": {"temperature": 0.01, "scale": 0.3, "proposal": "identity",
                            "eigen_floor": 0.001}}}

Each iteration proposes ``w' = w + e`` with ``e ~ N(0, Sigma(w))`` and accepts
it with probability ``min(1, p(w') q(w | w') / (p(w) q(w' | w)))`` (Eq. 9.11),
where the surface is turned into a likelihood ``p(w) = exp(-L(w) / T)`` (the
book leaves this mapping and the temperature T unstated; the research note
finds T <= 0.1 reproduces "an order of magnitude below GD in about 80
iterations"). Proposal covariances (Eq. 9.13, "M a given covariance matrix and
s^2 a scale factor"):

* "identity": ``Sigma = s^2 I`` (symmetric, so q cancels: Eq. 9.12);
* "hessian": ``Sigma = s^2 |H(w)|``, the book's "M chosen as the Hessian", with
  H's eigenvalues replaced by their absolute values floored at ``eigen_floor``
  (the Hessian of Beale at the book's start (1.2, 2) is indefinite, so it is
  no covariance as it stands);
* "inverse_hessian": ``Sigma = s^2 |H(w)|^-1``, the Newton-like choice that
  takes long steps along flat directions.

The Hessian-based proposals depend on ``w``, so the Hastings correction
``q(w | w') / q(w' | w)`` is applied. A proposal where the surface is not
finite is rejected; a Metropolis-Hastings racer never diverges.

The chain draws from its own generator seeded with the run's training seed
(``training.seed``, which ``--seed`` and ``--seeds`` override); two chains of
one race that differ in one setting draw the same random numbers, so the
setting is all that differs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import torch

from playground.errors import ValidationError
from playground.params import choice_param, float_param, resolve
from playground.surfaces import hessian
from playground.tasks.trajectory import Trajectory

SAMPLERS = ("metropolis_hastings",)
PROPOSALS = ("identity", "hessian", "inverse_hessian")

SAMPLER_PARAMS = (
    float_param("temperature", 0.01, 1e-12, 1e12, log=True,
                help="T of the likelihood exp(-L / T): lower accepts fewer uphill moves."),
    float_param("scale", 0.3, 1e-12, 1e6, log=True,
                help="s: the proposal's standard deviation along unit curvature."),
    choice_param("proposal", "identity", PROPOSALS,
                 help="Covariance s^2 I, s^2 |H| (the book's Hessian) or s^2 |H|^-1."),
    float_param("eigen_floor", 1e-3, 1e-12, 1e12, log=True,
                help="Smallest |eigenvalue| of the Hessian used in a proposal."),
)


def parse_sampler(raw: Any, where: str) -> dict:
    """Validate ``{"type": "metropolis_hastings", "params": {...}}`` (JSON-ready, idempotent)."""
    if not isinstance(raw, Mapping):
        raise ValidationError("expected an object with 'type' and 'params'", where)
    for key in raw:
        if key not in ("type", "params"):
            raise ValidationError(f"unknown field {key!r} (expected type, params)", where)
    kind = raw.get("type")
    if kind not in SAMPLERS:
        raise ValidationError(f"unknown sampler {kind!r} (known: {', '.join(SAMPLERS)})",
                              f"{where}.type")
    return {"type": kind, "params": resolve(SAMPLER_PARAMS, raw.get("params"),
                                            f"{where}.params")}


class MHRacer:
    """A Metropolis-Hastings chain on the surface, with :class:`Racer`'s interface.

    Parameters
    ----------
    name, label : str
    sampler : dict
        From :func:`parse_sampler`.
    start : (float, float)
    f : callable
        The surface as a function of one ``(2,)`` tensor.
    seed : int
        Seeds the proposals and acceptances (the run's training seed).
    """

    optimizer = None  # nothing for the trainer's live hyperparameter edits

    def __init__(self, name: str, label: str, sampler: dict, start, f, seed: int = 0):
        self.name, self.label = name, label
        self.sampler = sampler
        self.hyper = dict(sampler["params"])
        self.optimizer_type = sampler["type"]
        self.rng = np.random.default_rng(seed)
        self.point = torch.tensor(start, dtype=torch.float64)
        with torch.no_grad():
            self.loss = float(f(self.point))
        self.position = (float(start[0]), float(start[1]))
        self.iteration = 0
        self.accepted = 0
        self.diverged = False
        self.diverged_at: int | None = None
        self.trajectory = Trajectory()
        self.trajectory.add(0, *self.position, self.loss)

    # -- the proposal ----------------------------------------------------------------------
    def covariance(self, f, w: torch.Tensor) -> np.ndarray:
        """The proposal covariance at ``w`` (2, 2)."""
        s2 = self.hyper["scale"] ** 2
        kind = self.hyper["proposal"]
        if kind == "identity":
            return s2 * np.eye(2)
        hess = hessian(f)(w).detach().numpy()
        if not np.all(np.isfinite(hess)):
            return s2 * np.eye(2)
        vals, vecs = np.linalg.eigh(0.5 * (hess + hess.T))
        vals = np.maximum(np.abs(vals), self.hyper["eigen_floor"])
        if kind == "inverse_hessian":
            vals = 1.0 / vals
        return s2 * (vecs * vals) @ vecs.T

    @staticmethod
    def _log_q(a: np.ndarray, b: np.ndarray, cov: np.ndarray) -> float:
        """log N(a; b, cov) without the constant."""
        d = a - b
        _, logdet = np.linalg.slogdet(cov)
        return float(-0.5 * d @ np.linalg.solve(cov, d) - 0.5 * logdet)

    def step(self, f, threshold: float) -> None:
        """One proposal and its acceptance test."""
        w = self.point.numpy().copy()
        cov = self.covariance(f, self.point)
        proposal = w + np.linalg.cholesky(cov) @ self.rng.standard_normal(2)
        cand = torch.tensor(proposal, dtype=torch.float64)
        with torch.no_grad():
            new_loss = float(f(cand))
        u = self.rng.random()  # drawn every iteration, so the stream does not depend on T
        self.iteration += 1
        if math.isfinite(new_loss) and np.all(np.isfinite(proposal)):
            log_r = -(new_loss - self.loss) / self.hyper["temperature"]
            if self.hyper["proposal"] != "identity":  # Hastings correction
                back = self.covariance(f, cand)
                log_r += self._log_q(w, proposal, back) - self._log_q(proposal, w, cov)
            if math.log(max(u, 1e-300)) < log_r:
                self.point, self.loss = cand, new_loss
                self.position = (float(proposal[0]), float(proposal[1]))
                self.accepted += 1
        self.trajectory.add(self.iteration, *self.position, self.loss)
        if abs(self.loss) > threshold:
            self.diverged, self.diverged_at = True, self.iteration

    # -- for the surface task ----------------------------------------------------------------
    def metrics(self) -> dict[str, float]:
        """Extra metrics: the fraction of proposals accepted."""
        return {"acceptance": self.accepted / self.iteration if self.iteration else 0.0}

    def set_state(self, state: Mapping) -> None:
        """Restore from :meth:`SurfaceTask.state_dict`'s entry for this racer."""
        self.point = state["point"].detach().clone().to(torch.float64)
        x, y = (float(v) for v in self.point)
        self.position = (x, y)
        self.loss = float(state["loss"])
        self.iteration = int(state["iteration"])
        self.diverged, self.diverged_at = bool(state["diverged"]), state["diverged_at"]

    def set_hyper(self, key: str, value: Any) -> None:
        """Change temperature, scale, proposal or eigen_floor from the next iteration."""
        declared = {p.name: p for p in SAMPLER_PARAMS}
        where = f"racers.{self.name}.sampler.params"
        if key not in declared:
            raise ValidationError(f"a Metropolis-Hastings racer has no hyperparameter {key!r} "
                                  f"(known: {', '.join(declared)})", where)
        self.hyper[key] = declared[key].validate(value, f"{where}.{key}")
