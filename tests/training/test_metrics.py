import numpy as np
import pytest

from lstm_core.training.metrics import classification_metrics


def test_binary_metrics_golden_numbers():
    y = np.array([0, 0, 1, 1, 1])
    p_pos = np.array([0.2, 0.6, 0.7, 0.4, 0.9])
    metrics = classification_metrics(y, np.column_stack([1 - p_pos, p_pos]), ["neg", "pos"])
    assert metrics["accuracy"] == pytest.approx(3 / 5)
    assert metrics["confusion_matrix"] == [[1, 1], [1, 2]]
    assert metrics["per_class"]["pos"] == pytest.approx(
        {"precision": 2 / 3, "recall": 2 / 3, "f1": 2 / 3, "support": 3})
    # ROC AUC from probabilities: 5 of the 6 (neg, pos) pairs are ranked correctly.
    assert metrics["roc_auc"] == pytest.approx(5 / 6)


def test_three_classes_and_a_missing_class_gives_no_auc():
    probabilities = np.eye(3)[[0, 1, 2, 2]]
    metrics = classification_metrics(np.array([0, 1, 2, 1]), probabilities, ["a", "b", "c"])
    assert metrics["confusion_matrix"] == [[1, 0, 0], [0, 1, 1], [0, 0, 1]]
    assert metrics["roc_auc"] is not None
    missing = classification_metrics(np.array([0, 0]), np.eye(3)[[0, 1]], ["a", "b", "c"])
    assert missing["roc_auc"] is None and missing["per_class"]["c"]["support"] == 0
