"""Test-set figures: confusion matrix, ROC curves, the LSTM beside its baseline."""

import re

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from sklearn.metrics import auc, roc_curve

from lstm_core.figures.results import accuracy_comparison, confusion_matrix_figure, roc_figure
from tests.figures.samples import EVIL, EVIL_ESCAPED, figure_text

# --- confusion_matrix_figure ------------------------------------------------------------------


def test_confusion_matrix_counts_percentages_and_orientation():
    fig = confusion_matrix_figure([[8, 2], [1, 9]], ["neg", "pos"])
    heatmap = fig.data[0]
    assert [list(row) for row in heatmap.z] == [[8, 2], [1, 9]]
    assert [list(row) for row in heatmap.text] == [["8", "2"], ["1", "9"]]
    assert heatmap.texttemplate == "%{text}"
    assert_allclose(heatmap.customdata, [[0.8, 0.2], [0.1, 0.9]])  # row-normalised
    assert "%{customdata:.1%}" in heatmap.hovertemplate
    assert list(heatmap.x) == ["neg", "pos"] and list(heatmap.y) == ["neg", "pos"]
    assert fig.layout.xaxis.title.text == "Predicted"
    assert fig.layout.yaxis.title.text == "True"
    assert fig.layout.yaxis.autorange == "reversed"  # row 0 on top
    assert fig.layout.xaxis.type == fig.layout.yaxis.type == "category"


def test_confusion_matrix_empty_row_has_zero_share():
    fig = confusion_matrix_figure([[0, 0], [3, 1]], ["a", "b"])
    assert_allclose(fig.data[0].customdata, [[0, 0], [0.75, 0.25]])


def test_confusion_matrix_shape_must_match_labels():
    with pytest.raises(ValueError, match=r"matrix must be 3 x 3"):
        confusion_matrix_figure([[1, 2], [3, 4]], ["a", "b", "c"])


# --- roc_figure -------------------------------------------------------------------------------


def legend_auc(name: str) -> float:
    return float(re.search(r"AUC (\d\.\d{3})", name).group(1))


def test_roc_two_classes_auc_matches_sklearn_with_baseline_dashed():
    y = ["neg", "pos", "neg", "pos", "pos", "neg"]
    p_pos = np.array([0.1, 0.8, 0.6, 0.4, 0.9, 0.3])
    probabilities = np.column_stack([1 - p_pos, p_pos])
    base_pos = np.array([0.5, 0.6, 0.4, 0.3, 0.7, 0.2])
    fig = roc_figure(y, probabilities, ["neg", "pos"],
                     baseline_probabilities=np.column_stack([1 - base_pos, base_pos]))
    chance, lstm, base = fig.data
    truth = np.array(y) == "pos"
    fpr, tpr, _ = roc_curve(truth, p_pos)
    expected = auc(fpr, tpr)
    assert_allclose(lstm.x, fpr) and assert_allclose(lstm.y, tpr)
    assert lstm.meta["auc"] == pytest.approx(expected)
    assert legend_auc(lstm.name) == pytest.approx(expected, abs=5e-4)
    assert lstm.name.startswith("LSTM")
    fpr_b, tpr_b, _ = roc_curve(truth, base_pos)
    assert legend_auc(base.name) == pytest.approx(auc(fpr_b, tpr_b), abs=5e-4)
    assert base.line.dash == "dash"
    assert list(chance.x) == [0, 1] and list(chance.y) == [0, 1]
    assert "positive class: pos" in fig.layout.title.subtitle.text


def test_roc_accepts_predictions_columns():
    predictions = pd.DataFrame({"label": ["a", "b", "b"], "p_a": [0.7, 0.2, 0.4],
                                "p_b": [0.3, 0.8, 0.6]})
    fig = roc_figure(predictions["label"], predictions, ["a", "b"])
    assert legend_auc(fig.data[1].name) == 1.0


def test_roc_one_vs_rest_per_class_and_missing_class():
    y = ["a", "b", "c", "a", "b"]
    probabilities = np.array([[0.7, 0.2, 0.1], [0.2, 0.5, 0.3], [0.1, 0.3, 0.6],
                              [0.3, 0.4, 0.3], [0.5, 0.4, 0.1]])
    fig = roc_figure(y, probabilities, ["a", "b", "c"])
    assert len(fig.data) == 4  # chance + one per class
    for i, label in enumerate(["a", "b", "c"]):
        fpr, tpr, _ = roc_curve(np.array(y) == label, probabilities[:, i])
        assert fig.data[i + 1].name.startswith(f"{label} vs rest")
        assert fig.data[i + 1].meta["auc"] == pytest.approx(auc(fpr, tpr))

    without_c = roc_figure(y[:2] + ["a"], probabilities[:3], ["a", "b", "c"])
    assert [t.name.split(" ")[0] for t in without_c.data] == ["chance", "a", "b"]
    assert "no curve" in without_c.layout.title.subtitle.text


def test_roc_probabilities_must_match_labels():
    with pytest.raises(ValueError, match=r"shape \(texts, 3\)"):
        roc_figure(["a", "b"], np.array([[0.5, 0.5], [0.1, 0.9]]), ["a", "b", "c"])


# --- accuracy_comparison ----------------------------------------------------------------------


def test_accuracy_comparison_bars_and_gap():
    metrics = {"accuracy": 0.87, "macro_f1": 0.86,
               "baseline": {"accuracy": 0.84, "macro_f1": 0.83}}
    fig = accuracy_comparison(metrics)
    lstm, base = fig.data
    assert (lstm.name, base.name) == ("LSTM", "bag-of-words baseline")
    assert lstm.orientation == base.orientation == "h"
    assert list(lstm.y) == ["Accuracy", "Macro F1"]
    assert list(lstm.x) == [0.87, 0.86] and list(base.x) == [0.84, 0.83]
    assert list(lstm.text) == ["87.0%", "86.0%"]
    assert "+3.0 points" in fig.layout.title.subtitle.text


def test_accuracy_comparison_missing_values_have_no_bar():
    fig = accuracy_comparison({"accuracy": 0.9, "macro_f1": None})
    assert list(fig.data[0].x) == [0.9, None]
    assert list(fig.data[1].x) == [None, None]
    assert fig.layout.title.subtitle.text is None


# --- escaping user strings --------------------------------------------------------------------


def test_user_labels_are_escaped_in_every_figure():
    labels = [EVIL, "pos"]
    figures = [
        confusion_matrix_figure([[1, 0], [0, 1]], labels, title=f"Matrix {EVIL}"),
        roc_figure(["pos", EVIL], np.array([[0.9, 0.1], [0.2, 0.8]]), ["pos", EVIL]),
        roc_figure([EVIL, "pos", "c"], np.eye(3), [*labels, "c"]),
    ]
    for fig in figures:
        text = figure_text(fig)
        assert "<img" not in text
        assert EVIL_ESCAPED in text
    assert list(figures[0].data[0].x)[0] == EVIL_ESCAPED  # tick text
    assert figures[0].layout.title.text == f"Matrix {EVIL_ESCAPED}"
    assert figures[2].data[1].name.startswith(EVIL_ESCAPED)  # legend
    roc_missing = roc_figure(["pos", "pos"], np.array([[0.1, 0.9], [0.2, 0.8]]), labels)
    assert EVIL_ESCAPED in roc_missing.layout.title.subtitle.text
    assert "<img" not in figure_text(roc_missing)
