"""Many seeds of one project: pass rates, spreads, the book's percentile, and the CLI."""

from __future__ import annotations

import json

import pytest

from playground.cli import main
from playground.errors import ValidationError
from playground.project.expect import CheckResult, validate_expect
from playground.run.orchestrator import RunResult
from playground.run.seeds import CheckSpread, run_seeds, seed_runs, spread_checks
from playground.training.states import RunState
from tests.helpers import make_project


def _result(*checks: CheckResult, state: RunState = RunState.FINISHED) -> RunResult:
    return RunResult(state, "", {}, list(checks))


def _check(value: float | None, passed: bool) -> CheckResult:
    return CheckResult("acc", value, passed, ">= 0.9")


def test_pass_rate_quantiles_and_the_books_percentile():
    entries = [{"metric": "acc", "min": 0.9, "book": "0.95", "book_value": 0.95}]
    values = [0.8, 0.92, 0.95, 0.97, 0.99]
    results = [_result(_check(v, v >= 0.9)) for v in values]
    (spread,) = spread_checks(entries, results)
    assert spread.pass_rate == pytest.approx(4 / 5) and spread.passed  # 0.8 needed
    assert spread.quantiles() == {"min": 0.8, "q1": 0.92, "median": 0.95, "q3": 0.97,
                                  "max": 0.99}
    assert spread.book_percentile() == pytest.approx(100 * (2 + 0.5) / 5)  # 2 below, 1 tie
    assert spread.line().startswith("PASS 4/5 seeds (>= 80%) acc (>= 0.9): min 0.8 ·")
    assert "book's 0.95 at the 50th percentile" in spread.line()


def test_a_check_below_its_rate_fails_and_its_own_rate_applies():
    results = [_result(_check(v, v > 0.5)) for v in (0.1, 0.6, 0.7)]  # 2 of 3
    strict, lenient = spread_checks([{"metric": "acc", "min": 0.5},
                                     {"metric": "acc", "min": 0.5, "min_pass_rate": 0.6}],
                                    [_result(r.checks[0], r.checks[0]) for r in results])
    assert not strict.passed and lenient.passed
    assert strict.book_value is None and strict.book_percentile() is None


def test_a_seed_that_diverged_fails_every_check_without_a_value():
    entries = [{"metric": "acc", "approx": 0.9, "tol": 0.1}]
    results = [_result(_check(0.9, True)), _result(state=RunState.DIVERGED)]
    (spread,) = spread_checks(entries, results)
    assert spread.values == [0.9, None] and spread.passes == [True, False]
    assert spread.book_value == 0.9  # an approx is the book's number
    assert spread.quantiles()["max"] == 0.9


def test_seed_fields_are_validated():
    validate_expect([{"metric": "a", "min": 1, "min_pass_rate": 0.5, "book_value": 2}])
    with pytest.raises(ValidationError, match=r"expect\[0\]\.min_pass_rate: expected a share"):
        validate_expect([{"metric": "a", "min": 1, "min_pass_rate": 1.5}])
    with pytest.raises(ValidationError, match=r"expect\[0\]\.book_value: expected a number"):
        validate_expect([{"metric": "a", "min": 1, "book_value": "0.9"}])


def test_seeds_follow_the_project_and_move_the_data_seed_on_request():
    project = make_project(training={"seed": 7})
    assert [(r.seed, r.data_seed) for r in seed_runs(project, 3)] == [(7, None), (8, None),
                                                                      (9, None)]
    data_seed = project.data.seed
    assert [r.data_seed for r in seed_runs(project, 2, first=0, vary_data=True)] == \
        [data_seed, data_seed + 1]


def test_run_seeds_trains_each_seed_differently():
    project = make_project(training={"epochs": 3},
                           expect=[{"metric": "train_loss", "max": 10.0}])
    result = run_seeds(project, 3, first=0)
    losses = [r.metrics["train_loss"] for r in result.results]
    assert len(set(losses)) == 3  # three seeds, three runs
    (spread,) = result.checks
    assert spread.values == losses and spread.pass_rate == 1.0 and result.passed
    again = run_seeds(project, 1, first=1)
    assert again.results[0].metrics["train_loss"] == losses[1]  # seed 1 is seed 1


def test_cli_seeds_json_and_exit_codes(tmp_path, capsys):
    path = tmp_path / "p.json"
    project = make_project(training={"epochs": 2}, id="seeds-test",
                           meta={"title": "Seeds", "book": "none"},
                           expect=[{"metric": "train_loss", "max": 1e9},
                                   {"metric": "train_loss", "max": -1.0}])
    path.write_text(json.dumps(project.to_dict()))
    assert main(["run", str(path), "--seeds", "2", "--vary-data", "--json"]) == 1
    out = capsys.readouterr().out.strip().splitlines()
    report = json.loads(out[-1])
    assert report["seeds"] == 2 and report["passed"] is False
    assert [c["pass_rate"] for c in report["checks"]] == [1.0, 0.0]
    assert len(set(report["data_seeds"])) == 2
    assert "1/2 checks hold often enough" in out
    assert main(["run", str(path), "--seeds", "0"]) == 2
    assert main(["run", str(path), "--vary-data"]) == 2
    assert "--vary-data goes with --seeds K" in capsys.readouterr().err


def test_spread_of_a_check_with_no_seeds_is_not_a_pass():
    assert not CheckSpread("a", "", "", [], []).passed
