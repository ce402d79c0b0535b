"""Analytic 2-D loss surfaces for the optimizer race.

Each surface is one small :class:`SurfaceType` entry in :data:`SURFACES`: a
formula written with torch ops, its parameters, a plotting domain, a default
start and guesses of where its minima are. The formula works on a single point
(a ``(2,)`` tensor, with autograd) and on grids (``(..., 2)`` tensors, for
contour plots), because it only indexes ``w[..., 0]`` and ``w[..., 1]``.

Minima are computed, not copied: a damped Newton iteration in float64 refines
each guess for the chosen parameter values. That matters for Beale, whose book
version (c = 2.2625 instead of the standard 2.625) moves the minimum from
(3, 0.5) with L = 0 to (2.45074, 0.36311) with L = 0.023710.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from playground.params import Param, float_param, resolve
from playground.registry import Registry

Point = tuple[float, float]
Domain = tuple[Point, Point]


@dataclass(frozen=True)
class Minimum:
    """A known (local or global) minimum of a surface.

    Attributes
    ----------
    point : tuple of float
        (x, y).
    value : float
        The surface's value there.
    """

    point: Point
    value: float


@dataclass(frozen=True)
class SurfaceType:
    """A registry entry.

    Attributes
    ----------
    id : str
        Stable id stored in files (``"beale"``).
    label : str
        Name shown in the task panel.
    params : tuple of Param
        The formula's constants.
    f : callable
        ``f(w, params) -> tensor``: the value at ``w[..., 0], w[..., 1]``.
    domain : ((float, float), (float, float))
        ((x_min, x_max), (y_min, y_max)) for contour views.
    start : (float, float)
        Default starting point of a race.
    guesses : callable
        ``guesses(params) -> [(x, y), ...]``: points near each minimum, refined
        numerically by :meth:`minima`; empty for surfaces without a minimum.
    doc : str
        One sentence.
    """

    id: str
    label: str
    params: tuple[Param, ...]
    f: Callable[[torch.Tensor, Mapping[str, float]], torch.Tensor]
    domain: Domain
    start: Point
    guesses: Callable[[Mapping[str, float]], Sequence[Point]] = lambda p: ()
    doc: str = ""

    def resolve(self, raw: Any = None, where: str = "surface_params") -> dict:
        """Every parameter of this surface, validated, defaults filled in."""
        return resolve(self.params, raw, where)

    def value(self, w: torch.Tensor, params: Mapping[str, float] | None = None
              ) -> torch.Tensor:
        """The surface at ``w`` (shape ``(..., 2)``) with ``params`` (defaults when None)."""
        return self.f(w, self.resolve(params))

    def minima(self, params: Mapping[str, float] | None = None) -> tuple[Minimum, ...]:
        """Known minima for ``params``, refined to about 1e-10 (cached)."""
        resolved = self.resolve(params)
        return _minima(self.id, tuple(sorted(resolved.items())))


SURFACES: Registry[SurfaceType] = Registry("surface")


def register_surface(entry: SurfaceType, override: bool = False) -> SurfaceType:
    """Add a surface to :data:`SURFACES`."""
    return SURFACES.register(entry, override)


# -- numerical minima ----------------------------------------------------------------------

def hessian(f: Callable[[torch.Tensor], torch.Tensor]) -> Callable[[torch.Tensor], torch.Tensor]:
    """The Hessian of scalar ``f`` at a point, by reverse-over-reverse differentiation.

    ``torch.func.hessian`` is forward-over-reverse; its forward mode loads jvp
    decompositions through ``torch.jit.script``, which torch 2.14 deprecates with
    a warning on every first call. Two reverse passes give the same (2, 2)
    matrix for these small surfaces without touching TorchScript.
    """
    return torch.func.jacrev(torch.func.jacrev(f))


@functools.lru_cache(maxsize=64)
def _minima(surface_id: str, params: tuple) -> tuple[Minimum, ...]:
    surface = SURFACES.get(surface_id)
    p = dict(params)
    found: list[Minimum] = []
    for guess in surface.guesses(p):
        m = refine_minimum(lambda w: surface.f(w, p), guess)
        # Two guesses may fall into one basin; keep each minimum once.
        if m is not None and all(np.hypot(m.point[0] - o.point[0], m.point[1] - o.point[1])
                                 > 1e-6 for o in found):
            found.append(m)
    return tuple(found)


def refine_minimum(f: Callable[[torch.Tensor], torch.Tensor], guess: Point,
                   iterations: int = 200, tol: float = 1e-12) -> Minimum | None:
    """Damped Newton (Levenberg-Marquardt) descent from ``guess`` in float64.

    Parameters
    ----------
    f : callable
        Scalar function of a ``(2,)`` float64 tensor.
    guess : (float, float)
        Starting point, ideally inside the minimum's basin.
    iterations : int
        Most Newton steps.
    tol : float
        Stop when the gradient's norm is below this.

    Returns
    -------
    Minimum or None
        None when the iteration ends somewhere that is not a strict minimum
        (non-finite values, or a Hessian that is not positive definite).
    """
    w = torch.tensor(guess, dtype=torch.float64)
    damping = 1e-6
    eye = torch.eye(2, dtype=torch.float64)
    for _ in range(iterations):
        grad = torch.func.grad(f)(w)
        if not torch.isfinite(grad).all() or float(grad.norm()) < tol:
            break
        hess = hessian(f)(w)
        current = float(f(w))
        # Raise the damping until the step goes downhill: far from a minimum the
        # Hessian may be indefinite, and then a plain Newton step climbs.
        while damping < 1e12:
            step = torch.linalg.solve(hess + damping * eye, -grad)
            trial = w + step
            if float(f(trial)) <= current:
                w, damping = trial, max(damping / 10.0, 1e-12)
                break
            damping *= 10.0
        else:
            break
    value = float(f(w))
    eigenvalues = torch.linalg.eigvalsh(hessian(f)(w))
    if not np.isfinite(value) or float(eigenvalues.min()) <= 0.0:
        return None
    return Minimum((float(w[0]), float(w[1])), value)


# -- grids for contour views ---------------------------------------------------------------

def grid(surface_id: str, params: Mapping[str, Any] | None = None, n: int = 200,
         domain: Domain | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The surface sampled on an ``n`` x ``n`` grid over its domain.

    Parameters
    ----------
    surface_id : str
        A :data:`SURFACES` id.
    params : mapping, optional
        Surface parameters (validated; defaults fill the rest).
    n : int
        Samples per axis.
    domain : ((x_min, x_max), (y_min, y_max)), optional
        Overrides the surface's plotting domain.

    Returns
    -------
    xs : ndarray, shape (n,)
    ys : ndarray, shape (n,)
    Z : ndarray, shape (n, n)
        ``Z[i, j]`` is the value at ``(xs[j], ys[i])`` (rows follow y), float64.
        Raw values: log scaling is the view's business.
    """
    surface = SURFACES.get(surface_id, "surface")
    p = surface.resolve(params)
    (x0, x1), (y0, y1) = domain or surface.domain
    xs = np.linspace(x0, x1, n)
    ys = np.linspace(y0, y1, n)
    xx, yy = np.meshgrid(xs, ys)  # (n, n) each, rows follow y
    w = torch.from_numpy(np.stack([xx, yy], axis=-1))  # (n, n, 2) float64
    with torch.no_grad():
        z = surface.f(w, p).numpy()
    return xs, ys, z


