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
    if len(y_true) == 0:
        return {}
    cm = confusion_matrix(y_true, y_pred, n_classes)
    tp = np.diag(cm).astype(float)
    predicted, actual = cm.sum(axis=0), cm.sum(axis=1)
    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    recall = np.divide(tp, actual, out=np.zeros_like(tp), where=actual > 0)
    denom = precision + recall
    f1 = np.divide(2 * precision * recall, denom, out=np.zeros_like(tp), where=denom > 0)
    if n_classes == 2:
        p, r, f = precision[1], recall[1], f1[1]
    else:
        present = actual > 0
        p, r, f = precision[present].mean(), recall[present].mean(), f1[present].mean()
    return {"accuracy": float(tp.sum() / cm.sum()), "precision": float(p),
            "recall": float(r), "f1": float(f)}


def regression_metrics(y_true: np.ndarray, y_pred: np.ndarray) -> dict:
    """MSE, MAE and R^2 (over all output columns)."""
    if len(y_true) == 0:
        return {}
    err = y_pred - y_true
    ss_res = float((err ** 2).sum())
    ss_tot = float(((y_true - y_true.mean(axis=0)) ** 2).sum())
    return {"mse": float((err ** 2).mean()), "mae": float(np.abs(err).mean()),
            "r2": 1.0 - ss_res / ss_tot if ss_tot > 0 else 0.0}
