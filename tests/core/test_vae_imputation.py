"""dlpi Ex 7.9.1's data (the book's seeded draws and mask) and the VAE's arrays for checks."""

from __future__ import annotations

import json

import numpy as np

from playground.data import load_dataset, parse_data_spec
from playground.project.presets import presets_dir
from playground.project.schema import project_from_dict
from playground.run.orchestrator import run_session
from playground.run.session import build_session


def test_masked_normal_is_the_books_table():
    ds = load_dataset(parse_data_spec({"type": "masked_normal", "params": {}}))
    rs = np.random.RandomState(0)
    x = rs.randn(100, 1)
    mask = rs.choice([0, 1], size=x.shape, p=[0.2, 0.8])
    assert np.allclose(ds.train.y, x) and np.allclose(ds.train.x, x * mask)
    assert np.flatnonzero(mask[:10, 0] == 0).tolist() == [2, 8]  # the book's two blanks
    assert np.array_equal(ds.meta["mask"], mask)


def test_vae_arrays_are_its_inputs_targets_and_mean_reconstruction():
    raw = json.loads((presets_dir() / "dlpi-7-vae-imputation.json").read_text())
    raw["training"].update(epochs=2, device="cpu")
    session = build_session(project_from_dict(raw))
    run_session(session)
    task = session.task
    arrays = task.arrays()
    assert np.array_equal(arrays["inputs"], session.dataset.train.x)
    assert np.array_equal(arrays["targets"], session.dataset.train.y)
    assert arrays["mask"].shape == (100, 1)
    expected = task.decode(task.encode(session.dataset.train.x))
    assert np.allclose(arrays["reconstruction"], expected)
