"""What each figure shows: traces, data, lines and labels, checked on small hand-made inputs."""

import json
import re

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from numpy.testing import assert_allclose
from plotly.utils import PlotlyJSONEncoder
from sklearn.metrics import auc, roc_curve

from lstm_core.figures import (
    CURVE_TRACES,
    TRAINING_CURVES_REVISION,
    WAITING_TEXT,
    _esc,
    accuracy_comparison,
    class_balance_figure,
    confusion_matrix_figure,
    length_histogram,
    roc_figure,
    training_curves,
)

EVIL = "<img src=x onerror=alert(1)>"
EVIL_ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"
TRACE_NAMES = [name for _, name in CURVE_TRACES] * 2


def start(batches_per_epoch=4, epochs=3):
    return {"event": "start", "epochs": epochs, "batches_per_epoch": batches_per_epoch,
            "batch_size": 8, "train_samples": 8 * batches_per_epoch, "device": "cpu"}


def batch(epoch, number, loss, accuracy):
    return {"event": "batch", "epoch": epoch, "batch": number, "step": number, "loss": loss,
            "accuracy": accuracy, "samples_per_s": 100.0, "elapsed": 1.0}


def epoch(number, batches, loss, accuracy, val_loss, val_accuracy):
    return {"event": "epoch", "epoch": number, "batches": batches, "loss": loss,
            "accuracy": accuracy, "val_loss": val_loss, "val_accuracy": val_accuracy,
            "samples_per_s": 100.0, "elapsed": 2.0}


# Two epochs of 4 batches; the second stopped after batch 2. One null in each kind of line.
EVENTS = [
    start(),
    batch(1, 1, 0.70, 0.50),
    batch(1, 2, None, 0.55),
    batch(1, 4, 0.60, 0.60),
    epoch(1, 4, 0.60, 0.60, 0.65, None),
    batch(2, 2, 0.50, 0.70),
    epoch(2, 2, 0.50, 0.70, 0.55, 0.68),
]


def traces(fig: go.Figure) -> dict[str, go.Scatter]:
    return {trace.uid: trace for trace in fig.data}


def annotation_texts(fig: go.Figure) -> list[str]:
    return [a.text for a in fig.layout.annotations]


# --- training_curves --------------------------------------------------------------------------


def test_training_curves_x_is_progress_in_epochs_and_nulls_are_left_out():
    by_uid = traces(training_curves(EVENTS))
    # batch 2's null loss is left out; None breaks the line where Keras restarts its mean
    assert list(by_uid["loss-batch"].x) == [0.25, 1.0, None, 1.5]
    assert list(by_uid["loss-batch"].y) == [0.70, 0.60, None, 0.50]
    assert list(by_uid["accuracy-batch"].x) == [0.25, 0.5, 1.0, None, 1.5]
    # Epoch 1 ran in full (x = 1); epoch 2 stopped after 2 of 4 batches (x = 1.5).
    assert list(by_uid["loss-epoch"].x) == [1.0, 1.5]
    assert list(by_uid["accuracy-epoch"].y) == [0.60, 0.70]
    assert list(by_uid["loss-val"].y) == [0.65, 0.55]
    assert list(by_uid["accuracy-val"].x) == [1.5]  # epoch 1's val_accuracy was null
    assert list(by_uid["accuracy-val"].y) == [0.68]


def test_training_curves_panels_legend_and_uirevision():
    fig = training_curves(EVENTS)
    assert [t.name for t in fig.data] == TRACE_NAMES
    assert [t.xaxis for t in fig.data] == ["x"] * 3 + ["x2"] * 3
    assert [t.showlegend for t in fig.data] == [True] * 3 + [False] * 3
    assert fig.layout.uirevision == TRAINING_CURVES_REVISION
    assert fig.layout.template.layout.plot_bgcolor == "white"  # plotly_white
    assert fig.layout.yaxis.title.text == "Loss"
    assert fig.layout.yaxis2.title.text == "Accuracy"
    assert fig.layout.xaxis.title.text == "Epoch"
    assert WAITING_TEXT not in annotation_texts(fig)


