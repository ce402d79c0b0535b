"""The Inception-style score of a GAN's images, and the GAN task's metrics that use it."""

import numpy as np
import pytest
import torch

from playground.data.tabular import gen_digits
from playground.project.schema import project_from_dict
from playground.run.session import build_session
from playground.tasks.gan_score import ClassifierScore
from tests.core.test_gan import ADAM, discriminator
from tests.core.test_probes import probe
from tests.helpers import project_dict


@pytest.fixture(scope="module")
def digits():
    arrays = gen_digits({"as_image": True, "pixel_range": "0..1"}, np.random.default_rng(0))
    x, y = torch.as_tensor(arrays.x), torch.as_tensor(arrays.y)
    return x, y, ClassifierScore(x, y, 10, seed=0)


def test_score_is_the_exp_of_the_mean_kl_to_the_marginal(digits, monkeypatch):
    _, _, judge = digits
    logits = torch.tensor([[2.0, 0.0, -1.0], [0.0, 3.0, 0.5], [1.0, 1.0, 1.0], [0.0, 0.0, 4.0]])
    monkeypatch.setattr(judge, "logits", lambda x: logits)
    p = torch.softmax(logits, dim=1).numpy().astype(np.float64)
    marginal = p.mean(axis=0)
    oracle = np.exp(np.mean(np.sum(p * (np.log(p) - np.log(marginal)), axis=1)))
    assert judge.inception_score(torch.zeros(4, 1)) == pytest.approx(oracle, rel=1e-5)


def test_real_digits_score_near_ten_and_one_class_near_one(digits):
    x, y, judge = digits
    assert judge.inception_score(x) > 9.0  # ten classes, each image clearly one of them
    assert judge.classes_seen(x) == 10
    sevens = x[y == 7]
    assert judge.inception_score(sevens) < 1.5  # mode collapse: one class only
    assert judge.classes_seen(sevens) == 1


def test_fitting_leaves_threads_and_the_global_random_stream_alone(digits):
    x, y, _ = digits
    threads, state = torch.get_num_threads(), torch.random.get_rng_state()
    ClassifierScore(x[:200], y[:200], 10, seed=3)
    assert torch.get_num_threads() == threads
    assert torch.equal(torch.random.get_rng_state(), state)


def test_digits_in_tanh_range_are_the_same_images():
    rng = np.random.default_rng(0)
    unit = gen_digits({"as_image": True, "pixel_range": "0..1"}, rng).x
    sym = gen_digits({"as_image": True, "pixel_range": "-1..1"}, rng).x
    assert sym.min() == -1.0 and sym.max() == 1.0
    np.testing.assert_allclose(sym, 2.0 * unit - 1.0)


def _image_generator() -> dict:
    return {"nodes": [
        {"id": "z", "type": "input", "params": {"shape": [4]}},
        {"id": "g1", "type": "dense", "params": {"units": 64, "activation": "tanh"}},
        {"id": "img", "type": "reshape", "params": {"shape": [1, 8, 8]}},
        {"id": "fake", "type": "output"}],
        "edges": [{"src": "z", "dst": "g1"}, {"src": "g1", "dst": "img"},
                  {"src": "img", "dst": "fake"}]}


def test_gan_on_labelled_images_reports_scores_and_shows_the_real_grey_levels():
    disc = discriminator()
    disc["nodes"].insert(1, {"id": "flat", "type": "flatten"})
    disc["edges"][0] = {"src": "x", "dst": "flat"}
    disc["edges"].insert(1, {"src": "flat", "dst": "d1"})
    session = build_session(project_from_dict(project_dict(
        graphs={"generator": _image_generator(), "discriminator": disc},
        data={"type": "digits", "params": {"as_image": True, "pixel_range": "-1..1"},
              "seed": 0, "split": {"val": 0.0, "test": 0.0}},
        task={"type": "gan", "params": {}},
        training={"optimizer": ADAM, "batch_size": 64, "epochs": 1})))
    metrics = session.task.evaluate()
    assert 1.0 <= metrics["train_gen_inception_score"] < metrics["train_real_inception_score"]
    assert metrics["train_real_inception_score"] > 9.0
    assert 1 <= metrics["train_gen_classes"] <= 10
    payload = probe(session, "samples")
    assert payload["levels"] == (-1.0, 1.0)  # the data's range, not the samples'
    assert payload["rows"]["generated"].shape == (16, 8, 8)
