"""The attention chapter's formulas: beam search (Table 5.1), Nadaraya-Watson (Eq. 6.2-6.3),
the positional-encoding table (Eq. 6.22), and their probes."""

import itertools
import math

import numpy as np
import pytest

from playground.data.loading import load_dataset
from playground.data.spec import parse_data_spec
from playground.errors import ValidationError
from playground.probes import attach_probes
from playground.project.schema import project_from_dict
from playground.run.orchestrator import run_session
from playground.run.session import build_session
from playground.tasks.beam_tree import BOOK_EXAMPLE, parse_beam_params
from playground.tasks.decoding import beam_search, best_finished
from playground.tasks.kernel_regression import nadaraya_watson
from tests.core.text_projects import text_session, transformer

TRAINING = {"optimizer": {"type": "sgd", "params": {"lr": 0.1}}, "epochs": 1, "seed": 0,
            "device": "cpu"}


def formula_session(task: dict, data: dict | None = None):
    raw = {"format_version": 1, "graphs": {}, "task": task, "training": TRAINING}
    if data is not None:
        raw["data"] = data
    return build_session(project_from_dict(raw))


# -- beam search --------------------------------------------------------------------------------

#: Table 5.1 (L5816-5825): path, printed probabilities, printed NLL.
TABLE_5_1 = [("y1 y2 y3 y3", (.5, .4, .4, .3), .93), ("y1 y2 y3 EOS", (.5, .4, .4, .6), .76),
             ("y1 y2 EOS", (.5, .4, .3), .94), ("y1 y3 y3 y1", (.5, .3, .7, .8), .62),
             ("y1 y3 y3 y3", (.5, .7, .7, .2), .75), ("y1 y3 EOS", (.5, .3, .2), 1.17),
             ("y3 y3", (.4, .3), 1.06), ("y3 EOS", (.4, .4), .92)]


def test_every_printed_nll_is_minus_the_mean_log_probability():
    for _, probs, nll in TABLE_5_1:
        assert -np.mean(np.log(probs)) == pytest.approx(nll, abs=0.005)


def test_the_book_tree_gives_table_5_1_rows_in_order_with_their_nll():
    session = formula_session({"type": "beam_search"})
    metrics = run_session(session).metrics
    task = session.task
    assert [task.name(p.tokens) for p in task.paths] == [row[0] for row in TABLE_5_1]
    for (name, probs, nll), path in zip(TABLE_5_1, task.paths):
        if name == "y1 y3 y3 y3":
            # the book's second probability .7 contradicts rows 4 and 6 (P(y3 | y1) = .3)
            assert path.probabilities == pytest.approx((.5, .3, .7, .2))
            assert metrics[f"nll[{name}]"] == pytest.approx(-np.mean(np.log([.5, .3, .7, .2])))
            continue
        assert path.probabilities == pytest.approx(probs)
        assert metrics[f"nll[{name}]"] == pytest.approx(nll, abs=0.005)
    assert task.name(task.best.tokens) == "y1 y2 y3 EOS"
    assert metrics["best_finished_nll"] == pytest.approx(0.76, abs=0.005)
    statuses = {task.name(p.tokens): p.status for p in task.paths}
    assert statuses == {"y1 y2 y3 y3": "beam", "y1 y2 y3 EOS": "finished",
                        "y1 y2 EOS": "finished", "y1 y3 y3 y1": "beam",
                        "y1 y3 y3 y3": "pruned", "y1 y3 EOS": "finished", "y3 y3": "pruned",
                        "y3 EOS": "finished"}


def test_beam_search_as_wide_as_every_path_finds_the_exhaustive_best():
    rng = np.random.default_rng(3)
    vocab, steps = 3, 4
    table = {}

    def rows(prefixes):
        for p in prefixes:
            table.setdefault(p, np.log(rng.dirichlet(np.ones(vocab))))
        return [table[p] for p in prefixes]

    paths = beam_search(rows, width=vocab ** steps, steps=steps, record_pruned=False)
    best = max(paths, key=lambda p: p.log_likelihood)
    exhaustive = max(itertools.product(range(vocab), repeat=steps), key=lambda seq: sum(
        table[seq[:i]][seq[i]] for i in range(steps)))
    assert best.tokens == exhaustive and len(paths) == vocab ** steps


def test_a_stopped_path_and_no_finished_path():
    paths = beam_search(lambda prefixes: [None for _ in prefixes], 2, 3)
    assert [(p.tokens, p.status) for p in paths] == [((), "stopped")]
    assert best_finished(paths) is None


@pytest.mark.parametrize("change, message", [
    ({"tree": {"": [0.5, 0.5, 0.1, 0.0]}}, r"tree\[''\]: the probabilities sum to 1.1, not 1"),
    ({"tree": {"": [1, 0, 0, 0], "y9": [1, 0, 0, 0]}}, r"tree\['y9'\]: unknown token 'y9'"),
    ({"tree": {"": [1, 0, 0, 0], "EOS y1": [1, 0, 0, 0]}}, "after the end token"),
    ({"tree": {"y1": [1, 0, 0, 0]}}, 'the start prefix ""'),
    ({"end": "STOP"}, "end: expected one of the tokens"),
    ({"tokens": ["a", "a"]}, "token names must differ"),
    ({"width": 0}, "width: expected"),
])
def test_bad_beam_params_name_the_field(change, message):
    with pytest.raises(ValidationError, match=message):
        parse_beam_params({**BOOK_EXAMPLE, **change})


def test_beam_params_parse_their_own_output():
    parsed = parse_beam_params(None)
    assert parse_beam_params(parsed) == parsed == parse_beam_params(BOOK_EXAMPLE)


