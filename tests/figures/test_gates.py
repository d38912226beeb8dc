"""Inside the network: heatmaps, unit lines, gate saturation, two texts compared."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from lstm_core.figures.gates import comparison_figure, gate_heatmaps, saturation_figure, unit_lines
from lstm_core.figures.style import DIVERGING_SCALE, GATE_SCALE
from lstm_core.inspect.gates import TRACE_FIELDS, LayerTrace
from lstm_core.inspect.run import Trajectory
from tests.figures.samples import (
    EVIL,
    EVIL_ESCAPED,
    TOKENS,
    annotation_texts,
    colorscale,
    figure_text,
    lstm_trace,
    subplot_titles,
    trajectory,
)


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


def test_user_tokens_and_labels_are_escaped_in_the_gate_figures():
    tokens = ["good", EVIL, "good"]
    trace = lstm_trace(tokens, units=2)
    traj = Trajectory(tokens, [EVIL, "pos"], np.array([[0.9, 0.1], [0.2, 0.8], [0.3, 0.7]]),
                      "m")
    result = comparison_result()
    result["tokens_b"][3] = EVIL
    figures = [
        gate_heatmaps(trace, tokens),
        unit_lines(trace, tokens, [0], trajectory=traj),
        comparison_figure(result, [EVIL, "pos"]),
    ]
    for fig in figures:
        text = figure_text(fig)
        assert "<img" not in text
        assert EVIL_ESCAPED in text
    assert list(figures[0].layout.xaxis.ticktext)[1] == EVIL_ESCAPED
    assert f"flips to pos at '{EVIL_ESCAPED}'" in annotation_texts(figures[1])
    assert list(figures[2].layout.xaxis2.ticktext)[3] == f"— / {EVIL_ESCAPED}"


def test_gate_figures_from_a_real_run(real_run):
    text = "the food was not good but the service was great"
    gates = real_run.gates(text)
    layer = gates.layer("recurrent_1")
    units = layer.values["hidden"].shape[1]
    heatmaps = gate_heatmaps(layer, gates.tokens, units=[units - 1, 0])
    assert len(heatmaps.data) == 6 and np.shape(heatmaps.data[0].z) == (2, len(gates.tokens))
    assert list(heatmaps.layout.xaxis.ticktext) == gates.tokens
    lines = unit_lines(layer, gates.tokens, [0, 1], trajectory=real_run.trajectory(text))
    assert [t.name for t in lines.data[2:]] == [f"p({label})" for label in real_run.labels]
    stats = real_run.gate_stats([text, "the plot was dull"])
    saturation = saturation_figure(stats)
    assert [len(t.x) for t in saturation.data[1:]] == [units] * 3
    result = real_run.compare("the food was good", "the food was not good")
    comparison = comparison_figure(result, real_run.labels)
    assert list(comparison.layout.xaxis2.ticktext)[3] == "— / not"
    assert comparison.data[-1].z[0][3] is None