@pytest.mark.parametrize("events", [[], [start()]], ids=["no-events", "start-only"])
def test_training_curves_before_the_first_batch(events):
    fig = training_curves(events)
    # Same traces as later, only empty, so a live redraw changes data and nothing else.
    assert [t.name for t in fig.data] == TRACE_NAMES
    assert all(len(t.x) == 0 for t in fig.data)
    assert WAITING_TEXT in annotation_texts(fig)
    assert fig.layout.uirevision == TRAINING_CURVES_REVISION


def test_training_curves_only_batches_and_many_events():
    only_batches = traces(training_curves([start(), batch(1, 1, 0.7, 0.5)]))
    assert list(only_batches["loss-batch"].x) == [0.25]
    assert len(only_batches["loss-epoch"].x) == 0 and len(only_batches["accuracy-val"].x) == 0

    per_epoch = 500
    events = [start(per_epoch, epochs=20)]
    for e in range(1, 21):
        events += [batch(e, b, 1 / (e + b), 0.5) for b in range(1, per_epoch + 1)]
        events.append(epoch(e, per_epoch, 1 / e, 0.5, 1 / e, 0.5))
    fig = training_curves(events)
    assert [t.name for t in fig.data] == TRACE_NAMES
    by_uid = traces(fig)
    assert len(by_uid["loss-batch"].x) == 20 * per_epoch + 19  # one gap between epochs
    assert by_uid["loss-batch"].x[-1] == pytest.approx(20.0)
    assert list(by_uid["loss-val"].x) == [float(e) for e in range(1, 21)]


def test_training_curves_without_a_start_event_infers_batches_per_epoch():
    by_uid = traces(training_curves(EVENTS[1:]))  # the largest batch number seen is 4
    assert list(by_uid["loss-batch"].x) == [0.25, 1.0, None, 1.5]


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


# --- class_balance_figure and length_histogram ------------------------------------------------


def test_class_balance_counts_and_shares():
    fig = class_balance_figure({"neg": 30, "pos": 10})
    bars = fig.data[0]
    assert list(bars.x) == ["neg", "pos"] and list(bars.y) == [30, 10]
    assert_allclose(bars.customdata, [0.75, 0.25])
    assert "%{customdata:.1%}" in bars.texttemplate
    assert fig.layout.shapes[0].y0 == 20  # the balanced count
    assert fig.layout.xaxis.type == "category"


def test_length_histogram_bins_and_max_len_lines():
    lengths = [3, 5, 5, 8, 12, 40, 41, 90]
    fig = length_histogram(lengths, suggested_max_len=40, max_len=64)
    bars = fig.data[0]
    assert sum(bars.y) == len(lengths)
    assert bars.width == 2  # ceil(91 / 60)
    assert bars.x[0] == 1.0 and bars.y[0] == 0  # bin [0, 1]: no text that short
    assert [(s.x0, s.x1) for s in fig.layout.shapes] == [(40, 40), (64, 64)]
    texts = annotation_texts(fig)
    assert texts == ["suggested max_len 40: 25% of texts cut", "max_len 64: 12% of texts cut"]


def test_length_histogram_one_line_when_max_len_is_the_suggestion():
    fig = length_histogram([1, 2, 3], suggested_max_len=8, max_len=8)
    assert [s.x0 for s in fig.layout.shapes] == [8]
    assert annotation_texts(fig) == ["suggested max_len 8: 0% of texts cut"]
    assert length_histogram([], 8).data == ()


# --- escaping user strings --------------------------------------------------------------------


def figure_text(fig: go.Figure) -> str:
    """The figure as JSON, without the ``<`` escaping of ``fig.to_json()`` that would hide tags."""
    return json.dumps(fig.to_plotly_json(), cls=PlotlyJSONEncoder)


def test_esc():
    assert _esc(EVIL) == EVIL_ESCAPED
    assert _esc("a & b") == "a &amp; b"
    assert _esc(3) == "3"


def test_user_labels_are_escaped_in_every_figure():
    labels = [EVIL, "pos"]
    figures = [
        confusion_matrix_figure([[1, 0], [0, 1]], labels, title=f"Matrix {EVIL}"),
        roc_figure(["pos", EVIL], np.array([[0.9, 0.1], [0.2, 0.8]]), ["pos", EVIL]),
        roc_figure([EVIL, "pos", "c"], np.eye(3), [*labels, "c"]),
        class_balance_figure({EVIL: 3, "pos": 4}),
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
