"""Evaluation probe: confusion matrix, per-class scores and ROC; regression fit; forecasts.

One probe feeds the confusion, ROC, fit and forecast views. It evaluates the
held-out split (validation, else test, else train), at most :data:`MAX_SAMPLES`
fixed samples of it, and fills only the parts that apply:

* ``classification``: confusion matrix, per-class precision / recall / F1 /
  support; for two classes the class-1 scores, the ROC curve and its AUC.
* ``regression``: targets and predictions; for a one-feature input the fitted
  curve over the input range (``fit``).
* ``forecast``: for series datasets, the one-step-ahead prediction along the
  whole series (train, val, test in order) against the naive last-value
  baseline (the last input of each window), in the series' own units and at
  the series' time index when the dataset's ``meta`` gives them, with both
  mean squared errors per split (in the units the model is trained in).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from playground.probes.base import ProbeType, register_probe
from playground.probes.common import (
    compiled_model,
    fixed_subset,
    held_out,
    is_classifier,
    is_supervised,
    raw_inputs,
    run_seed,
    to_model,
)
from playground.probes.plane import binary_scores, class_probabilities
from playground.training.metrics import confusion_matrix

MAX_SAMPLES = 5000
#: Points of the fitted 1-D curve and data points shown with it.
FIT_POINTS = 200
MAX_FIT_DATA = 2000


def per_class_scores(cm: np.ndarray) -> dict[str, np.ndarray]:
    """Precision, recall, F1 and support (K,) from a confusion matrix (rows = truth)."""
    tp = np.diag(cm).astype(np.float64)
    predicted, actual = cm.sum(axis=0), cm.sum(axis=1)
    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    recall = np.divide(tp, actual, out=np.zeros_like(tp), where=actual > 0)
    denom = precision + recall
    f1 = np.divide(2 * precision * recall, denom, out=np.zeros_like(tp), where=denom > 0)
    return {"precision": precision, "recall": recall, "f1": f1, "support": actual}


def _classification(task: Any, out: torch.Tensor, y: np.ndarray) -> dict:
    k = task.n_classes
    pred = task.classes_from_output(out).cpu().numpy()
    cm = confusion_matrix(y, pred, k)
    result = {"confusion": cm, "n_classes": k, **per_class_scores(cm),
              "accuracy": float(np.trace(cm) / max(cm.sum(), 1))}
    if k != 2:
        return result
    raw = out.float().cpu().numpy()
    if raw.shape[-1] == 1:
        scores, _ = binary_scores(task, raw[:, 0])
        threshold = float(binary_scores(task, np.array([task.threshold], np.float32))[0][0])
    else:
        scores, threshold = class_probabilities(task, raw)[:, 1], 0.5
    result.update(scores=scores.astype(np.float64), labels=y.astype(np.int64),
                  threshold=threshold)
    if 0 < int(y.sum()) < len(y):  # ROC needs both classes
        fpr, tpr, thresholds = roc_curve(y, scores)
        result.update(fpr=fpr, tpr=tpr, roc_thresholds=thresholds, auc=auc(fpr, tpr))
    return result


def roc_curve(y: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ROC points at every distinct score (numpy; scikit-learn's checks cost milliseconds).

    Returns
    -------
    fpr, tpr : ndarray
        From (0, 0) to (1, 1); class 1 is predicted for ``scores >= threshold``.
    thresholds : ndarray
        The score at each point (``inf`` first).
    """
    order = np.argsort(-scores, kind="mergesort")
    s, pos = scores[order], (y[order] == 1)
    last = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]  # last index of each distinct score
    tps = np.cumsum(pos)[last]
    fps = (last + 1) - tps
    tpr = np.r_[0.0, tps / max(tps[-1], 1)]
    fpr = np.r_[0.0, fps / max(fps[-1], 1)]
    return fpr, tpr, np.r_[np.inf, s[last]]


def auc(fpr: np.ndarray, tpr: np.ndarray) -> float:
    """Area under a ROC curve by the trapezoidal rule (ties count half, as Mann-Whitney)."""
    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2.0))


