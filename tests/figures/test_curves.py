"""Training curves of one run, and one metric of several runs overlaid."""

import json

import plotly.graph_objects as go
import pytest
from numpy.testing import assert_allclose
from plotly.utils import PlotlyJSONEncoder

from lstm_core.figures.curves import (
    CURVE_TRACES,
    TRAINING_CURVES_REVISION,
    WAITING_TEXT,
    overlay_curves,
    training_curves,
)
from tests.figures.samples import EVIL, EVIL_ESCAPED, annotation_texts

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


# --- overlay_curves ---------------------------------------------------------------------------


def test_overlay_curves_draws_one_line_per_run_per_epoch_with_gaps_left_out():
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
    assert annotation_texts(overlay_curves({"a": [start()]})) == ["No finished epoch to show yet"]
    assert annotation_texts(overlay_curves({})) == ["Choose runs to compare"]
    with pytest.raises(ValueError, match=r"metric must be one of .*'val_accuracy'.*got 'f1'"):
        overlay_curves({"a": EVENTS}, "f1")
