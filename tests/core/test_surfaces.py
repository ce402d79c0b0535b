"""Analytic loss surfaces: values, gradients, numerically found minima and contour grids."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from playground.errors import ValidationError
from playground.surfaces import SURFACES, grid, refine_minimum

BOOK_C = {"c": 2.2625}


def value(surface_id: str, point, **params) -> float:
    surface = SURFACES.get(surface_id)
    return float(surface.value(torch.tensor(point, dtype=torch.float64), params))


def gradient(surface_id: str, point, **params) -> np.ndarray:
    surface = SURFACES.get(surface_id)
    p = surface.resolve(params)
    w = torch.tensor(point, dtype=torch.float64, requires_grad=True)
    surface.f(w, p).backward()
    return w.grad.numpy()


def beale_gradient(x: float, y: float, a=1.5, b=2.25, c=2.625) -> np.ndarray:
    """Eq. 9.15 of dlpi, written out by hand (the oracle for autograd)."""
    t1, t2, t3 = a - x + x * y, b - x + x * y ** 2, c - x + x * y ** 3
    gx = 2 * t1 * (y - 1) + 2 * t2 * (y ** 2 - 1) + 2 * t3 * (y ** 3 - 1)
    gy = 2 * t1 * x + 4 * t2 * x * y + 6 * t3 * x * y ** 2
    return np.array([gx, gy])


def test_beale_standard_minimum_is_zero():
    assert value("beale", (3.0, 0.5)) == 0.0
    assert np.allclose(gradient("beale", (3.0, 0.5)), 0.0)


def test_beale_book_constant_reference_values():
    # Reference values of research/seed000.md §3.2 (c = 2.2625, start of Ex 9.3.1).
    assert value("beale", (1.2, 2.0), **BOOK_C) == pytest.approx(155.20, abs=0.005)
    assert gradient("beale", (1.2, 2.0), **BOOK_C) == pytest.approx([189.78, 369.72], abs=0.005)


@pytest.mark.parametrize("point", [(0.0, 0.0), (1.2, 2.0), (-1.0, 0.7), (2.5, 1.5)])
def test_beale_autograd_matches_hand_written_gradient(point):
    assert gradient("beale", point, **BOOK_C) == pytest.approx(
        beale_gradient(*point, c=2.2625), rel=1e-12)


def test_beale_minimum_with_the_books_c():
    (m,) = SURFACES.get("beale").minima(BOOK_C)
    assert m.point == pytest.approx((2.45074, 0.36311), abs=1e-5)
    assert m.value == pytest.approx(0.023710, abs=1e-6)
    assert np.abs(beale_gradient(*m.point, c=2.2625)).max() < 1e-9
    # The book's "(2.5, 1.5)" is not a minimum of either version.
    assert value("beale", (2.5, 1.5), **BOOK_C) > 1.0


def test_beale_minimum_standard():
    (m,) = SURFACES.get("beale").minima()
    assert m.point == pytest.approx((3.0, 0.5), abs=1e-9) and m.value == pytest.approx(0.0)


def test_rosenbrock_minimum_follows_its_params():
    (m,) = SURFACES.get("rosenbrock").minima({"a": 2.0, "b": 50.0})
    assert m.point == pytest.approx((2.0, 4.0)) and m.value == pytest.approx(0.0)
    assert value("rosenbrock", (1.0, 1.0)) == 0.0
    assert value("rosenbrock", (-1.2, 1.0)) == pytest.approx(24.2)


def test_himmelblau_has_four_minima():
    minima = SURFACES.get("himmelblau").minima()
    points = sorted(m.point for m in minima)
    expected = sorted([(3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186),
                       (3.584428, -1.848126)])
    assert len(points) == 4
    for got, want in zip(points, expected):
        assert got == pytest.approx(want, abs=1e-6)
    assert all(abs(m.value) < 1e-12 for m in minima)


def test_saddle_has_no_minimum_and_is_unbounded_below():
    surface = SURFACES.get("saddle")
    assert surface.minima() == ()
    assert value("saddle", (0.0, 1e3)) == -1e6
    assert refine_minimum(lambda w: surface.f(w, {}), (0.1, 0.1)) is None


def test_ill_conditioned_bowl():
    (m,) = SURFACES.get("ill_conditioned").minima({"kappa": 100.0})
    assert m.point == pytest.approx((0.0, 0.0)) and m.value == pytest.approx(0.0)
    assert value("ill_conditioned", (1.0, 1.0), kappa=100.0) == pytest.approx(50.5)


@pytest.mark.parametrize("surface_id", SURFACES.ids())
def test_every_surface_is_well_formed(surface_id):
    surface = SURFACES.get(surface_id)
    (x0, x1), (y0, y1) = surface.domain
    assert x0 < surface.start[0] < x1 and y0 < surface.start[1] < y1
    assert surface.doc and surface.label
    # One formula for single points (with autograd) and for grids.
    batch = torch.zeros(3, 4, 2, dtype=torch.float64)
    assert surface.value(batch).shape == (3, 4)
    assert np.isfinite(gradient(surface_id, surface.start)).all()
    for m in surface.minima():
        assert np.abs(gradient(surface_id, m.point)).max() < 1e-6


def test_grid_layout_and_values():
    xs, ys, z = grid("beale", BOOK_C, n=30)
    assert xs.shape == (30,) and ys.shape == (30,) and z.shape == (30, 30)
    assert xs[0] == -4.5 and xs[-1] == 4.5
    i, j = 7, 21  # rows follow y, columns follow x
    assert z[i, j] == pytest.approx(value("beale", (xs[j], ys[i]), **BOOK_C))
    assert z.min() >= 0.0


def test_grid_with_custom_domain():
    xs, ys, z = grid("ill_conditioned", None, n=5, domain=((0.0, 1.0), (-2.0, 2.0)))
    assert xs.tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert ys[0] == -2.0 and z.shape == (5, 5)


def test_bad_surface_id_and_params_are_named():
    with pytest.raises(ValidationError, match="unknown surface 'nope'"):
        grid("nope")
    with pytest.raises(ValidationError, match=r"surface_params\.c"):
        SURFACES.get("beale").resolve({"c": "x"})
    with pytest.raises(ValidationError, match="unknown parameter 'd'"):
        SURFACES.get("beale").resolve({"d": 1.0})
