"""Test-set metrics from class probabilities, in the label order of the vocabulary."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support, roc_auc_score


def classification_metrics(
    y_true: np.ndarray, probabilities: np.ndarray, labels: Sequence[str]
) -> dict:
    """Accuracy, per-class precision/recall/F1, confusion matrix and ROC AUC.

    Args:
        y_true: class indices, shape (examples,).
        probabilities: shape (examples, classes), columns in ``labels`` order.
        labels: class names; class ``i`` is ``labels[i]``.

    Returns:
        A JSON-ready dict. ``confusion_matrix[i][j]`` counts examples of class i predicted as j.
        ``roc_auc`` uses the probability of ``labels[1]`` for two classes, one-vs-rest macro
        averaging for more, and is None when the test set lacks a class.
    """
    y_true = np.asarray(y_true)
    predicted = probabilities.argmax(axis=1)
    classes = list(range(len(labels)))
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, predicted, labels=classes, zero_division=0
    )
    present = set(np.unique(y_true).tolist())
    roc_auc = None
    if present == set(classes) and len(y_true) > 1:
        if len(labels) == 2:
            roc_auc = float(roc_auc_score(y_true, probabilities[:, 1]))
        else:
            roc_auc = float(roc_auc_score(y_true, probabilities, multi_class="ovr", labels=classes))
    return {
        "accuracy": float((predicted == y_true).mean()) if len(y_true) else None,
        "examples": int(len(y_true)),
        "labels": list(labels),
        "per_class": {
            label: {
                "precision": float(precision[i]),
                "recall": float(recall[i]),
                "f1": float(f1[i]),
                "support": int(support[i]),
            }
            for i, label in enumerate(labels)
        },
        "macro_f1": float(np.mean(f1)),
        "confusion_matrix": confusion_matrix(y_true, predicted, labels=classes).tolist(),
        "roc_auc": roc_auc,
    }
