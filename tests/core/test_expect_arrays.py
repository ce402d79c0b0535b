"""``array`` checks that read arrays put together from metrics (a later variant's outputs)."""

from __future__ import annotations

import numpy as np

from playground.project.expect import array_from_metrics, evaluate_checks


def test_elements_become_an_array_with_nan_holes():
    metrics = {"v.conv[0,0,0]": 1.0, "v.conv[0,0,2]": 3.0, "v.conv.shape[0]": 9.0, "other": 2.0}
    array = array_from_metrics("v.conv", metrics)
    assert array.shape == (1, 1, 3)
    assert array[0, 0, 0] == 1.0 and np.isnan(array[0, 0, 1]) and array[0, 0, 2] == 3.0
    assert array_from_metrics("v.missing", metrics) is None


def test_checks_read_metric_arrays_and_their_shapes():
    metrics = {"b.map[0,0,0,0]": -45.0, "b.map[0,0,0,1]": 1.0, "b.map[0,0,1,0]": 2.0,
               "b.map[0,0,1,1]": 3.0, "b.big.shape[0]": 64.0, "b.big.shape[1]": 12.0}
    checks = evaluate_checks([
        {"array": "b.map", "index": [0, 0, 0, 0], "equals": -45},
        {"array": "b.map", "index": [0, 0], "equals": [[-45, 1], [2, 3]]},
        {"array": "b.map.shape", "equals": [1, 2, 2]},
        {"array": "b.big.shape", "equals": [64, 12]},
        {"array": "b.map", "index": [0, 0], "equals": [[-45, 1], [2, 4]]},
        {"array": "b.gone", "equals": [1]},
    ], metrics)
    assert [c.passed for c in checks] == [True, True, True, True, False, False]


def test_a_hole_fails_the_check():
    checks = evaluate_checks([{"array": "m", "index": [0], "equals": [1, 2, 3]}],
                             {"m[0,0]": 1.0, "m[0,2]": 3.0})
    assert not checks[0].passed


def test_mean_of_several_metrics():
    from playground.errors import ValidationError
    from playground.project.expect import validate_expect

    metrics = {"f0.val_mae": 2.0, "f1.val_mae": 3.0}
    entries = [{"mean": ["f0.val_mae", "f1.val_mae"], "approx": 2.5, "tol": 1e-9},
               {"mean": ["f0.val_mae", "f2.val_mae"], "min": 0}]
    validate_expect(entries)
    checks = evaluate_checks(entries, metrics)
    assert checks[0].passed and checks[0].value == 2.5
    assert checks[0].label == "mean(f0.val_mae, f1.val_mae)"
    assert not checks[1].passed and checks[1].value is None
    for bad in ([], ["a", 1], "f0.val_mae"):
        try:
            validate_expect([{"mean": bad, "min": 0}])
        except ValidationError as exc:
            assert "mean" in exc.where
        else:
            raise AssertionError(f"{bad!r} was accepted")
