"""Reconstruction-error probe: an autoencoder's per-sample errors, grouped by class.

For the outlier detector of ldl ch17: each sample's mean absolute
reconstruction error on the training split and on a chosen split (test by
default), the latter grouped by class label (digits against outliers), with
the task's threshold (or the 99th percentile of the training errors when the
task sets none) and common histogram bins.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from playground.probes.base import ProbeType, register_probe

BINS = 40
#: Percentile of the training errors used as the threshold when the task has none.
DEFAULT_PERCENTILE = 99.0


def _applies(session: Any) -> bool:
    return callable(getattr(session.task, "sample_errors", None))


def _create(session: Any):
    task, ds = session.task, session.dataset

    def compute(trainer: Any, options: dict) -> dict:
        split = options["split"] if len(ds.split(options["split"])) else "train"
        train = task.sample_errors("train")
        errors = task.sample_errors(split)
        labels = ds.split(split).y
        names = ds.info.class_names
        groups: dict[str, np.ndarray] = {}
        if labels is not None and ds.info.target == "class":
            for k in np.unique(labels):
                name = names[k] if k < len(names) else f"class {k}"
                groups[str(name)] = errors[labels == k]
        else:
            groups[split] = errors
        threshold = task.outlier_threshold()
        if threshold is None:
            threshold = float(np.percentile(train, DEFAULT_PERCENTILE))
        top = float(np.percentile(np.concatenate([train, errors]), 99.5))
        edges = np.linspace(0.0, max(top, threshold) * 1.1 or 1.0, BINS + 1)
        return {"split": split, "groups": groups, "train": train, "threshold": threshold,
                "edges": edges, "percentile": task.ctx.params.get("outlier_percentile")
                or DEFAULT_PERCENTILE}
    return compute


register_probe(ProbeType(
    "errors", "Reconstruction errors", _applies, _create, interval=0.25, budget=0.03,
    defaults={"split": "test"},
    doc="split, groups {class name: per-sample errors (n,)}, train errors (n,), threshold, "
        "edges (BINS + 1,), percentile the threshold came from."))
