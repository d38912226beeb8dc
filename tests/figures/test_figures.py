"""What each figure shows: traces, data, lines and labels, checked on small hand-made inputs."""

import json
import re
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from numpy.testing import assert_allclose
from plotly.utils import PlotlyJSONEncoder
from sklearn.metrics import auc, roc_curve

from lstm_core.figures.figures import (
    CURVE_TRACES,
    DIVERGING_SCALE,
    GATE_SCALE,
    TRAINING_CURVES_REVISION,
    WAITING_TEXT,
    _esc,
    accuracy_comparison,
    class_balance_figure,
    comparison_figure,
    confusion_matrix_figure,
    gate_heatmaps,
    importance_figure,
    importance_html,
    length_histogram,
    roc_figure,
    saturation_figure,
    training_curves,
    trajectory_figure,
    unit_lines,
)
from lstm_core.inspect.gates import TRACE_FIELDS, LayerTrace
from lstm_core.inspect.run import Importance, Trajectory

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


# --- inside the network: hand-made traces -----------------------------------------------------

TOKENS = ["the", "food", "was", "not", "good", "the"]  # "the" twice: two columns, not one


def lstm_trace(tokens=TOKENS, units=3) -> LayerTrace:
    """Field k holds k + t / 10 + u / 100 at (token t, unit u); gates scaled into [0, 1] and
    the cell state reaching 2.5, past the ±1 of the other states."""
    t, u = np.meshgrid(np.arange(len(tokens)), np.arange(units), indexing="ij")
    values = {}
    for k, name in enumerate(TRACE_FIELDS["lstm"]):
        values[name] = (k + t / 10 + u / 100) / 10 if "gate" in name else (t - u) / 10
    values["cell"] = values["cell"].copy()
    values["cell"][0, 0] = 2.5
    return LayerTrace("recurrent_1", "forward", "lstm", values)


def trajectory(tokens=TOKENS, positive=(0.6, 0.7, 0.7, 0.2, 0.3, 0.6)) -> Trajectory:
    p = np.asarray(positive, dtype=float)
    return Trajectory(list(tokens), ["negative", "positive"], np.column_stack([1 - p, p]),
                      "the classifier on the hidden state after each token")


def colorscale(name: str):
    """A named scale as Plotly stores it in a figure."""
    return go.layout.Coloraxis(colorscale=name).colorscale


def subplot_titles(fig: go.Figure) -> list[str]:
    return [a.text for a in fig.layout.annotations if a.yref == "paper"]


def test_gate_heatmaps_one_panel_per_field_with_tokens_units_and_values():
    trace = lstm_trace()
    fig = gate_heatmaps(trace, TOKENS, units=[2, 0])
    assert [t.name for t in fig.data] == ["input gate", "forget gate", "candidate",
                                          "output gate", "cell state", "hidden state"]
    assert subplot_titles(fig) == [t.name for t in fig.data]
    for heatmap, name in zip(fig.data, TRACE_FIELDS["lstm"], strict=True):
        assert list(heatmap.x) == [1, 2, 3, 4, 5, 6]  # positions: both "the" keep a column
        assert list(heatmap.y) == ["unit 2", "unit 0"]  # chosen order, first on top
        assert_allclose(heatmap.z, trace.values[name][:, [2, 0]].T, atol=1e-6)
        assert [list(row) for row in heatmap.text] == [TOKENS, TOKENS]
        for part in ("'%{text}'", "position %{x}", "%{y}", "%{z:.4f}"):
            assert part in heatmap.hovertemplate
    assert fig.data[0].hovertemplate.startswith("'%{text}'")
    assert "input gate %{z:.4f}" in fig.data[0].hovertemplate
    for axis in ("xaxis", "xaxis2", "xaxis6"):
        assert list(fig.layout[axis].ticktext) == TOKENS
        assert list(fig.layout[axis].tickvals) == [1, 2, 3, 4, 5, 6]
    assert fig.layout.yaxis.autorange == "reversed" and fig.layout.yaxis.type == "category"
    assert "recurrent_1" in fig.layout.title.text and "forward" in fig.layout.title.text
    # 3 rows of 2 panels: input and forget gate side by side on top.
    assert (fig.data[0].xaxis, fig.data[1].xaxis, fig.data[5].xaxis) == ("x", "x2", "x6")


