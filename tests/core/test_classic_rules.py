"""The classic rules (perceptron, pocket, LMS, Metropolis-Hastings) against the books' own loops.

Each oracle is the book's listing transcribed into plain Python/numpy with the
book's random generator; the task must produce the identical weight sequence.
"""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
import torch

from playground.data.classic import gen_separable_2d
from playground.errors import DataError, TrainingError, ValidationError
from playground.project.expect import evaluate_checks, validate_expect
from playground.project.schema import project_from_dict
from playground.run.orchestrator import run_project, run_session
from playground.run.session import build_session
from playground.surfaces import SURFACES
from playground.tasks.mh import MHRacer, parse_sampler
from playground.tasks.rules import BookRandom, PerceptronRun, run_until_separated
from playground.tasks.sweep import value_key

SGD = {"lr": 1.0, "momentum": 0.0, "dampening": 0.0, "nesterov": False, "weight_decay": 0.0}
LDL_X = [(1.0, -1.0, -1.0), (1.0, -1.0, 1.0), (1.0, 1.0, -1.0), (1.0, 1.0, 1.0)]


def unit_graph(activation="sign", weights=None, units=1, use_bias=True, extra=False):
    node = {"id": "unit", "type": "dense",
            "params": {"units": units, "activation": activation, "use_bias": use_bias}}
    if weights is not None:
        node["weights"] = weights
    nodes = [{"id": "x", "type": "input", "params": {}}, node]
    edges = [{"src": "x", "dst": "unit"}]
    if extra:
        nodes.append({"id": "more", "type": "dense", "params": {"units": 1}})
        edges.append({"src": "unit", "dst": "more"})
        last = "more"
    else:
        last = "unit"
    nodes.append({"id": "y", "type": "output", "params": {}})
    edges.append({"src": last, "dst": "y"})
    return {"nodes": nodes, "edges": edges}


def ldl_table(targets):
    return {"type": "table", "params": {"inputs": [-1, -1, -1, 1, 1, -1, 1, 1], "features": 2,
                                        "targets": targets, "labels": "signed"}}


def session(task, data, graph=None, epochs=10, lr=1.0, seed=7):
    """The rule's generator draws from the training seed (the books': 7)."""
    raw = {"format_version": 2, "graphs": {"model": graph or unit_graph()}, "data": data,
           "task": task, "training": {"optimizer": {"type": "sgd", "params": {**SGD, "lr": lr}},
                                      "epochs": epochs, "batch_size": "full", "device": "cpu",
                                      "seed": seed}}
    return build_session(project_from_dict(raw))


# -- oracles: the books' loops ---------------------------------------------------------------

def ldl_perceptron(y_train, max_updates):
    """ldl Code Snippets 1-2 to 1-4, verbatim apart from the stopping cap."""
    random.seed(7)
    lr, index_list = 0.1, [0, 1, 2, 3]
    w = [0.2, -0.6, 0.25]
    history = [tuple(w)]
    all_correct = False
    while not all_correct and len(history) <= max_updates:
        all_correct = True
        random.shuffle(index_list)
        for i in index_list:
            x, y = LDL_X[i], y_train[i]
            z = 0.0
            for j in range(len(w)):
                z += x[j] * w[j]
            p_out = -1 if z < 0 else 1
            if y != p_out:
                for j in range(len(w)):
                    w[j] += y * lr * x[j]
                all_correct = False
                history.append(tuple(w))
    return history


def dl4b_data(class_sep):
    from sklearn.datasets import make_classification

    x, y = make_classification(n_samples=100, n_features=2, n_classes=2, n_informative=2,
                               n_redundant=0, n_repeated=0, n_clusters_per_class=1,
                               class_sep=class_sep, random_state=5)
    y[y == 0] = -1
    # The playground stores inputs as float32, as every dataset does.
    return np.append(np.ones((100, 1)), x.astype(np.float32).astype(np.float64), 1), y


