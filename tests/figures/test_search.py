"""Settings against validation accuracy: one parallel-coordinates line per scored trial."""

import math

import plotly.graph_objects as go

from lstm_core.figures.search import NO_SCORE_TEXT, search_parallel_coordinates
from tests.figures.samples import EVIL, EVIL_ESCAPED, annotation_texts, figure_text


def trial(number, cell, units, rate, accuracy, bidirectional=False, state="finished"):
    return {"number": number, "state": state, "val_accuracy": accuracy,
            "params": {"cell": cell, "units": units, "bidirectional": bidirectional,
                       "learning_rate": rate, "dropout": 0.1 * number}}


TRIALS = [
    trial(0, "lstm", 64, 1e-3, 0.80),
    trial(1, "gru", 32, 3e-4, 0.70, bidirectional=True, state="pruned"),
    trial(2, "gru", 128, 3e-3, 0.90),
    trial(3, "lstm", 64, 1e-3, None, state="running"),  # no epoch yet: left out
]


def test_one_axis_per_setting_then_the_accuracy_and_one_line_per_scored_trial():
    fig = search_parallel_coordinates(TRIALS)
    [trace] = fig.data
    assert isinstance(trace, go.Parcoords)
    labels = [d.label for d in trace.dimensions]
    assert labels == ["Cell", "Units", "Bidirectional", "Learning rate", "Dropout",
                      "Validation accuracy"]
    assert list(trace.dimensions[-1]["values"]) == [0.80, 0.70, 0.90]
    assert list(trace.line.color) == [0.80, 0.70, 0.90]
    cell = trace.dimensions[0]
    assert list(cell.ticktext) == ["gru", "lstm"] and list(cell["values"]) == [1, 0, 0]
    assert list(trace.dimensions[1]["values"]) == [64, 32, 128]
    assert list(trace.dimensions[2].ticktext) == ["False", "True"]


def test_learning_rates_are_spaced_by_factor_and_labelled_as_rates():
    rate = search_parallel_coordinates(TRIALS).data[0].dimensions[3]
    assert [round(v, 6) for v in rate["values"]] == [round(math.log10(v), 6)
                                                      for v in (1e-3, 3e-4, 3e-3)]
    assert list(rate.ticktext) == ["0.0003", "0.001", "0.003"]


def test_user_text_is_shown_not_rendered():
    fig = search_parallel_coordinates([trial(0, EVIL, 8, 1e-3, 0.5)])
    assert EVIL_ESCAPED in list(fig.data[0].dimensions[0].ticktext)
    assert EVIL not in figure_text(fig)


def test_without_a_scored_trial_the_figure_says_so():
    fig = search_parallel_coordinates(TRIALS[3:])
    assert not fig.data and annotation_texts(fig) == [NO_SCORE_TEXT]