def test_gate_heatmaps_share_a_gate_scale_and_a_state_scale():
    fig = gate_heatmaps(lstm_trace(), TOKENS, units=[0, 1])
    assert [t.coloraxis for t in fig.data] == ["coloraxis", "coloraxis", "coloraxis2",
                                               "coloraxis", "coloraxis2", "coloraxis2"]
    gates, states = fig.layout.coloraxis, fig.layout.coloraxis2
    assert (gates.cmin, gates.cmax) == (0.0, 1.0)
    assert gates.colorscale == colorscale(GATE_SCALE)
    # The cell state reaches 2.5: the state scale follows it, symmetric around 0.
    assert (states.cmin, states.cmax) == (-2.5, 2.5)
    assert states.colorscale == colorscale(DIVERGING_SCALE)
    assert gates.colorbar.title.text == "gate" and states.colorbar.title.text == "state"
    # Units 1 and 2 stay within ±1: the state scale never shrinks below it.
    small = gate_heatmaps(lstm_trace(), TOKENS, units=[1, 2])
    assert (small.layout.coloraxis2.cmin, small.layout.coloraxis2.cmax) == (-1.0, 1.0)


def test_gate_heatmaps_for_gru_and_simple_rnn_and_chosen_fields():
    values = {name: np.full((2, 4), 0.5) for name in TRACE_FIELDS["gru"]}
    gru = gate_heatmaps(LayerTrace("recurrent_2", "backward", "gru", values), ["a", "b"])
    assert subplot_titles(gru) == ["update gate", "reset gate", "candidate", "hidden state"]
    assert list(gru.data[0].y) == ["unit 0", "unit 1", "unit 2", "unit 3"]  # all units
    assert "GRU" in gru.layout.title.text and "backward" in gru.layout.title.text

    simple = gate_heatmaps(LayerTrace("recurrent_1", "forward", "simple_rnn",
                                      {"hidden": np.array([[0.2, -0.4]])}), ["hi"])
    assert [t.name for t in simple.data] == ["hidden state"]
    assert simple.data[0].coloraxis == "coloraxis2"
    assert simple.layout.coloraxis.cmin is None  # no gate scale without gates

    some = gate_heatmaps(lstm_trace(), TOKENS, fields=("forget_gate", "cell"))
    assert [t.name for t in some.data] == ["forget gate", "cell state"]


def test_gate_heatmaps_refuse_what_does_not_fit_the_trace():
    trace = lstm_trace()
    with pytest.raises(ValueError, match=r"tokens has 2 entries but trace has 6"):
        gate_heatmaps(trace, ["a", "b"])
    with pytest.raises(ValueError, match=r"units must be unit numbers from 0 to 2, got \[3\]"):
        gate_heatmaps(trace, TOKENS, units=[0, 3])
    with pytest.raises(ValueError, match=r"must not repeat"):
        gate_heatmaps(trace, TOKENS, units=[1, 1])
    with pytest.raises(ValueError, match=r"fields must be one of .*got 'reset_gate'"):
        gate_heatmaps(trace, TOKENS, fields=("reset_gate",))


def test_unit_lines_draw_units_over_tokens_with_the_verdict_below():
    trace = lstm_trace()
    fig = unit_lines(trace, TOKENS, [2, 0], field="hidden", trajectory=trajectory())
    unit2, unit0, negative, positive = fig.data
    assert (unit2.name, unit0.name) == ("unit 2", "unit 0")
    assert list(unit2.x) == [1, 2, 3, 4, 5, 6]
    assert_allclose(unit2.y, trace.values["hidden"][:, 2])
    assert list(unit2.text) == TOKENS and "unit 2 hidden state %{y:.4f}" in unit2.hovertemplate
    assert (negative.name, positive.name) == ("p(negative)", "p(positive)")
    assert_allclose(positive.y, [0.6, 0.7, 0.7, 0.2, 0.3, 0.6])
    assert (unit2.yaxis, positive.yaxis, positive.xaxis) == ("y", "y2", "x2")
    assert fig.layout.xaxis.matches == "x2"  # shared x: tokens line up in both panels
    assert list(fig.layout.xaxis2.ticktext) == TOKENS
    assert fig.layout.yaxis.title.text == "hidden state"
    assert tuple(fig.layout.yaxis2.range) == (0, 1)
    assert [s.y0 for s in fig.layout.shapes] == [0]  # zero line under signed states
    assert annotation_texts(fig) == ["flips to negative at 'not'",
                                     "flips to positive at 'the'"]