def dl4b_pla(x_train, y, rng):
    """dl4b's PLA loop (L3141-3213) with its first choose_miscl_point."""
    w, it = np.zeros(x_train.shape[1]), 0
    while np.count_nonzero(np.sign(x_train @ w) != y) != 0:
        it += 1
        mispts = [(x_train[n], y[n]) for n in range(len(x_train))
                  if np.sign(w.T.dot(x_train[n])) != y[n]]
        x, s = mispts[rng.randrange(0, len(mispts))]
        w = w + s * x
    return it


def test_ldl_nand_weight_sequence_is_the_books():
    s = session({"type": "perceptron", "params": {"selection": "shuffle", "zero_is": "positive",
                                                  "rng": "python"}},
                ldl_table([1, 1, 1, 0]),
                unit_graph(weights={"weight": [[-0.6, 0.25]], "bias": [0.2]}), lr=0.1)
    result = run_session(s)
    history = s.task.weight_history()
    assert [tuple(r) for r in history] == ldl_perceptron([1, 1, 1, -1], 100)
    np.testing.assert_allclose(history, [[0.2, -0.6, 0.25], [0.3, -0.5, 0.15],
                                         [0.4, -0.4, 0.05], [0.3, -0.5, -0.05],
                                         [0.4, -0.4, -0.15]], atol=1e-12)
    assert result.metrics["updates"] == 4 and result.metrics["converged"] == 1
    layer = s.task.layer
    assert layer.bias.item() == pytest.approx(0.4) and layer.weight[0, 1].item() == \
        pytest.approx(-0.15)


def test_ldl_xor_never_converges_and_follows_the_loop():
    s = session({"type": "perceptron", "params": {"selection": "shuffle", "zero_is": "positive",
                                                  "rng": "python"}},
                ldl_table([0, 1, 1, 0]),
                unit_graph(weights={"weight": [[-0.6, 0.25]], "bias": [0.2]}), epochs=40,
                lr=0.1)
    result = run_session(s)
    history = [tuple(r) for r in s.task.weight_history()]
    assert history == ldl_perceptron([-1, 1, 1, -1], len(history) - 1)[:len(history)]
    assert result.metrics["converged"] == 0 and result.metrics["best_errors"] >= 1


def test_dl4b_pla_counts_match_the_books_loop():
    x_train, y = dl4b_data(1.2)
    book, ours = random.Random(7), BookRandom("python", 7)
    expected = [dl4b_pla(x_train, y, book) for _ in range(5)]
    got = [run_until_separated(x_train[:, 1:], y.astype(float), ours) for _ in range(5)]
    assert got == expected
    assert expected[0] == 14  # "Total iterations: 14" (seeds/002 L3225)


def test_perceptron_task_random_misclassified_is_the_pla():
    s = session({"type": "perceptron", "params": {"selection": "random_misclassified",
                                                  "init": "zeros", "rng": "python"}},
                {"type": "perceptron_blobs", "params": {"class_sep": 1.2}}, epochs=100)
    result = run_session(s)
    assert result.metrics["updates"] == 14 and result.metrics["train_errors"] == 0
    assert s.task.steps_per_epoch() == 1


def test_pocket_matches_the_books_loop():
    x_train, y = dl4b_data(1.0)
    rng = random.Random(7)
    w, it, best = np.zeros(3), 0, {"err": 101, "it": 0, "w": None}
    while it < 1000:
        err = int(np.sum(np.sign(x_train.dot(w)) != y))
        if err < best["err"]:
            best = {"err": err, "it": it, "w": w.copy()}
        if err == 0:
            break
        it += 1
        mispts = [(x_train[n], y[n]) for n in range(100) if np.sign(w.dot(x_train[n])) != y[n]]
        x, s_ = mispts[rng.randrange(0, len(mispts))]
        w = w + s_ * x
    s = session({"type": "perceptron", "params": {"selection": "random_misclassified",
                                                  "pocket": True, "init": "zeros",
                                                  "rng": "python"}},
                {"type": "perceptron_blobs", "params": {"class_sep": 1.0}}, epochs=1000)
    m = run_session(s).metrics
    assert (m["best_errors"], m["best_update"]) == (best["err"], best["it"]) == (1, 126)
    assert m["train_accuracy"] == pytest.approx(0.99)
    b, w_ = s.task.shown_weights()
    np.testing.assert_allclose([b, *w_], best["w"], atol=1e-12)  # the layer shows the pocket


