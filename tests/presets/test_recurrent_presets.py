"""The recurrent presets: the book's setup (splits, Keras parameter counts) and their results.

``tests/presets/test_presets.py`` runs every preset to its ``expect`` (the
fast ones by default). Here: the facts each preset's notes quote, a one-epoch
smoke run of every variant, and full runs that check more than ``expect``
(marked slow: CI runs them, plain ``pytest`` does not repeat them).
"""

import pytest

from playground.data import load_dataset
from playground.param_counts import keras_param_counts, node_param_counts
from playground.project.presets import load_preset
from playground.project.variants import variant_projects
from playground.run.orchestrator import run_project
from playground.shapes import infer

PRESETS = ("dlpi-5-rnn-harmonic", "dlpi-5-lstm-airline", "ldl-9-rnn-forecast")


def counts(project):
    ds = load_dataset(project.data)
    graph = project.graph
    report = infer(graph, {n.id: ds.input_shape for n in graph.nodes_of_type("input")})
    assert report.ok, report.errors
    return node_param_counts(report, graph), keras_param_counts(report, graph), ds


def test_harmonic_setup():
    project = load_preset("dlpi-5-rnn-harmonic")
    pytorch, keras, ds = counts(project)
    assert (pytorch["elman"], keras["elman"], pytorch["readout"]) == (10_300, 10_200, 101)
    assert ds.meta["cuts"] == (150, 150) and len(ds.test) == 50 and len(ds.train) == 140


def test_airline_setup_matches_keras_counts_and_the_books_split():
    project = load_preset("dlpi-5-lstm-airline")
    pytorch, keras, ds = counts(project)
    # Keras's one bias: the compiled layer counts what Keras's summary prints.
    assert pytorch["lstm"] == keras["lstm"] == 96 and pytorch["head"] == 5
    assert ds.meta["cuts"] == (126, 126) and len(ds.test) == 18
    assert ds.meta["scaler"]["kind"] == "minmax"


def test_bookstore_variants_share_the_test_months():
    project = load_preset("ldl-9-rnn-forecast")
    rnn, ff = variant_projects(project)
    (p_rnn, _, ds_rnn), (p_ff, _, ds_ff) = counts(rnn.project), counts(ff.project)
    assert p_rnn["simple_rnn"] == 16_640 and p_rnn["dense"] == 129  # book: 16,769 (L5195)
    assert p_ff["hidden"] == 12 * 256 + 256 and ds_ff.input_shape == (12, 1)
    assert ds_rnn.input_shape == (48, 1)
    # Same 68 test targets, so the three errors compare like with like.
    assert (ds_rnn.meta["target_index"]["test"] == ds_ff.meta["target_index"]["test"]).all()
    assert len(ds_rnn.test) == 68 and ds_rnn.meta["cuts"] == (271, 271)


@pytest.mark.parametrize("preset_id", PRESETS)
def test_one_epoch_smoke_run_reports_the_naive_baseline(preset_id):
    project = load_preset(preset_id)
    result = run_project(project, epochs=1)
    assert result.state == "finished", result.reason
    prefixes = [f"{v.name}." for v in variant_projects(project)] or [""]
    for prefix in prefixes:
        for key in ("test_mse", "test_naive_mse", "test_rmse_units"):
            assert f"{prefix}{key}" in result.metrics


@pytest.mark.slow
@pytest.mark.parametrize("preset_id", PRESETS)
def test_preset_runs_to_its_expect_with_a_margin(preset_id):
    result = run_project(load_preset(preset_id))
    assert result.passed, [c.line() for c in result.checks]
    m = result.metrics
    if preset_id == "ldl-9-rnn-forecast":
        # Both nets remove over 90% of the naive forecast's squared error on the book's own
        # series (the book: 96-98%); the book's 'RNN 39% better' is not reproduced (notes).
        assert max(m["rnn.test_mse"], m["ff.test_mse"]) < m["rnn.test_naive_mse"] / 10
    elif preset_id == "dlpi-5-rnn-harmonic":  # every seed tried lands far below the naive
        assert m["test_mse"] < m["test_naive_mse"] / 2
