"""The "why gates" lesson on a real small training of the three cells."""

import pandas as pd
import pytest

from lstm_core import load_run
from lstm_core.data.demo import LONG_RANGE_SOURCE, cue_distance, long_range
from lstm_core.figures.lesson import distance_figure, flow_figure
from lstm_core.inspect.lesson import accuracy_by_distance
from lstm_core.jobs.lesson import LESSON_CELLS, lesson_runs
from lstm_core.store.results import read_predictions
from lstm_core.store.runs import list_runs, read_status

SENTENCE = "The soup was cold, and then we talked about the weather, and we discussed the news."


@pytest.fixture
def lesson(trained_lesson):
    root, run_dirs = trained_lesson
    for run_dir in run_dirs.values():
        assert read_status(run_dir)["status"] == "finished"
    return run_dirs, list_runs(root)


def test_the_lesson_trains_the_three_cells_on_one_test_set(lesson):
    run_dirs, summaries = lesson
    found = lesson_runs(summaries)
    assert list(found) == ["simple_rnn", "gru", "lstm"]
    assert {s.source for s in found.values()} == {LONG_RANGE_SOURCE}
    assert len({s.test_set for s in found.values()}) == 1
    assert {s.config["model"]["pooling"] for s in found.values()} == {"last"}


def test_accuracy_by_distance_counts_every_test_text_of_each_cell(lesson):
    run_dirs, _ = lesson
    table = accuracy_by_distance(run_dirs)
    assert list(table["cell"].unique()) == list(LESSON_CELLS)
    for cell, run_dir in run_dirs.items():
        predictions = read_predictions(run_dir)
        rows = table[table["cell"] == cell]
        assert rows["texts"].sum() == len(predictions)
        correct = (predictions["label"] == predictions["predicted"]).sum()
        assert (rows["accuracy"] * rows["texts"]).sum() == pytest.approx(correct)
        assert (rows["distance"] % 5 == 0).all() and rows["distance"].max() >= 30
    figure = distance_figure(table)
    assert [trace.name for trace in figure.data] == ["SimpleRNN", "GRU", "LSTM"]
    lstm = table[table["cell"] == "lstm"]
    assert list(figure.data[2].x) == list(lstm["distance"])
    assert list(figure.data[2].y) == pytest.approx(list(lstm["accuracy"]))


def test_the_flow_figure_draws_each_cells_gradient_per_token(lesson):
    run_dirs, _ = lesson
    flows = {cell: load_run(path).gradient_flow(SENTENCE) for cell, path in run_dirs.items()}
    tokens = flows["lstm"].tokens
    figure = flow_figure(tokens, {cell: flow.layers[0].norms for cell, flow in flows.items()})
    assert [trace.name for trace in figure.data] == ["SimpleRNN", "GRU", "LSTM"]
    assert all(len(trace.y) == len(tokens) for trace in figure.data)
    assert figure.layout.yaxis.type == "log"


def test_the_distance_is_counted_from_the_deciding_word_to_the_end():
    assert cue_distance(["the", "soup", "was", "cold"]) == 0
    assert cue_distance(["the", "soup", "was", "not", "cold", "at", "all"]) == 2
    assert cue_distance(["we", "talked"]) is None
    frame = long_range(50, seed=2)
    assert isinstance(frame, pd.DataFrame) and set(frame["label"]) == {"negative", "positive"}