def test_first_misclassified_scans_from_the_start():
    a = gen_separable_2d({"seed": 3, "n_samples": 30, "margin": 0.2, "half_width": 5.0}, None)
    x, y = a.x.astype(np.float64), 2.0 * a.y - 1
    b, w, history = 0.3, np.array([-0.2, 0.5]), []
    while True:
        wrong = [i for i in range(len(x)) if np.sign(b + x[i, 0] * w[0] + x[i, 1] * w[1]) != y[i]]
        if not wrong:
            break
        k = wrong[0]
        b, w = b + y[k], w + y[k] * x[k]
        history.append((b, *w))
    run = PerceptronRun(x, y, 0.3, [-0.2, 0.5], "first_misclassified", BookRandom("python", 0))
    while not run.converged:
        run.step(1.0)
    np.testing.assert_allclose(run.history[1:], history, atol=1e-12)


def test_lms_task_matches_a_numpy_loop():
    data = {"type": "perceptron_blobs", "params": {"class_sep": 1.5, "n_samples": 20}}
    for activation in ("identity", "tanh", "sigmoid"):
        s = session({"type": "lms", "params": {"selection": "cyclic", "rng": "numpy"}}, data,
                    unit_graph(activation, {"weight": [[0.1, -0.2]], "bias": [0.05]}),
                    epochs=3, lr=0.05)
        run_session(s)
        x = s.dataset.train.x.astype(np.float64)
        y = s.dataset.train.y.astype(np.float64)
        y = y if activation == "sigmoid" else 2 * y - 1
        b, w = 0.05, np.array([0.1, -0.2])
        for _ in range(3):
            for i in range(len(x)):
                z = b + x[i, 0] * w[0] + x[i, 1] * w[1]
                o = {"identity": z, "tanh": np.tanh(z), "sigmoid": 1 / (1 + np.exp(-z))}[
                    activation]
                d = {"identity": 1.0, "tanh": 1 - np.tanh(z) ** 2,
                     "sigmoid": o * (1 - o)}[activation]
                g = (o - y[i]) * d
                b, w = b - 0.05 * g, w - 0.05 * g * x[i]
        np.testing.assert_allclose(s.task.weight_history()[-1], [b, *w], rtol=1e-9, atol=1e-12)


def test_sweep_reproduces_the_books_first_runs():
    s = build_session(project_from_dict({
        "format_version": 2, "graphs": {},
        "data": {"type": "perceptron_blobs", "params": {"class_sep": 2.0}},
        "task": {"type": "perceptron_sweep", "params": {"values": [2.0, 1.9], "runs": 3}},
        "training": {"optimizer": {"type": "sgd", "params": SGD}, "epochs": 2,
                     "device": "cpu", "seed": 7}}))  # the book's random.seed(7)
    result = run_session(s)
    np.testing.assert_array_equal(s.task.arrays()["iterations"][0], [2, 2])  # book run 1
    rng, expected = random.Random(7), []
    for sep in (2.0, 1.9):
        x_train, y = dl4b_data(sep)
        expected.append([dl4b_pla(x_train, y, rng) for _ in range(3)])
    assert s.task.counts == expected
    assert result.metrics["mean_iterations_2.0"] == pytest.approx(np.mean(expected[0]))
    assert value_key(2.0) == "2.0" and value_key(1.15) == "1.15"


def test_sweep_regenerates_its_data_from_the_data_seed():
    """A generator drawing from its rng (TF Playground's gauss) regenerates each swept value
    from the data seed: the sweep's data at the dataset's own value is the data panel's,
    and another data seed gives other data (``--vary-data`` moves it)."""
    def sweep(data_seed):
        return build_session(project_from_dict({
            "format_version": 3, "graphs": {},
            "data": {"type": "gauss", "params": {"n_samples": 40, "noise": 40},
                     "seed": data_seed, "split": {"val": 0.0, "test": 0.0}},
            "task": {"type": "perceptron_sweep",
                     "params": {"parameter": "noise", "values": [40, 20], "runs": 1}},
            "training": {"optimizer": {"type": "sgd", "params": SGD}, "device": "cpu"}}))
    first, second = sweep(3), sweep(4)
    x, _ = first.task._arrays(0)  # noise 40: the dataset's own value
    panel = first.dataset.train.x
    assert sorted(map(tuple, x.astype(np.float32))) == sorted(map(tuple, panel))
    assert not np.array_equal(x, second.task._arrays(0)[0])


