"""A run's metric history as CSV (File > Export metrics)."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import numpy as np

from playground.project.fileio import atomic_output


def export_metrics_csv(history, path: str | os.PathLike) -> Path:
    """Write a run's metric history as CSV: one row per epoch, one column per series.

    Parameters
    ----------
    history : MetricHistory or dict
        ``trainer.history``, or a snapshot's ``history`` (name -> (x, y) arrays).
    path : path-like
        The CSV file (written atomically).

    Returns
    -------
    Path
    """
    series = history.arrays() if hasattr(history, "arrays") else dict(history)
    names = sorted(series, key=lambda n: (n != "loss", n))
    rows: dict[float, dict[str, float]] = {}
    for name in names:
        xs, ys = series[name]
        for x, y in zip(np.asarray(xs, float), np.asarray(ys, float)):
            rows.setdefault(float(x), {})[name] = float(y)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["epoch", *names])
    for x in sorted(rows):
        epoch = int(x) if x.is_integer() else x
        writer.writerow([epoch, *(f"{rows[x][n]:.9g}" if n in rows[x] else "" for n in names)])
    return atomic_output(path, buffer.getvalue())
