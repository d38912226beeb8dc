"""The timelapse figure: a frame per snapshot, Play and a slider, fixed colour scales."""

from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose

from lstm_core.figures.timelapse import timelapse_figure, verdict_flips
from lstm_core.inspect.run import GateTrace, Trajectory
from lstm_core.inspect.timelapse import TimelapseFrame
from lstm_core.store.snapshots import Snapshot
from tests.figures.samples import EVIL, EVIL_ESCAPED, TOKENS, figure_text, lstm_trace

EPOCHS = (0.0, 0.3, 1.0, 2.0)


def frames(tokens=TOKENS, labels=("negative", "positive"), best=2.0) -> list[TimelapseFrame]:
    """p(positive) = 0.2 * index + position / 100: the verdict turns positive at epoch 2."""
    positions = np.arange(len(tokens)) / 100
    found = []
    for index, epoch in enumerate(EPOCHS):
        positive = 0.2 * index + positions
        trajectory = Trajectory(list(tokens), list(labels),
                                np.stack([1 - positive, positive], 1), "m")
        trace = lstm_trace(tokens)
        trace.values["cell"] = trace.values["cell"] * (index + 1)  # grows: 10 at the end
        snapshot = Snapshot(index, int(epoch * 10), epoch, Path("x"), best=epoch == best)
        found.append(TimelapseFrame(snapshot, trajectory,
                                    GateTrace(list(tokens), [0] * len(tokens), [trace])))
    return found


def test_a_frame_per_snapshot_and_the_slider_starts_where_asked():
    read = frames()
    fig = timelapse_figure(read, start=1)
    assert [frame.name for frame in fig.frames] == ["0", "1", "2", "3"]
    for frame, index in zip(fig.frames, range(4), strict=True):
        assert_allclose(frame.data[1].y, 0.2 * index + np.arange(6) / 100, atol=1e-6)
        heatmap = frame.data[-1]
        assert heatmap.type == "heatmap"
        forget = read[index].gates.layers[0].values["forget_gate"]
        assert_allclose(heatmap.z, forget.T, atol=1e-6)
    assert_allclose(fig.data[1].y, fig.frames[1].data[1].y)  # frame 1 shown first
    (slider,) = fig.layout.sliders
    assert slider.active == 1
    assert [step.label for step in slider.steps] == ["0", "0.3", "1",
                                                     "2 (best) · verdict flips"]
    assert [b.label for b in fig.layout.updatemenus[0].buttons] == ["Play", "Pause"]
    play = fig.layout.updatemenus[0].buttons[0].args[1]
    assert play["fromcurrent"] and play["frame"]["redraw"]
    assert timelapse_figure(read).layout.sliders[0].active == 3  # the last by default
    assert verdict_flips(read) == [3]


def test_tokens_where_the_verdict_flips_are_starred_in_each_frame():
    read = frames()
    read[3] = TimelapseFrame(read[3].snapshot, Trajectory(
        TOKENS, ["negative", "positive"],
        np.array([[0.4, 0.6], [0.3, 0.7], [0.2, 0.8], [0.9, 0.1], [0.8, 0.2], [0.7, 0.3]]),
        "m"), read[3].gates)
    fig = timelapse_figure(read)
    stars = fig.frames[3].data[2]
    assert list(stars.x) == [4] and list(stars.text) == ["flips to negative"]
    assert list(fig.frames[0].data[2].x) == []  # no flip inside the sentence at the start


def test_gates_keep_zero_to_one_and_states_one_scale_centred_over_all_frames():
    gate = timelapse_figure(frames(), field="input_gate").layout.coloraxis
    assert (gate.cmin, gate.cmax) == (0.0, 1.0)
    state = timelapse_figure(frames(), field="cell").layout.coloraxis
    bound = max(float(np.abs(f.gates.layers[0].values["cell"]).max()) for f in frames())
    assert (state.cmin, state.cmax, state.cmid) == (-bound, bound, 0.0)


def test_tokens_are_escaped_and_what_cannot_be_drawn_is_refused():
    text = figure_text(timelapse_figure(frames(["good", EVIL], [EVIL, "pos"])))
    assert "<img" not in text and EVIL_ESCAPED in text
    with pytest.raises(ValueError, match="at least one"):
        timelapse_figure([])
    with pytest.raises(ValueError, match="start must be a frame index from 0 to 3"):
        timelapse_figure(frames(), start=4)
    with pytest.raises(ValueError, match="no layer 'recurrent_9'"):
        timelapse_figure(frames(), layer="recurrent_9")
    with pytest.raises(ValueError, match="field must be one of"):
        timelapse_figure(frames(), field="update_gate")