def test_sweep_rejects_a_parameter_the_dataset_lacks():
    with pytest.raises(TrainingError, match="no parameter"):
        build_session(project_from_dict({
            "format_version": 1, "graphs": {},
            "data": {"type": "xor_table"},
            "task": {"type": "perceptron_sweep", "params": {"values": [1.0]}},
            "training": {"optimizer": {"type": "sgd", "params": SGD}, "device": "cpu"}}))


# -- the task around the rule ----------------------------------------------------------------

def test_a_weight_edited_in_the_layer_is_picked_up():
    s = session({"type": "perceptron", "params": {"selection": "cyclic", "rng": "python"}},
                ldl_table([1, 1, 1, 0]),
                unit_graph(weights={"weight": [[-0.6, 0.25]], "bias": [0.2]}), lr=0.1)
    with torch.no_grad():
        s.task.layer.weight.copy_(torch.tensor([[-1.0, -1.0]]))
        s.task.layer.bias.fill_(1.5)  # NAND already: nothing left to learn
    for _ in range(4):
        s.task.train_step()
    assert s.task.run.updates == 0 and s.task.run.converged
    assert s.task.line() == {"b": 1.5, "w1": -1.0, "w2": -1.0}


def test_views_hooks():
    s = session({"type": "perceptron", "params": {"selection": "shuffle",
                                                  "zero_is": "positive"}}, ldl_table([1, 1, 1, 0]),
                unit_graph(weights={"weight": [[-0.6, 0.25]], "bias": [0.2]}), lr=0.1)
    run_session(s)
    z = s.task.decision_function(np.array([[1.0, 1.0], [-1.0, -1.0]]))
    np.testing.assert_allclose(z, [0.4 - 0.4 - 0.15, 0.4 + 0.4 + 0.15], atol=1e-12)
    assert s.task.line() == pytest.approx({"b": 0.4, "w1": -0.4, "w2": -0.15})
    out = s.task.predict(np.array([[1.0, 1.0]], np.float32))
    assert out.shape == (1, 1) and out[0, 0] == -1
    assert set(s.task.arrays()) >= {"weight_history", "weights"}


@pytest.mark.parametrize("graph, message", [
    (unit_graph(extra=True), "exactly one Dense"),
    (unit_graph("relu"), "activation"),
    (unit_graph(units=2), "units=1"),
    (unit_graph(use_bias=False), "use_bias"),
])
def test_bad_graphs_name_the_fix(graph, message):
    with pytest.raises(TrainingError, match=message):
        session({"type": "perceptron", "params": {}}, ldl_table([1, 1, 1, 0]), graph)


def test_novikoff_bound_is_reported():
    s = session({"type": "perceptron", "params": {"selection": "first_misclassified",
                                                  "margin": 0.2}},
                {"type": "separable_2d", "params": {"seed": 1}}, epochs=50)
    m = run_session(s).metrics
    r = float(np.sqrt((s.task.x ** 2).sum(1)).max())
    assert m["novikoff_bound"] == pytest.approx((r * r + 1) / 0.04)
    assert m["novikoff_bound_as_printed"] == pytest.approx((r * r + 1) / 0.2)
    assert m["converged"] == 1 and m["updates"] < m["novikoff_bound"]


# -- data ------------------------------------------------------------------------------------

def test_separable_cloud_keeps_its_margin():
    a = gen_separable_2d({"seed": 5, "n_samples": 200, "margin": 0.3, "half_width": 4.0}, None)
    assert a.x.shape == (200, 2) and set(a.y) == {0, 1}
    x = a.x.astype(np.float64)
    # Some normalised plane separates them with margin >= 0.3: check with a hard-margin SVM.
    from sklearn.svm import SVC

    svm = SVC(kernel="linear", C=1e6).fit(x, a.y)
    assert svm.score(x, a.y) == 1.0