def _fit_curve(session: Any) -> dict | None:
    ds = session.dataset
    if ds.input_shape != (1,) or ds.target_shape != (1,):
        return None
    raw = raw_inputs(ds, ds.train.x)[:, 0]
    lo, hi = float(raw.min()), float(raw.max())
    pad = (hi - lo) * 0.05 or 1.0
    xs = np.linspace(lo - pad, hi + pad, FIT_POINTS, dtype=np.float32)
    ys = session.task.model(to_model(ds.transform(xs[:, None]), session))
    idx = fixed_subset(len(raw), MAX_FIT_DATA, run_seed(session))
    return {"x": xs, "y": ys.float().cpu().numpy()[:, 0], "data_x": raw[idx],
            "data_y": ds.train.y[idx, 0]}


def _forecast(session: Any) -> dict | None:
    ds = session.dataset
    if ds.info.kind != "series" or ds.info.target != "regression":
        return None
    meta = getattr(ds, "meta", None) or {}
    positions = meta.get("target_index", {})  # split -> series index of each target
    scaler = meta.get("scaler")  # the series' own scaling: shown in its units
    offset, scale = (float(scaler["offset"]), float(scaler["scale"])) if scaler else (0.0, 1.0)
    index, actual, predicted, naive, splits, errors = [], [], [], [], [], {}
    start = 0
    for name in ("train", "val", "test"):
        part = ds.split(name)
        if not len(part):
            continue
        out = session.task.model(to_model(part.x, session)).float().cpu().numpy()
        y = part.y.reshape(len(part), -1)[:, 0]
        p = out.reshape(len(part), -1)[:, 0]
        windows = raw_inputs(ds, part.x).reshape(len(part), part.x.shape[1], -1)
        last = windows[:, -1, 0]  # the last observed value of each window
        pos = positions.get(name)
        index.append(np.arange(start, start + len(part)) if pos is None else pos)
        actual.append(y * scale + offset)
        predicted.append(p * scale + offset)
        naive.append(last * scale + offset)
        splits.append((name, int(index[-1][0]), int(index[-1][-1]) + 1))
        errors[name] = {"model": float(np.mean((p - y) ** 2)),
                        "naive": float(np.mean((last - y) ** 2))}
        start += len(part)
    return {"index": np.concatenate(index), "actual": np.concatenate(actual),
            "predicted": np.concatenate(predicted), "naive": np.concatenate(naive),
            "splits": splits, "mse": errors, "units": meta.get("units", "")}


def _create(session: Any):
    task, ds = session.task, session.dataset
    split, part = held_out(ds)
    idx = fixed_subset(len(part), MAX_SAMPLES, run_seed(session))
    x, y = part.x[idx], part.y[idx]

    def compute(trainer: Any, options: dict) -> dict:
        out = task.model(to_model(x, session))
        payload: dict = {"split": split, "count": len(idx),
                         "class_names": tuple(ds.info.class_names)}
        if is_classifier(task):
            payload["classification"] = _classification(task, out, y)
        else:
            pred = out.float().cpu().numpy().reshape(len(idx), -1)
            truth = np.asarray(y, np.float32).reshape(len(idx), -1)
            payload["regression"] = {"actual": truth, "predicted": pred,
                                     "mse": float(np.mean((pred - truth) ** 2))}
            payload["fit"] = _fit_curve(session)
            payload["forecast"] = _forecast(session)
        return payload
    return compute


def _applies(session: Any) -> bool:
    model = compiled_model(session)
    return is_supervised(session.task) and model is not None and len(model.input_nodes) == 1


register_probe(ProbeType(
    "evaluation", "Evaluation", _applies, _create, interval=0.5, budget=0.03,
    doc="split, count, class_names and classification {confusion, precision, recall, f1, "
        "support, accuracy, scores, labels, threshold, fpr, tpr, auc} or regression "
        "{actual, predicted, mse}, fit and forecast."))
