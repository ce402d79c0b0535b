"""Metric history: bounded series that halve, and epoch losses reduced in one pass."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from playground.training.history import Series
from tests.core.test_probes_projects import spiral_session


def reference_series(points, capacity):
    """The plain-list algorithm: append, and average neighbouring pairs when full."""
    xs, ys = [], []
    for x, y in points:
        xs.append(float(x))
        ys.append(float(y))
        if len(xs) >= capacity:
            n = len(xs) // 2 * 2
            xs = list(np.asarray(xs[:n]).reshape(-1, 2)[:, 1]) + xs[n:]
            ys = list(np.asarray(ys[:n]).reshape(-1, 2).mean(axis=1)) + ys[n:]
    return np.asarray(xs), np.asarray(ys)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6), max_size=300), st.integers(2, 17),
       st.integers(1, 40))
def test_append_and_extend_match_the_list_algorithm(values, capacity, chunk):
    points = list(enumerate(values))
    one, many = Series(capacity), Series(capacity)
    for x, y in points:
        one.append(x, y)
    for i in range(0, len(points), chunk):
        part = np.asarray(points[i:i + chunk], dtype=float).reshape(-1, 2)
        many.extend(part[:, 0], part[:, 1])
    ref_x, ref_y = reference_series(points, capacity)
    for series in (one, many):
        x, y = series.arrays()
        assert np.array_equal(x, ref_x) and np.allclose(y, ref_y, rtol=1e-12, atol=0)
        assert len(series) == len(ref_x) < capacity
        assert series.last == (ref_y[-1] if len(ref_y) else None)


@pytest.mark.parametrize("fast", [True, False], ids=["fast path", "autograd"])
def test_epoch_losses_are_the_means_of_their_batches(fast):
    """Every epoch's loss point equals the mean of its batch losses, however the steps
    fall between snapshots (the flush reduces many epochs at once)."""
    session = spiral_session(fast_path=fast)  # several batches per epoch
    trainer, task = session.trainer, session.task
    stepper = trainer._fused if fast else task  # what the trainer calls each batch
    assert stepper is not None and trainer.engine == ("fast path" if fast else "autograd")
    losses = []
    if fast:  # the training loop steps the fast path in bursts
        original_steps = stepper.train_steps

        def recording_steps(count):
            out = original_steps(count)
            losses.extend(float(loss) for loss in out)
            return out

        stepper.train_steps = recording_steps
    else:
        original = stepper.train_step

        def recording_step():
            loss = original()
            losses.append(float(loss))
            return loss

        stepper.train_step = recording_step
    trainer._snap_throttle.interval = 1e9  # no snapshot until the end: one big flush
    trainer._eval_throttle.interval = 1e9
    trainer.min_evaluations = 0
    trainer.run(epochs=7)
    x, y = trainer.history.arrays()["loss"]
    per_epoch = task.steps_per_epoch()
    expected = np.asarray(losses).reshape(7, per_epoch).mean(axis=1)
    assert np.array_equal(x, np.arange(1, 8))
    assert np.allclose(y, expected, rtol=1e-6)
    assert np.isclose(trainer.metrics["loss"], expected[-1], rtol=1e-6)


def test_a_run_is_evaluated_at_least_ten_times_however_slow_its_evaluation():
    """The time budget alone would evaluate a run of few long epochs two or three times;
    the validation curves then have no shape. MIN_EVALUATIONS spreads ten over the run."""
    trainer = spiral_session().trainer
    trainer._eval_throttle.interval = 1e9  # as if each evaluation took ages
    trainer.run(epochs=20)
    name = next(n for n in trainer.history.arrays() if n != "loss")
    x, _ = trainer.history.arrays()[name]
    assert len(x) >= 10 and x[-1] == 20 and np.diff(x).max() <= 2
