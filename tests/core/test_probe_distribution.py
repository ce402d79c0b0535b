"""Distribution probe (GAN real vs generated) against direct computations."""

from __future__ import annotations

import json

import numpy as np
import pytest

from playground.probes import applicable_probes
from playground.probes.distribution import COUNT
from playground.project.presets import presets_dir
from tests.core.test_probes import probe
from tests.core.test_probes_projects import session_of, spiral_session, trained


def gan_session(dims: int = 1):
    raw = json.loads((presets_dir() / "dlpi-8-gan-1d.json").read_text())
    raw["training"]["device"] = "cpu"
    raw["data"]["params"]["dims"] = dims
    if dims == 2:
        raw["graphs"] = two_d_graphs(raw["graphs"])
    return session_of(raw)


def two_d_graphs(graphs: dict) -> dict:
    """The 1-D preset's graphs with the generator's last layer and D's input widened to 2."""
    gen = json.loads(json.dumps(graphs["generator"]))
    last = [n for n in gen["nodes"] if n["type"] == "dense"][-1]
    last["params"]["units"] = 2
    return {"generator": gen, "discriminator": graphs["discriminator"]}


@pytest.fixture(scope="module")
def gan():
    return trained(gan_session(), 2)


def test_histograms_are_numpys_over_the_fixed_noise_samples(gan):
    p = probe(gan, "distribution")
    real = gan.dataset.train.x.reshape(-1)
    fake = gan.task.generate(gan.task.fixed_noise(COUNT)).reshape(-1)
    edges = p["edges"]
    assert np.allclose(p["real_density"], np.histogram(real, edges, density=True)[0])
    inside = (fake >= edges[0]) & (fake <= edges[-1])
    counts = np.histogram(fake[inside], edges)[0]
    assert np.allclose(p["fake_density"] * len(fake) * np.diff(edges), counts)
    assert p["real_moments"]["mean"][0] == pytest.approx(real.mean(), abs=1e-6)
    assert p["fake_moments"]["std"][0] == pytest.approx(fake.std(), rel=1e-5)


def test_d_curve_is_the_discriminators_probability_on_the_grid(gan):
    p = probe(gan, "distribution")
    expected = gan.task.discriminate(p["grid"].reshape(-1, 1))
    assert np.allclose(p["d_real"], expected, atol=1e-6)
    assert ((p["d_real"] >= 0) & (p["d_real"] <= 1)).all()


def test_two_dimensional_data_gives_point_clouds():
    session = gan_session(dims=2)
    p = probe(session, "distribution")
    assert p["dims"] == 2 and p["real"].shape[1] == 2 and p["fake"].shape == (COUNT, 2)
    assert "edges" not in p and len(p["fake_moments"]["mean"]) == 2


def test_applies_only_to_generative_tasks_on_low_dimensional_data(gan):
    assert applicable_probes(gan, ["distribution"]) == ["distribution"]
    assert applicable_probes(spiral_session(), ["distribution"]) == []