def test_unit_lines_gate_axis_single_panel_and_errors():
    fig = unit_lines(lstm_trace(), TOKENS, [1], field="forget_gate")
    assert [t.name for t in fig.data] == ["unit 1"]
    assert tuple(fig.layout.yaxis.range) == (0, 1) and not fig.layout.shapes
    assert "Forget gate" in fig.layout.title.text
    with pytest.raises(ValueError, match=r"field must be one of"):
        unit_lines(lstm_trace(), TOKENS, [0], field="update_gate")
    with pytest.raises(ValueError, match=r"same text"):
        unit_lines(lstm_trace(), TOKENS, [0], trajectory=trajectory(TOKENS[:5], [0.5] * 5))


def test_trajectory_figure_probabilities_per_class_and_flips():
    fig = trajectory_figure(trajectory())
    negative, positive = fig.data
    assert list(positive.x) == [1, 2, 3, 4, 5, 6] and list(positive.text) == TOKENS
    assert_allclose(negative.y, [0.4, 0.3, 0.3, 0.8, 0.7, 0.4])
    assert positive.mode == "lines+markers"
    assert "p(positive) %{y:.3f}" in positive.hovertemplate
    assert list(fig.layout.xaxis.ticktext) == TOKENS
    assert tuple(fig.layout.yaxis.range) == (0, 1)
    assert [(s.y0, s.line.dash) for s in fig.layout.shapes] == [(0.5, "dash")]
    assert fig.layout.title.subtitle.text == "the classifier on the hidden state after each token"
    flips = fig.layout.annotations
    assert [a.text for a in flips] == ["flips to negative at 'not'",
                                       "flips to positive at 'the'"]
    assert [(a.x, a.y) for a in flips] == [(4, pytest.approx(0.8)), (6, pytest.approx(0.6))]


def test_trajectory_figure_three_classes_no_flip_and_no_tokens():
    probabilities = np.array([[0.5, 0.3, 0.2], [0.6, 0.2, 0.2]])
    fig = trajectory_figure(Trajectory(["a", "b"], ["x", "y", "z"], probabilities, "m"))
    assert [t.name for t in fig.data] == ["p(x)", "p(y)", "p(z)"]
    assert not fig.layout.shapes and not fig.layout.annotations  # no 0.5 line, no flip
    empty = trajectory_figure(Trajectory([], ["x", "y"], np.zeros((0, 2)), "m"))
    assert empty.data == () and annotation_texts(empty) == ["No tokens to show"]


def test_importance_figure_colours_each_token_by_its_score():
    scores = np.array([0.1, -0.2, 0.0, 0.5, 0.05, 0.0])
    fig = importance_figure(Importance(TOKENS, "negative", scores, 0.6))
    cells = fig.data[0]
    assert_allclose(cells.z, [scores])
    assert [list(row) for row in cells.text] == [TOKENS] and cells.texttemplate == "%{text}"
    assert list(cells.x) == [1, 2, 3, 4, 5, 6]
    assert cells.zmid == 0 and cells.colorscale == colorscale(DIVERGING_SCALE)
    assert "p(negative) drops by %{z:+.4f}" in cells.hovertemplate
    assert fig.layout.title.text == "Which tokens decided it: negative (60.0%)"