def test_table_dataset_checks_its_rows():
    from playground.data.loading import load_dataset
    from playground.data.spec import parse_data_spec

    spec = parse_data_spec({"type": "table", "params": {"inputs": [1, 2, 3], "features": 2,
                                                        "targets": [0]}})
    with pytest.raises(DataError, match="rows of 2"):
        load_dataset(spec)
    spec = parse_data_spec({"type": "table", "params": {"inputs": [1, 2], "targets": [-1]}})
    with pytest.raises(DataError, match="whole numbers"):
        load_dataset(spec)


# -- expect: "array" checks ------------------------------------------------------------------

class _Arrays:
    compiled: dict = {}

    def arrays(self):
        return {"h": np.array([[0.0, 1.0], [2.0, 3.0]])}


def test_array_checks():
    entries = [{"array": "h", "approx": [[0, 1], [2, 3.05]], "tol": 0.1},
               {"array": "h", "index": [1, 0], "min": 2, "max": 2},
               {"array": "h", "index": [1], "equals": [2, 3]},
               {"array": "h", "approx": [[0, 1], [2, 4]], "tol": 0.1},
               {"array": "h", "approx": [0, 1], "tol": 0.1},
               {"array": "missing", "approx": 1, "tol": 1}]
    validate_expect(entries)
    results = evaluate_checks(entries, {}, _Arrays())
    assert [r.passed for r in results] == [True, True, True, False, False, False]
    assert results[0].value == pytest.approx(0.05) and results[3].value == pytest.approx(1.0)
    with pytest.raises(ValidationError, match="expected a number"):
        validate_expect([{"array": "h", "approx": [1, "x"], "tol": 1}])
    with pytest.raises(ValidationError, match="exactly one"):
        validate_expect([{"array": "h", "metric": "m", "min": 0}])


# -- Metropolis-Hastings ---------------------------------------------------------------------

def _beale():
    surface = SURFACES.get("beale")
    p = surface.resolve({"c": 2.2625})
    return lambda w: surface.f(w, p)


def test_mh_identity_matches_a_hand_written_chain():
    f = _beale()
    sampler = parse_sampler({"type": "metropolis_hastings",
                             "params": {"temperature": 0.1, "scale": 0.3}}, "s")
    racer = MHRacer("mh", "MH", sampler, (1.2, 2.0), f, seed=4)
    for _ in range(60):
        racer.step(f, 1e9)
    rng = np.random.default_rng(4)
    w = np.array([1.2, 2.0])
    loss = float(f(torch.tensor(w)))
    accepted = 0
    for _ in range(60):
        cand = w + 0.3 * rng.standard_normal(2)
        new = float(f(torch.tensor(cand)))
        if math.log(rng.random()) < -(new - loss) / 0.1:
            w, loss, accepted = cand, new, accepted + 1
    np.testing.assert_allclose(racer.position, w, atol=1e-12)
    assert racer.loss == pytest.approx(loss) and racer.accepted == accepted


def test_mh_hessian_proposal_is_a_covariance():
    f = _beale()
    sampler = parse_sampler({"type": "metropolis_hastings",
                             "params": {"scale": 0.1, "proposal": "hessian"}}, "s")
    racer = MHRacer("mh", "MH", sampler, (1.2, 2.0), f)
    cov = racer.covariance(f, racer.point)
    # |H| at (1.2, 2): eigenvalues 180.7 and 1097.5 (the Hessian itself is indefinite).
    np.testing.assert_allclose(np.linalg.eigvalsh(cov) / 0.01, [180.7, 1097.5], rtol=1e-3)


