"""Many seeds of one project: pass rates, spreads, the book's percentile, and the CLI."""

from __future__ import annotations

import json

import pytest

from playground.cli import main
from playground.errors import ValidationError
from playground.project.expect import CheckResult, validate_expect
from playground.run.orchestrator import RunResult, run_project
from playground.run.seeds import CheckSpread, run_seeds, seed_runs, spread_checks, with_seed
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


def test_a_statement_about_the_distribution_holds_once_over_all_seeds():
    from playground.project.expect import evaluate_checks

    median = {"metric": "slope", "approx": 3.0, "tol": 0.1, "over_seeds": "median"}
    bottom = {"metric": "acc", "over_seeds": "book_percentile", "max": 10, "book_value": 0.57}
    single = evaluate_checks([median], {"slope": 3.6})
    assert single[0].seeds_only and single[0].passed  # one run neither passes nor fails it
    assert single[0].line().startswith("SEEDS slope = 3.6 (median over seeds: 3 ± 0.1)")
    slopes = [2.6, 2.9, 3.05, 3.1, 3.7]
    accs = [0.93, 0.97, 0.5, 1.0, 0.96]
    results = [RunResult(RunState.FINISHED, "", {},
                         evaluate_checks([median, bottom], {"slope": s, "acc": a}))
               for s, a in zip(slopes, accs)]
    near, low = spread_checks([median, bottom], results)
    assert near.statistic == 3.05 and near.passed and near.pass_rate == 1.0
    assert near.line().startswith("PASS median over 5 seeds of slope = 3.05 (3 ± 0.1)")
    assert near.values == slopes  # every seed's value is kept for the histogram
    assert low.statistic == pytest.approx(20.0) and not low.passed  # 1 of 5 below 0.57
    assert near.book_value is None  # an approx on a statistic is not the book's number


def test_over_seeds_is_validated():
    with pytest.raises(ValidationError, match=r"over_seeds: expected one of median"):
        validate_expect([{"metric": "a", "min": 1, "over_seeds": "mode"}])
    with pytest.raises(ValidationError, match="needs the book's number"):
        validate_expect([{"metric": "a", "max": 10, "over_seeds": "book_percentile"}])
    with pytest.raises(ValidationError, match="not with another metric"):
        validate_expect([{"metric": "a", "below": "b", "over_seeds": "median"}])
    with pytest.raises(ValidationError, match="cannot hold at one seed only"):
        validate_expect([{"metric": "a", "max": 1, "over_seeds": "q1", "seed_specific": True}])


def test_a_quartile_over_seeds_says_how_often_a_bound_holds():
    """q1 <= bound: at least a quarter of the seeds are within it."""
    from playground.project.expect import evaluate_checks

    entry = {"metric": "loss", "max": 0.358, "over_seeds": "q1"}
    validate_expect([entry])
    losses = [0.03, 1.5, 0.02, 1.6, 1.4, 0.05, 1.5, 1.7]  # 3 of 8 below
    results = [_result(*evaluate_checks([entry], {"loss": v})) for v in losses]
    (spread,) = spread_checks([entry], results)
    assert spread.statistic == pytest.approx(0.045) and spread.passed  # np.quantile, linear
    (fewer,) = spread_checks([entry], results[1:2] + results[3:])  # 1 of 6 below
    assert not fewer.passed


# -- checks that hold for the preset's own seed only ------------------------------------------

def test_seed_specific_is_validated():
    validate_expect([{"metric": "a", "equals": 6, "seed_specific": True}])
    with pytest.raises(ValidationError, match=r"expect\[0\]\.seed_specific: expected true"):
        validate_expect([{"metric": "a", "equals": 6, "seed_specific": "yes"}])


def test_a_seed_specific_check_is_judged_at_the_own_seed_only():
    entries = [{"metric": "acc", "min": 0.9, "seed_specific": True},
               {"metric": "acc", "min": 0.5}]
    results = [_result(_check(v, v >= 0.9), CheckResult("acc", v, v >= 0.5, ">= 0.5"))
               for v in (0.95, 0.6, 0.7)]
    specific, general = spread_checks(entries, results, own=[True, False, False])
    assert specific.passes == [True] and specific.passed and specific.seed_specific
    assert specific.values == [0.95, 0.6, 0.7]  # still measured everywhere
    assert specific.line().startswith("PASS 1/the preset's own seed acc")
    assert general.passes == [True, True, True]
    (missed,) = spread_checks(entries[:1], results, own=[False, False, False])
    assert missed.skipped and missed.passed and missed.line().startswith("SKIP acc")
    (failed,) = spread_checks(entries[:1], results[1:], own=[True, False])
    assert not failed.passed and failed.pass_rate == 0.0


def test_another_training_seed_skips_seed_specific_checks():
    project = make_project(training={"epochs": 2, "seed": 3},
                           expect=[{"metric": "train_loss", "max": -1.0, "seed_specific": True},
                                   {"metric": "train_loss", "max": 1e9}])
    own = run_project(project)
    assert [c.verdict for c in own.checks] == ["FAIL", "PASS"]
    other = run_project(project, seed=4)
    assert [c.verdict for c in other.checks] == ["SKIP", "PASS"] and other.passed
    assert other.checks[0].value is not None and "own seed only" in other.checks[0].rule
    result = run_seeds(project, 3)  # seeds 3, 4, 5: only 3 judges the first check
    specific, general = result.checks
    assert specific.passes == [False] and not specific.passed
    assert len([v for v in specific.values if v is not None]) == 3
    assert general.passes == [True, True, True]
    assert not run_seeds(project, 2, first=4).checks[0].passes  # seed 3 not in the plan


def test_vary_data_moves_a_generators_own_seed():
    project = make_project(data={"type": "separable_2d", "params": {"seed": 39}, "seed": 0})
    first, second = seed_runs(project, 2, vary_data=True)
    assert with_seed(project, first).data.params["seed"] == 39
    moved = with_seed(project, second)
    assert moved.data.params["seed"] == 40 and moved.data.seed == 1
    assert first.is_own(project) and not second.is_own(project)


def test_per_checks_a_ratio_of_two_metrics():
    from playground.project.expect import evaluate_checks
    entry = {"metric": "rnn", "per": "ff", "max": 0.8, "book_value": 0.61}
    validate_expect([entry])
    (held,) = evaluate_checks([entry], {"rnn": 0.0022, "ff": 0.0036})
    assert held.passed and held.value == pytest.approx(0.0022 / 0.0036)
    assert held.label == "rnn / ff"
    (missed,) = evaluate_checks([entry], {"rnn": 0.003, "ff": 0.0036})
    assert not missed.passed
    (no_base,) = evaluate_checks([entry], {"rnn": 0.003, "ff": 0.0})
    assert no_base.value is None and not no_base.passed
    with pytest.raises(ValidationError, match=r"expect\[0\]\.per: 'per' divides"):
        validate_expect([{"weight": "w", "per": "ff", "max": 1}])
