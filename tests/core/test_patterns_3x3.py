"""ldl ch2's 1,023 3x3 patterns and why the gray targets cannot be detected."""

from __future__ import annotations

import numpy as np
import pytest

from playground.data import load_dataset, parse_data_spec
from playground.data.classic import all_patterns
from playground.errors import DataError


def test_there_are_1023_unique_patterns():
    x = all_patterns()
    assert x.shape == (1023, 9) and len(np.unique(x, axis=0)) == 1023
    assert ((x == 0).all(axis=1)).sum() == 1 and ((x == -1).all(axis=1)).sum() == 1
    assert not ((x == 1).any(axis=1) & (x == 0).any(axis=1)).any()  # no white with gray


def test_the_target_is_the_only_positive():
    ds = load_dataset(parse_data_spec({"type": "patterns_3x3",
                                       "params": {"target": [1, -1, 1] * 3}}))
    assert ds.train.y.sum() == 1
    assert ds.train.x[ds.train.y == 1].tolist() == [[1, -1, 1] * 3]
    with pytest.raises(DataError, match="mixes white and gray"):
        load_dataset(parse_data_spec({"type": "patterns_3x3",
                                      "params": {"target": [1, 0, 1] * 3}}))


@pytest.mark.parametrize("target", [[0] * 9, [0, 0, 0, 0, -1, 0, 0, 0, 0]])
def test_gray_targets_are_averages_of_two_other_patterns(target):
    # Why a perceptron cannot fire for them alone: w.t + b is the mean of two other
    # patterns' sums, which must both be negative.
    x, t = all_patterns(), np.asarray(target, float)
    others = x[~(x == t).all(axis=1)]
    sums = others[:, None, :] + others[None, :, :]
    assert (np.isclose(sums, 2 * t).all(axis=2)).any()