class _Spans(HTMLParser):
    """Tags and text of importance_html's output, with entities decoded as a browser does."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.texts, self.styles, self.titles = [], [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        attrs = dict(attrs)
        if tag == "span":
            self.styles.append(attrs["style"])
            self.titles.append(attrs["title"])

    def handle_data(self, data):
        if data.strip():
            self.texts.append(data)


def test_importance_html_escapes_every_token_and_shades_by_score():
    tokens = ["good", EVIL, "*not*", "a & b", '"quoted"', "$5"]
    scores = np.array([0.4, -0.2, 0.0, 0.1, 0.0, -0.4])
    out = importance_html(Importance(tokens, "<b>pos</b>", scores, 0.9))
    assert "<img" not in out and "<b>" not in out
    assert EVIL_ESCAPED in out and "&amp;lt;" not in out  # escaped once, not twice
    assert "&#42;not&#42;" in out  # no Markdown emphasis
    parsed = _Spans()
    parsed.feed(out)
    assert parsed.tags == ["div"] + ["span"] * len(tokens)  # nothing but our own tags
    assert parsed.texts == tokens  # a browser shows exactly the tokens
    assert "rgba(178, 24, 43, 0.85)" in parsed.styles[0]  # strongest push towards: full red
    assert "rgba(33, 102, 172, 0.425)" in parsed.styles[1]  # half as strong against: blue
    assert "rgba(33, 102, 172, 0.85)" in parsed.styles[5]
    assert ", 0.0)" in parsed.styles[2]  # no effect: no shade
    assert parsed.titles[0] == "without it p(<b>pos</b>) drops by +0.4000"
    assert "\n" not in out  # one line: Markdown keeps the HTML block whole
    assert importance_html(Importance([], "pos", np.zeros(0), 0.5)) == ""


def gate_stats_entry(layer="recurrent_1", direction="forward"):
    return {"layer": layer, "direction": direction, "tokens": 1234, "gates": {
        "input_gate": {"left": [0.1, 0.0, 0.5], "right": [0.2, 0.9, 0.5]},
        "forget_gate": {"left": [0.0, 0.3, 0.0], "right": [1.0, 0.3, 0.6]},
        "output_gate": {"left": [0.4, 0.4, 0.4], "right": [0.1, 0.1, 0.1]},
    }}


def test_saturation_figure_one_point_per_unit_and_gate_under_the_limit_line():
    stats = [gate_stats_entry(), gate_stats_entry("recurrent_2"),
             gate_stats_entry("recurrent_2", "backward")]
    stats[1]["gates"]["input_gate"]["left"] = [0.7, 0.7, 0.7]
    fig = saturation_figure(stats)  # the last layer by default
    limit, input_gate, forget_gate, output_gate = fig.data
    assert list(limit.x) == [0, 1] and list(limit.y) == [1, 0] and limit.line.dash == "dash"
    assert (input_gate.name, forget_gate.name, output_gate.name) == (
        "input gate", "forget gate", "output gate")
    assert list(input_gate.x) == [0.7, 0.7, 0.7]  # recurrent_2 forward
    assert list(forget_gate.y) == [1.0, 0.3, 0.6]
    assert list(forget_gate.customdata) == [0, 1, 2]
    assert "unit %{customdata}" in forget_gate.hovertemplate
    assert tuple(fig.layout.xaxis.range) == (0, 1) and tuple(fig.layout.yaxis.range) == (0, 1)
    assert "(< 0.1)" in fig.layout.xaxis.title.text and "(> 0.9)" in fig.layout.yaxis.title.text
    assert "recurrent_2 (forward)" in fig.layout.title.text
    assert fig.layout.title.subtitle.text == "over 1,234 tokens"
    first = saturation_figure(stats, layer="recurrent_1")
    assert list(first.data[1].x) == [0.1, 0.0, 0.5]
    assert "backward" in saturation_figure(stats, direction="backward").layout.title.text
    assert list(saturation_figure(gate_stats_entry()).data[1].x) == [0.1, 0.0, 0.5]
    with pytest.raises(ValueError, match=r"no entry for layer 'recurrent_3'"):
        saturation_figure(stats, layer="recurrent_3")


def test_saturation_figure_without_gates_says_so():
    fig = saturation_figure([{"layer": "recurrent_1", "direction": "forward", "tokens": 5,
                              "gates": {}}])
    assert len(fig.data) == 1 and annotation_texts(fig) == ["This cell has no gates"]


def comparison_result(labels=2):
    """"the food was good" against "the food was not good", two units, one layer."""
    tokens_a, tokens_b = ["the", "food", "was", "good"], ["the", "food", "was", "not", "good"]
    probs_a = np.linspace(0.5, 0.8, 4)
    probs_b = np.array([0.5, 0.6, 0.7, 0.2, 0.1])

    def table(p):
        return np.column_stack([1 - p, p] if labels == 2 else [1 - p, p / 2, p / 2])

    return {
        "tokens_a": tokens_a, "tokens_b": tokens_b,
        "pairs": [(0, 0), (1, 1), (2, 2), (None, 3), (3, 4)],
        "trajectory_a": table(probs_a), "trajectory_b": table(probs_b),
        "layers": [{"layer": "recurrent_1", "direction": "forward", "diff": {
            "hidden": [[0.0, 0.0], [0.0, 0.0], [0.0, 0.0], None, [-0.6, 0.3]],
            "cell": [[0.0, 0.0], [0.0, 0.0], [0.0, 0.0], None, [-1.2, 0.1]],
        }}],
    }


def test_comparison_figure_aligns_trajectories_and_shows_b_minus_a():
    fig = comparison_figure(comparison_result(), ["negative", "positive"])
    line_a, line_b, diff = fig.data
    assert (line_a.name, line_b.name) == ("A: p(positive)", "B: p(positive)")
    assert list(line_a.x) == [1, 2, 3, 4, 5]
    assert_allclose(np.array(line_a.y, dtype=float), [0.5, 0.6, 0.7, np.nan, 0.8])
    assert line_a.y[3] is None and line_a.line.dash == "dot"  # A has no "not": a gap
    assert_allclose(line_b.y, [0.5, 0.6, 0.7, 0.2, 0.1])
    assert list(line_b.text) == ["the", "food", "was", "not", "good"]
    assert list(fig.layout.xaxis2.ticktext) == ["the", "food", "was", "— / not", "good"]
    assert list(diff.y) == ["unit 0", "unit 1"]
    assert [list(row) for row in diff.z] == [[0.0, 0.0, 0.0, None, -0.6],
                                             [0.0, 0.0, 0.0, None, 0.3]]
    assert diff.zmid == 0 and (diff.zmin, diff.zmax) == (-0.6, 0.6)
    assert diff.colorscale == colorscale(DIVERGING_SCALE)
    assert diff.hoverongaps is False and "%{z:+.4f}" in diff.hovertemplate
    assert (diff.xaxis, diff.yaxis) == ("x2", "y2") and fig.layout.xaxis.matches == "x2"
    assert subplot_titles(fig) == ["probability after each token", "hidden state: B minus A"]
    assert [s.y0 for s in fig.layout.shapes] == [0.5]
    cell = comparison_figure(comparison_result(), ["negative", "positive"], field="cell")
    assert cell.data[2].z[0][4] == -1.2 and cell.data[2].zmin == -1.2


def test_comparison_figure_replaced_tokens_more_classes_and_errors():
    result = comparison_result(labels=3)
    result["tokens_b"] = ["the", "food", "was", "not", "bad"]
    fig = comparison_figure(result, ["neg", "mid", "pos"])
    assert [t.name for t in fig.data[:-1]] == ["A: p(neg)", "A: p(mid)", "A: p(pos)",
                                               "B: p(neg)", "B: p(mid)", "B: p(pos)"]
    assert list(fig.layout.xaxis2.ticktext)[-1] == "good / bad"
    assert not fig.layout.shapes  # no 0.5 line for three classes
    with pytest.raises(ValueError, match=r"no layer 'recurrent_2' with direction 'forward'"):
        comparison_figure(result, ["neg", "mid", "pos"], layer="recurrent_2")
    with pytest.raises(ValueError, match=r"field must be one of \['hidden', 'cell'\]"):
        comparison_figure(result, ["neg", "mid", "pos"], field="forget_gate")
    with pytest.raises(ValueError, match=r"trajectory_a has 3 classes"):
        comparison_figure(result, ["neg", "pos"])


def test_user_tokens_and_labels_are_escaped_in_the_network_figures():
    tokens = ["good", EVIL, "good"]
    trace = lstm_trace(tokens, units=2)
    traj = Trajectory(tokens, [EVIL, "pos"], np.array([[0.9, 0.1], [0.2, 0.8], [0.3, 0.7]]),
                      "m")
    result = comparison_result()
    result["tokens_b"][3] = EVIL
    figures = [
        gate_heatmaps(trace, tokens),
        unit_lines(trace, tokens, [0], trajectory=traj),
        trajectory_figure(traj),
        importance_figure(Importance(tokens, EVIL, np.array([0.1, 0.2, 0.3]), 0.7)),
        comparison_figure(result, [EVIL, "pos"]),
    ]
    for fig in figures:
        text = figure_text(fig)
        assert "<img" not in text
        assert EVIL_ESCAPED in text
    assert list(figures[0].layout.xaxis.ticktext)[1] == EVIL_ESCAPED
    assert figures[2].data[0].name == f"p({EVIL_ESCAPED})"
    assert f"flips to pos at '{EVIL_ESCAPED}'" in annotation_texts(figures[2])
    assert EVIL_ESCAPED in figures[3].layout.title.text
    assert list(figures[4].layout.xaxis2.ticktext)[3] == f"— / {EVIL_ESCAPED}"


# --- inside the network: one real run ---------------------------------------------------------


@pytest.fixture(scope="module")
def real_run(tmp_path_factory):
    from lstm_core import load_run
    from lstm_core.training.train import create_run, train_run
    from tests.helpers import demo_examples, tiny_config

    run_dir = create_run(tiny_config(epochs=1), demo_examples(200),
                         run_dir=tmp_path_factory.mktemp("figures") / "r")
    train_run(run_dir)
    return load_run(run_dir)


def test_network_figures_from_a_real_run(real_run):
    text = "the food was not good but the service was great"
    gates = real_run.gates(text)
    layer = gates.layer("recurrent_1")
    units = layer.values["hidden"].shape[1]
    heatmaps = gate_heatmaps(layer, gates.tokens, units=[units - 1, 0])
    assert len(heatmaps.data) == 6 and np.shape(heatmaps.data[0].z) == (2, len(gates.tokens))
    assert list(heatmaps.layout.xaxis.ticktext) == gates.tokens
    traj = real_run.trajectory(text)
    lines = unit_lines(layer, gates.tokens, [0, 1], trajectory=traj)
    assert [t.name for t in lines.data[2:]] == [f"p({label})" for label in real_run.labels]
    assert_allclose(trajectory_figure(traj).data[1].y, traj.probabilities[:, 1])
    importance = real_run.importance(text)
    assert_allclose(importance_figure(importance).data[0].z[0], importance.scores)
    assert importance_html(importance).count("<span") == len(importance.tokens)
    stats = real_run.gate_stats([text, "the plot was dull"])
    saturation = saturation_figure(stats)
    assert [len(t.x) for t in saturation.data[1:]] == [units] * 3
    result = real_run.compare("the food was good", "the food was not good")
    comparison = comparison_figure(result, real_run.labels)
    assert list(comparison.layout.xaxis2.ticktext)[3] == "— / not"
    assert comparison.data[-1].z[0][3] is None


# --- overlay_curves ---------------------------------------------------------------------------
# Imported here, not in the block at the top, so this section can be added on its own.


def test_overlay_curves_draws_one_line_per_run_per_epoch_with_gaps_left_out():
    from lstm_core.figures.figures import overlay_curves

    other = [start(batches_per_epoch=2), epoch(1, 2, 0.9, 0.4, 0.8, 0.45),
             epoch(2, 2, 0.7, 0.6, 0.6, 0.62), epoch(3, 2, 0.6, 0.7, 0.5, 0.71)]
    fig = overlay_curves({"first": EVENTS, EVIL: other}, "val_accuracy")
    assert [t.name for t in fig.data] == ["first", EVIL_ESCAPED]
    # EVENTS: epoch 1 has no val_accuracy; epoch 2 stopped after 2 of 4 batches (x = 1.5).
    assert list(fig.data[0].x) == [1.5] and list(fig.data[0].y) == [0.68]
    assert list(fig.data[1].x) == [1.0, 2.0, 3.0]
    assert_allclose(fig.data[1].y, [0.45, 0.62, 0.71])
    assert fig.data[0].line.color != fig.data[1].line.color
    assert fig.data[0].marker.symbol != fig.data[1].marker.symbol
    assert fig.layout.yaxis.tickformat == ".0%"
    assert EVIL not in json.dumps(fig.to_plotly_json(), cls=PlotlyJSONEncoder)
    loss = overlay_curves({"first": EVENTS, "second": other}, "loss")
    assert_allclose(loss.data[1].y, [0.9, 0.7, 0.6])
    assert "Training loss" in loss.layout.title.text and loss.layout.yaxis.tickformat is None
    assert not loss.layout.annotations


def test_overlay_curves_says_when_there_is_nothing_and_refuses_unknown_metrics():
    from lstm_core.figures.figures import overlay_curves

    assert annotation_texts(overlay_curves({"a": [start()]})) == ["No finished epoch to show yet"]
    assert annotation_texts(overlay_curves({})) == ["Choose runs to compare"]
    with pytest.raises(ValueError, match=r"metric must be one of .*'val_accuracy'.*got 'f1'"):
        overlay_curves({"a": EVENTS}, "f1")