# -- the surfaces --------------------------------------------------------------------------

def _beale(w: torch.Tensor, p: Mapping[str, float]) -> torch.Tensor:
    x, y = w[..., 0], w[..., 1]
    return ((p["a"] - x + x * y) ** 2 + (p["b"] - x + x * y ** 2) ** 2
            + (p["c"] - x + x * y ** 3) ** 2)


register_surface(SurfaceType(
    "beale", "Beale",
    (float_param("a", 1.5, -10.0, 10.0),
     float_param("b", 2.25, -10.0, 10.0),
     float_param("c", 2.625, -10.0, 10.0,
                 help="Standard 2.625; dlpi prints 2.2625, which moves the minimum to "
                      "(2.45074, 0.36311) with L = 0.023710.")),
    _beale, ((-4.5, 4.5), (-4.5, 4.5)), (0.0, 0.0),
    # (3, 0.5) is the standard minimum; nearby c values keep it in the same basin.
    guesses=lambda p: [(3.0, 0.5)],
    doc="Flat valleys and steep walls: a classic test of step-size adaptation."))


def _rosenbrock(w: torch.Tensor, p: Mapping[str, float]) -> torch.Tensor:
    x, y = w[..., 0], w[..., 1]
    return (p["a"] - x) ** 2 + p["b"] * (y - x ** 2) ** 2


register_surface(SurfaceType(
    "rosenbrock", "Rosenbrock",
    (float_param("a", 1.0, -10.0, 10.0),
     float_param("b", 100.0, 0.0, 1e4, help="Steepness of the banana valley's walls.")),
    _rosenbrock, ((-2.0, 2.0), (-1.0, 3.0)), (-1.2, 1.0),
    guesses=lambda p: [(p["a"], p["a"] ** 2)],
    doc="A curved, nearly flat valley: easy to find, slow to follow to (a, a^2)."))


def _himmelblau(w: torch.Tensor, p: Mapping[str, float]) -> torch.Tensor:
    x, y = w[..., 0], w[..., 1]
    return (x ** 2 + y - 11.0) ** 2 + (x + y ** 2 - 7.0) ** 2


register_surface(SurfaceType(
    "himmelblau", "Himmelblau", (), _himmelblau, ((-5.0, 5.0), (-5.0, 5.0)), (0.0, 0.0),
    guesses=lambda p: [(3.0, 2.0), (-2.805, 3.131), (-3.779, -3.283), (3.584, -1.848)],
    doc="Four equal minima (L = 0): which one a run finds depends on start and optimizer."))


def _saddle(w: torch.Tensor, p: Mapping[str, float]) -> torch.Tensor:
    return w[..., 0] ** 2 - w[..., 1] ** 2


register_surface(SurfaceType(
    "saddle", "Saddle", (), _saddle, ((-2.0, 2.0), (-2.0, 2.0)), (1.5, 0.05),
    doc="x^2 - y^2: no minimum; runs slide to the saddle at (0, 0), then escape along y."))


def _ill_conditioned(w: torch.Tensor, p: Mapping[str, float]) -> torch.Tensor:
    return 0.5 * (w[..., 0] ** 2 + p["kappa"] * w[..., 1] ** 2)


register_surface(SurfaceType(
    "ill_conditioned", "Elongated bowl",
    (float_param("kappa", 25.0, 1.0, 1e4, log=True,
                 help="Condition number: curvature along y over curvature along x."),),
    _ill_conditioned, ((-2.0, 2.0), (-1.0, 1.0)), (-1.8, 0.5),
    guesses=lambda p: [(0.0, 0.0)],
    doc="0.5 (x^2 + kappa y^2): plain GD zig-zags across, or diverges once lr > 2/kappa."))
