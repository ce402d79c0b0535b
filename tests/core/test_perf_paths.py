"""The hot-path speed-ups found by profiling change nothing but speed.

* Batches.next: index_select gives the rows advanced indexing gave;
* boundary probe: class-axis reductions on whole planes give the same values.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from playground.probes.plane import class_probabilities, last_axis_max
from playground.tasks.base import Batches


def test_index_select_batches_are_the_advanced_indexing_batches():
    x, y = torch.randn(50, 3, 4), torch.randint(0, 5, (50,))
    batches = Batches((x, y), 8, shuffle=True)
    batches.begin_epoch(torch.Generator().manual_seed(0))
    order = batches._order.clone()
    for i in range(batches.steps):
        xb, yb = batches.next()
        idx = order[i * 8:(i + 1) * 8]
        assert torch.equal(xb, x[idx]) and torch.equal(yb, y[idx])
    three = Batches((x, y, y * 2), 16, shuffle=True)
    three.begin_epoch(torch.Generator().manual_seed(3))
    a, b, c = three.next()
    assert torch.equal(c, 2 * b) and torch.equal(a, x[three._order[:16]])


class _Task:
    def __init__(self, kind: str):
        self.kind = kind


@pytest.mark.parametrize("k", [2, 3, 10])
def test_class_axis_reductions_match_numpy_on_the_last_axis(k):
    rng = np.random.default_rng(k)
    out = rng.normal(0, 4, (100, 100, k)).astype(np.float32)
    assert np.array_equal(last_axis_max(out), out.max(axis=-1))
    probs = class_probabilities(_Task("linear"), out)
    z = out - out.max(axis=-1, keepdims=True)
    expected = np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)
    assert probs.shape == out.shape and probs.flags.c_contiguous and probs.dtype == np.float32
    np.testing.assert_allclose(probs, expected, rtol=1e-6, atol=1e-7)
    if k == 2:  # two classes: the sum has one order, so the values are identical
        assert np.array_equal(probs, expected.astype(np.float32))
    same = class_probabilities(_Task("probabilities"), out)
    assert np.array_equal(same, out)
