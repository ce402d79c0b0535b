"""Variants (named patches run side by side) and the below/above expectation rules."""

import pytest

from playground.errors import ValidationError
from playground.project.expect import evaluate_checks, validate_expect
from playground.project.variants import apply_patch, variant_projects
from playground.run.orchestrator import run_project
from tests.helpers import make_project, project_dict


def test_apply_patch_sets_dotted_paths_without_touching_the_original():
    raw = project_dict()
    out = apply_patch(raw, {"training.epochs": 5, "graphs.model.nodes.1.params.units": 3,
                            "task.params.threshold": 0.2})
    assert out["training"]["epochs"] == 5 and raw["training"]["epochs"] == 200
    assert out["graphs"]["model"]["nodes"][1]["params"]["units"] == 3
    assert out["task"]["params"] == {"loss": "bce", "threshold": 0.2}


@pytest.mark.parametrize(("patch", "message"), [
    ({"expect": []}, "cannot change 'expect'"),
    ({"graphs.model.nodes.9.params": {}}, "not an index of a list of 4"),
    ({"training.epochs.deep": 1}, "not an object"),
])
def test_apply_patch_errors_name_the_path(patch, message):
    with pytest.raises(ValidationError, match=message) as info:
        apply_patch(project_dict(), patch, "variants[0].patch")
    assert "variants[0].patch." in str(info.value)


def test_variant_projects_validate_names_and_patched_projects():
    project = make_project(variants=[{"name": "a", "patch": {}},
                                     {"name": "b", "label": "wide", "patch": {
                                         "graphs.model.nodes.1.params.units": 12}}])
    a, b = variant_projects(project)
    assert (a.name, a.label, b.label) == ("a", "a", "wide")
    assert b.project.graph.nodes["hidden"].params["units"] == 12
    assert not b.project.variants and not b.project.expect
    bad = make_project(variants=[{"name": "a", "patch": {"training.epochs": "many"}}])
    with pytest.raises(ValidationError, match=r"variants\[0\]\.patch -> training"):
        variant_projects(bad)
    with pytest.raises(ValidationError, match="two variants are called 'a'"):
        variant_projects(make_project(variants=[{"name": "a"}, {"name": "a"}]))
    with pytest.raises(ValidationError, match="letters, digits"):
        variant_projects(make_project(variants=[{"name": "a.b"}]))


def test_below_and_above_compare_two_metrics():
    entries = [{"metric": "rnn.test_mse", "below": "ff.test_mse"},
               {"metric": "ff.test_mse", "above": "rnn.test_mse"},
               {"metric": "rnn.test_mse", "below": "missing_metric"}]
    validate_expect(entries)
    checks = evaluate_checks(entries, {"rnn.test_mse": 0.1, "ff.test_mse": 0.2})
    assert [c.passed for c in checks] == [True, True, False]
    assert checks[0].line() == "PASS rnn.test_mse = 0.1 (< ff.test_mse = 0.2)"
    assert "missing_metric = missing" in checks[2].line()
    with pytest.raises(ValidationError, match="name of a metric"):
        validate_expect([{"metric": "a", "below": 1.0}])


def test_run_variants_prefixes_metrics_and_checks_orderings():
    project = make_project(
        training={"epochs": 30},
        variants=[{"name": "small", "patch": {"graphs.model.nodes.1.params.units": 1}},
                  {"name": "lr0", "patch": {"training.optimizer.params.lr": 0.0}}],
        expect=[{"metric": "small.train_loss", "below": "lr0.train_loss"},
                {"metric": "train_loss", "below": "lr0.train_loss"}])
    result = run_project(project)
    assert result.state == "finished" and result.passed, [c.line() for c in result.checks]
    assert result.metrics["train_loss"] == result.metrics["small.train_loss"]
    assert result.metrics["lr0.epochs"] == 30
    assert run_project(make_project(training={"epochs": 2})).metrics["epochs"] == 2