def test_the_beam_probe_lists_the_rows_with_the_best_marked():
    session = formula_session({"type": "beam_search"})
    payload = attach_probes(session, ["beam_search"])["beam_search"](session.trainer)
    assert [r["best"] for r in payload["rows"]].index(True) == 1
    assert payload["rows"][0]["tokens"] == ["y1", "y2", "y3", "y3"]
    assert payload["width"] == 2 and payload["end"] == "EOS"


# -- Nadaraya-Watson ----------------------------------------------------------------------------

def test_nadaraya_watson_is_eq_6_3_with_a_gaussian_kernel():
    rng = np.random.default_rng(0)
    x, y, q = rng.uniform(0, 10, 30), rng.normal(size=30), np.arange(11.0)
    weights, estimate = nadaraya_watson(x, y, q, 0.5)
    kernel = np.exp(-0.5 * ((q[:, None] - x[None, :]) / 0.5) ** 2)
    np.testing.assert_allclose(weights, kernel / kernel.sum(axis=1, keepdims=True))
    np.testing.assert_allclose(estimate, (kernel * y).sum(axis=1) / kernel.sum(axis=1))
    # laplace: the book's printed kernel with its minus sign
    weights, _ = nadaraya_watson(x, y, q, 0.5, "laplace")
    kernel = np.exp(-np.abs(q[:, None] - x[None, :]) / 0.5)
    np.testing.assert_allclose(weights, kernel / kernel.sum(axis=1, keepdims=True))


def test_a_narrow_kernel_is_the_nearest_point_and_a_wide_one_the_mean():
    x, y = np.array([0.0, 1.0, 5.0]), np.array([1.0, 2.0, 9.0])
    _, narrow = nadaraya_watson(x, y, np.array([0.9, 4.0, 100.0]), 1e-3)
    assert narrow.tolist() == pytest.approx([2.0, 9.0, 9.0])  # finite even far from all points
    _, wide = nadaraya_watson(x, y, np.array([0.0, 3.0]), 1e6)
    assert wide.tolist() == pytest.approx([4.0, 4.0])


def test_the_noisy_sine_has_the_books_points_and_clean_queries():
    ds = load_dataset(parse_data_spec({"type": "noisy_sine", "seed": 1}))
    assert ds.train.x.shape == (100, 1) and ds.test.x[:, 0].tolist() == list(range(11))
    assert 0 <= ds.train.x.min() and ds.train.x.max() <= 10
    np.testing.assert_allclose(ds.test.y[:, 0], np.sin(np.arange(11.0)), atol=1e-6)
    noise = ds.train.y[:, 0] - np.sin(ds.train.x[:, 0])
    assert 0.7 < noise.std() < 1.3


def test_kernel_regression_beats_the_books_naive_mean_at_the_queries():
    session = formula_session({"type": "nadaraya_watson", "params": {"width": 0.5}},
                              {"type": "noisy_sine", "seed": 0})
    metrics = run_session(session).metrics
    assert metrics["test_mse"] < metrics["naive_test_mse"]
    arrays = session.task.arrays()
    assert arrays["attention"].shape == (11, 100)
    np.testing.assert_allclose(arrays["attention"].sum(axis=1), 1.0)


def test_the_kernel_probe_follows_the_width_slider():
    session = formula_session({"type": "nadaraya_watson"}, {"type": "noisy_sine", "seed": 0})
    runner = attach_probes(session, ["nadaraya_watson"])["nadaraya_watson"]
    payload = runner(session.trainer)
    assert payload["width"] == 0.5 and np.all(np.diff(payload["x"]) >= 0)
    # columns sorted by x: the weights move along the diagonal as the query grows
    peaks = payload["attention"].argmax(axis=1)
    assert np.all(np.diff(peaks) >= 0)
    runner.configure(width=50.0)
    flat = runner(session.trainer)
    assert flat["width"] == 50.0 and np.ptp(flat["curve_y"]) < np.ptp(payload["curve_y"])


def test_kernel_regression_needs_one_input_and_a_regression_target():
    from playground.errors import TrainingError
    with pytest.raises(TrainingError, match="data.type: Nadaraya-Watson regression needs"):
        formula_session({"type": "nadaraya_watson"}, {"type": "reg_plane", "seed": 0})


# -- positional encoding ------------------------------------------------------------------------

def test_the_table_is_eq_6_22():
    session = formula_session({"type": "positional_encoding"})
    table = session.task.arrays()["table"]
    assert table.shape == (100, 512)
    for i, col in [(1, 0), (1, 1), (7, 10), (99, 510), (99, 511), (50, 257)]:
        j = col // 2
        angle = i / 10000 ** (2 * j / 512)
        expected = math.sin(angle) if col % 2 == 0 else math.cos(angle)
        assert table[i, col] == pytest.approx(expected, abs=1e-5)


def test_the_encoding_probe_reads_the_task_or_the_networks_layer():
    session = formula_session({"type": "positional_encoding", "params": {"steps": 20, "dim": 8}})
    payload = attach_probes(session, ["positional_encoding"])["positional_encoding"](
        session.trainer)
    assert [t["name"] for t in payload["tables"]] == ["Eq. 6.22"]
    assert payload["tables"][0]["table"].shape == (20, 8)
    session = text_session(transformer(dim=16))
    payload = attach_probes(session, ["positional_encoding"])["positional_encoding"](
        session.trainer)
    assert [(t["name"], t["table"].shape, t["base"]) for t in payload["tables"]] == [
        ("pos", (12, 16), 10000.0)]