def test_surface_race_with_a_sampler_racer():
    racers = [{"name": "gd", "optimizer": {"type": "sgd", "params": {**SGD, "lr": 1e-3}}},
              {"name": "mh", "sampler": {"type": "metropolis_hastings",
                                         "params": {"temperature": 0.01, "scale": 0.3}}}]
    raw = {"format_version": 1, "graphs": {},
           "task": {"type": "surface", "params": {"surface": "beale",
                                                   "surface_params": {"c": 2.2625},
                                                   "start": [1.2, 2.0], "racers": racers}},
           "training": {"optimizer": {"type": "sgd", "params": SGD}, "epochs": 80,
                        "device": "cpu"}}
    s = build_session(project_from_dict(raw))
    m = run_session(s).metrics
    assert m["gd_loss"] == pytest.approx(3.58, abs=0.01)  # the note's GD value at 80
    assert 0 < m["mh_acceptance"] < 1 and m["mh_diverged"] == 0
    assert len(s.task.optimizers) == 1
    s.task.set_racer_hyper("mh", "temperature", 1.0)
    assert s.task.racer("mh").hyper["temperature"] == 1.0
    with pytest.raises(ValidationError):
        s.task.set_racer_hyper("mh", "lr", 0.1)
    again = project_from_dict(s.project.to_dict())  # parsing its own output works
    assert again.task_params["racers"][1]["sampler"]["params"]["scale"] == 0.3
    bad = dict(racers[1], optimizer=racers[0]["optimizer"])
    raw["task"]["params"]["racers"] = [bad]
    with pytest.raises(ValidationError, match="not both"):
        project_from_dict(raw)


# -- the training seed reaches every random source ---------------------------------------------

def test_training_seed_draws_the_perceptrons_choices():
    """--seed reaches the rule: seed 7 is the book's run, another seed another run."""
    task = {"type": "perceptron", "params": {"selection": "random_misclassified",
                                             "init": "zeros", "rng": "python"}}
    data = {"type": "perceptron_blobs", "params": {"class_sep": 1.2}}
    book = run_session(session(task, data, epochs=100)).metrics["updates"]
    project = session(task, data, epochs=100).project
    other = run_project(project, seed=8).metrics["updates"]
    again = run_project(project, seed=8).metrics["updates"]
    assert book == 14 and other == again and other != book


def test_training_seed_draws_the_mh_chain():
    racers = [{"name": "mh", "sampler": {"type": "metropolis_hastings",
                                         "params": {"temperature": 0.01, "scale": 0.3}}}]
    raw = {"format_version": 2, "graphs": {},
           "task": {"type": "surface", "params": {"surface": "beale", "start": [1.2, 2.0],
                                                   "racers": racers}},
           "training": {"optimizer": {"type": "sgd", "params": SGD}, "epochs": 20,
                        "device": "cpu", "seed": 4}}
    project = project_from_dict(raw)
    own = run_project(project).metrics["mh_loss"]
    assert run_project(project, seed=4).metrics["mh_loss"] == own
    assert run_project(project, seed=5).metrics["mh_loss"] != own


def test_format_1_task_seeds_become_the_training_seed():
    raw = {"format_version": 1, "graphs": {"model": unit_graph()},
           "data": {"type": "perceptron_blobs", "params": {"class_sep": 1.2}},
           "task": {"type": "perceptron", "params": {"selection": "random_misclassified",
                                                      "init": "zeros", "seed": 7}},
           "training": {"optimizer": {"type": "sgd", "params": SGD}, "epochs": 100,
                        "batch_size": "full", "device": "cpu", "seed": 0}}
    project = project_from_dict(raw)
    assert project.training.seed == 7 and "seed" not in project.task_params
    assert run_project(project).metrics["updates"] == 14  # the book's run, as before
    racers = [{"name": "a", "sampler": {"type": "metropolis_hastings", "params": {"seed": 4}}},
              {"name": "b", "sampler": {"type": "metropolis_hastings", "params": {"seed": 9}}}]
    surface = {"format_version": 1, "graphs": {},
               "task": {"type": "surface", "params": {"racers": racers}}}
    project = project_from_dict(surface)
    assert project.training.seed == 4  # the first chain's
    assert all("seed" not in r["sampler"]["params"] for r in project.task_params["racers"])
    torch_order = {"format_version": 1, "graphs": {"model": unit_graph("sigmoid")},
                   "data": {"type": "xor_table"},
                   "task": {"type": "stepthrough", "params": {"rng": "torch", "seed": 3}},
                   "training": {"seed": 5}}
    assert project_from_dict(torch_order).training.seed == 5  # the unused seed is dropped
