"""Evaluation metrics on numpy arrays (computed off the training hot path)."""

from __future__ import annotations

import numpy as np


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """(K, K) counts: rows are true classes, columns predicted classes."""
    cm = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(cm, (y_true.astype(np.int64), y_pred.astype(np.int64)), 1)
    return cm


def classification_metrics(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> dict:
    """Accuracy, precision, recall and F1.

    Binary tasks report the positive class (1); multiclass tasks the macro
    average over classes. Classes never predicted count as precision 0.
    """
    return classification_metrics_batch(y_true, np.asarray(y_pred)[None], n_classes)[0]


def classification_metrics_batch(y_true: np.ndarray, y_pred: np.ndarray,
                                 n_classes: int) -> list[dict]:
    """:func:`classification_metrics` of each row of ``y_pred`` (K, N) against ``y_true`` (N,).

    One pass for K runs' predictions (the fast path's lockstep copies).
    """
    k = len(y_pred)
    if len(y_true) == 0:
        return [{} for _ in range(k)]
    true = np.asarray(y_true).astype(np.int64)
    cells = (np.arange(k)[:, None] * n_classes + true[None, :]) * n_classes + \
        np.asarray(y_pred).astype(np.int64)
    cm = np.bincount(cells.ravel(), minlength=k * n_classes * n_classes).reshape(
        k, n_classes, n_classes)  # per run: rows true classes, columns predicted
    tp = np.diagonal(cm, axis1=1, axis2=2).astype(float)
    predicted, actual = cm.sum(axis=1), cm.sum(axis=2)
    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    recall = np.divide(tp, actual, out=np.zeros_like(tp), where=actual > 0)
    denom = precision + recall
    f1 = np.divide(2 * precision * recall, denom, out=np.zeros_like(tp), where=denom > 0)
    if n_classes == 2:
        p, r, f = precision[:, 1], recall[:, 1], f1[:, 1]
    else:
        present = actual > 0
        count = present.sum(axis=1)
        p, r, f = (np.where(present, v, 0.0).sum(axis=1) / count for v in (precision, recall, f1))
    accuracy = tp.sum(axis=1) / cm.sum(axis=(1, 2))
    return [{"accuracy": float(accuracy[i]), "precision": float(p[i]), "recall": float(r[i]),
             "f1": float(f[i])} for i in range(k)]


def regression_metrics(y_true: np.ndarray, y_pred: np.ndarray) -> dict:
    """MSE, MAE and R^2 (over all output columns)."""
    return regression_metrics_batch(y_true, np.asarray(y_pred)[None])[0]


def regression_metrics_batch(y_true: np.ndarray, y_pred: np.ndarray) -> list[dict]:
    """:func:`regression_metrics` of each of K predictions ``y_pred`` (K, N, ...)."""
    k = len(y_pred)
    if len(y_true) == 0:
        return [{} for _ in range(k)]
    err = (y_pred - y_true[None]).reshape(k, -1)
    ss_res = (err ** 2).sum(axis=1)
    ss_tot = float(((y_true - y_true.mean(axis=0)) ** 2).sum())
    mse, mae = (err ** 2).mean(axis=1), np.abs(err).mean(axis=1)
    return [{"mse": float(mse[i]), "mae": float(mae[i]),
             "r2": 1.0 - float(ss_res[i]) / ss_tot if ss_tot > 0 else 0.0} for i in range(k)]
