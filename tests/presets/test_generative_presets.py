"""The autoencoder, VAE and GAN presets: each meets its ``expect``, and its views get data.

Run times with one thread on a loaded two-core machine: dlpi-8-gan-1d about 5 s;
the others 9-16 s (dlpi-8-dcgan-digits about 25 s of CPU), so they are marked ``slow``
(``.ci/run`` runs them too).
"""

import json

import numpy as np
import pytest

from playground.cli import main
from playground.project.presets import find_preset, load_preset
from playground.run.orchestrator import run_session
from playground.run.session import build_session

SLOW = {"dlpi-7-cae-denoise", "dl4b-7-ae-latent", "dl4b-9-vae-digits", "dl4b-14-gan-digits",
        "dlpi-8-dcgan-digits"}
IDS = ["dlpi-8-gan-1d", *sorted(SLOW)]


def run(preset_id: str):
    session = build_session(load_preset(preset_id))
    result = run_session(session)
    assert result.state == "finished", result.reason
    failures = [c.line() for c in result.checks if not c.passed]
    assert not failures, failures
    return session, result


def params(preset_id: str) -> list:
    return [pytest.param(preset_id, marks=[pytest.mark.slow] if preset_id in SLOW else [])]


def ks_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Kolmogorov-Smirnov statistic: the largest gap between two empirical CDFs."""
    grid = np.sort(np.concatenate([a, b]))
    cdf = lambda x: np.searchsorted(np.sort(x), grid, side="right") / len(x)  # noqa: E731
    return float(np.abs(cdf(a) - cdf(b)).max())


@pytest.mark.parametrize("preset_id", params("dlpi-8-gan-1d"))
def test_gan_1d_matches_the_real_distribution(preset_id):
    session, result = run(preset_id)
    task = session.task
    generated = task.generate(task.fixed_noise(2000))[:, 0]
    real = session.dataset.train.x[:, 0]
    assert ks_distance(generated, real) < 0.1  # the histograms of Fig 8.3 overlap
    assert np.array_equal(task.generate(), task.generate())


@pytest.mark.parametrize("preset_id", params("dl4b-14-gan-digits"))
def test_gan_digits_samples_are_images(preset_id):
    session, result = run(preset_id)
    samples = session.task.generate()
    assert samples.shape == (64, 1, 8, 8)
    assert samples.min() >= 0.0 and samples.max() <= 1.0
    assert samples.std(axis=0).mean() > 0.05  # not one image repeated (mode collapse)


@pytest.mark.parametrize("preset_id", params("dlpi-8-dcgan-digits"))
def test_dcgan_draws_varied_digits_in_tanh_range(preset_id):
    session, result = run(preset_id)
    samples = session.task.generate()
    assert samples.shape == (16, 1, 8, 8)  # Fig 8.6's 4x4 grid
    assert samples.min() >= -1.0 and samples.max() <= 1.0
    assert session.dataset.train.x.min() == -1.0  # the data scaled to tanh's range
    metrics = result.metrics
    assert metrics["train_gen_inception_score"] > 2 * metrics["initial_train_gen_inception_score"]
    assert metrics["train_gen_inception_score"] < metrics["train_real_inception_score"]
    # The book's two transposed convolutions: 2x2 -> 4x4 -> 8x8.
    report = session.task.compiled["generator"].report
    assert [report.nodes[n].output for n in ("g_act1", "g_up1", "g_up2")] == \
        [(64, 2, 2), (32, 4, 4), (1, 8, 8)]


@pytest.mark.parametrize("preset_id", params("dlpi-7-cae-denoise"))
def test_cae_denoises_the_fixed_noisy_inputs(preset_id):
    session, result = run(preset_id)
    noisy = session.task.noisy_inputs("val")
    clean = session.dataset.val.x
    denoised = session.task.predict(noisy)
    assert ((denoised - clean) ** 2).mean() < 0.6 * ((noisy - clean) ** 2).mean()


@pytest.mark.parametrize("preset_id", params("dl4b-7-ae-latent"))
def test_ae_latent_node_has_two_units(preset_id):
    session, result = run(preset_id)
    node = session.project.views["latent"]["node"]
    assert session.task.compiled["model"].report.nodes[node].output == (2,)


@pytest.mark.parametrize("preset_id", params("dl4b-9-vae-digits"))
def test_vae_traversal_grid_over_the_books_square(preset_id):
    session, result = run(preset_id)
    task = session.task
    assert result.metrics["val_recon"] < 0.6 * result.metrics["initial_val_recon"]
    grid = task.decoder_grid(15, 4.0)
    assert grid.shape == (15, 15, 1, 8, 8)
    assert grid.min() >= 0.0 and grid.max() <= 1.0
    # Opposite corners of [-4, 4]^2 decode to clearly different images.
    assert np.abs(grid[0, 0] - grid[-1, -1]).mean() > 0.1
    node = session.project.views["latent"]["node"]
    assert task.compiled["model"].report.nodes[node].output == (2,)


def test_presets_are_listed_with_their_generative_tasks():
    tasks = {pid: load_preset(pid).task for pid in IDS}
    assert tasks == {"dlpi-8-gan-1d": "gan", "dl4b-14-gan-digits": "gan",
                     "dlpi-8-dcgan-digits": "gan",
                     "dlpi-7-cae-denoise": "autoencoder", "dl4b-7-ae-latent": "autoencoder",
                     "dl4b-9-vae-digits": "vae"}


@pytest.mark.parametrize("preset_id", ["dlpi-8-gan-1d", "dl4b-14-gan-digits",
                                       "dlpi-8-dcgan-digits"])
def test_gan_preset_without_discriminator_exits_2_with_one_line(preset_id, tmp_path, capsys):
    raw = json.loads(find_preset(preset_id).read_text())
    del raw["graphs"]["discriminator"]
    path = tmp_path / "no-discriminator.json"
    path.write_text(json.dumps(raw))
    assert main(["run", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "graphs: task 'gan' needs a graph called 'discriminator'" in err[0]
