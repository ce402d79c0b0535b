"""Sequence forecasting: regression on windows of a series, judged against the naive forecast.

The ``forecast`` task trains exactly like ``regression`` (same losses, same
batches) on a series dataset (:mod:`playground.data.sequences`), and adds
what a forecast is judged by, for every non-empty split:

* ``{split}_naive_mse``, ``{split}_naive_mae``: the naive "next = last
  observed value" forecast on the same windows (each target step predicted by
  the window's last input), in the same scaled units as ``{split}_mse``;
* ``{split}_rmse_units``, ``{split}_naive_rmse_units``: the root mean squared
  errors in the series' own units (passengers, $ millions), undoing the
  dataset's scaling.

A model that has learned something has ``test_mse`` below ``test_naive_mse``;
presets check exactly that.

Next-token text needs no task of its own: the ``text_chars`` dataset has one
class target per window, so ``classification`` with cross-entropy trains it.
"""

from __future__ import annotations

import numpy as np
import torch

from playground.errors import TrainingError
from playground.params import choice_param, float_param
from playground.tasks.base import TaskContext, TaskType, register_task
from playground.tasks.supervised import SPLITS, RegressionTask


def naive_forecast(x: np.ndarray, horizon: int, scaler: dict | None = None) -> np.ndarray:
    """The last input value of each window repeated ``horizon`` times: (N, horizon).

    ``x`` is (N, T, F) as stored (feature 0 is the series); ``scaler`` is the
    dataset's input standardisation, undone so the baseline is in target units.
    """
    last = np.asarray(x[:, -1, 0], dtype=np.float64)  # (N,)
    if scaler is not None:
        last = last * float(scaler["scale"][-1, 0]) + float(scaler["mean"][-1, 0])
    return np.repeat(last[:, None], horizon, axis=1)


class ForecastTask(RegressionTask):
    """Regression on (N, T, F) windows with the naive baseline and real-unit errors."""

    def __init__(self, ctx: TaskContext):
        ds = ctx.require_dataset()
        if len(ds.input_shape) != 2:
            raise TrainingError(f"forecasting needs windows of a series, (N, steps, features), "
                                f"but dataset '{ds.type}' gives (N, "
                                f"{', '.join(map(str, ds.input_shape))}); choose a series "
                                "dataset (airline, harmonic, sales) or the regression task",
                                "data.type")
        super().__init__(ctx)
        scaler = ds.meta.get("scaler") if ds.meta else None
        #: Multiply a scaled RMSE by this to get it in the series' units.
        self.unit_scale = float(scaler["scale"]) if scaler else 1.0
        self.baseline = {}
        for name in SPLITS:
            part = ds.split(name)
            if len(part) == 0:
                continue
            y = np.asarray(part.y, np.float64).reshape(len(part), -1)  # (N, horizon)
            err = naive_forecast(part.x, y.shape[1], ds.scaler) - y
            self.baseline[name] = {"naive_mse": float(np.mean(err ** 2)),
                                   "naive_mae": float(np.mean(np.abs(err))),
                                   "naive_rmse_units": float(np.sqrt(np.mean(err ** 2)))
                                   * self.unit_scale}

    def _split_metrics(self, out: torch.Tensor, y_raw: np.ndarray) -> dict:
        metrics = super()._split_metrics(out, y_raw)
        if "mse" in metrics:
            metrics["rmse_units"] = float(np.sqrt(metrics["mse"])) * self.unit_scale
        return metrics

    @torch.no_grad()
    def evaluate(self) -> dict[str, float]:
        metrics = super().evaluate()
        for name, values in self.baseline.items():
            metrics.update({f"{name}_{key}": value for key, value in values.items()})
        return metrics


register_task(TaskType(
    "forecast", "Forecast (series)",
    (choice_param("loss", "mse", ("mse", "half_mse", "mae", "huber")),
     float_param("delta", 1.0, 1e-6, 1e6, advanced=True, help="Huber's delta.")),
    ForecastTask, targets=("regression",),
    views=("forecast", "loss"),
    doc="Predict the next values of a series from a window of past values; compared with "
        "the naive 'same as last' forecast."))
