"""One sentence as the run learned it: the probability after each token over one gate or state
heatmap, a frame per snapshot, with a Play button and a slider through training time.

Drawn from ``inspect.timelapse.timelapse`` (or frames the web process read one snapshot at a
time). Plotly frames animate in the browser, so the same figure plays in the app and in the
offline HTML report.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from lstm_core.config import CELL_NAMES
from lstm_core.errors import StudioError
from lstm_core.figures.gates import FIELD_NAMES
from lstm_core.figures.style import (
    DIVERGING_SCALE,
    GATE_SCALE,
    GREY,
    NO_TOKENS_TEXT,
    PALETTE,
    VERMILLION,
    add_note,
    esc,
    style_figure,
    token_positions,
    token_ticks,
)
from lstm_core.inspect.gates import SATURATING
from lstm_core.store.snapshots import format_epoch

if TYPE_CHECKING:  # only for annotations: figures stay importable without the model code
    from lstm_core.inspect.timelapse import TimelapseFrame

PLAY_FRAME_MS = 600  # how long Play shows each snapshot
TITLE = "Inside, as it learned"


def frame_label(frame: TimelapseFrame, flipped: bool = False) -> str:
    """The slider's label of a snapshot: "0.3", "2 (best)", "0.1 · verdict flips"."""
    label = format_epoch(frame.snapshot.epoch)
    if frame.snapshot.best:
        label += " (best)"
    if flipped:
        label += " · verdict flips"
    return label


def verdict_flips(frames: Sequence[TimelapseFrame]) -> list[int]:
    """Indices of the frames whose final verdict differs from the frame before."""
    verdicts = [frame.verdict for frame in frames]
    return [i for i in range(1, len(verdicts)) if verdicts[i] != verdicts[i - 1]]


def _traces(frame: TimelapseFrame, layer: str, direction: str,
            field: str) -> list[go.BaseTraceType]:
    """The frame's traces, always the same number in the same order (plotly animates by index)."""
    trajectory = frame.trajectory
    positions = token_positions(len(trajectory.tokens))
    tokens = [esc(token) for token in trajectory.tokens]
    probabilities = np.asarray(trajectory.probabilities, dtype=float).reshape(
        len(trajectory.tokens), len(trajectory.labels))
    traces: list[go.BaseTraceType] = []
    for k, label in enumerate(trajectory.labels):
        name = f"p({esc(label)})"
        traces.append(go.Scatter(
            x=positions, y=probabilities[:, k].round(6).tolist(), text=tokens, name=name,
            mode="lines+markers", line={"color": PALETTE[k % len(PALETTE)], "width": 2},
            hovertemplate=f"after '%{{text}}'<br>{name} %{{y:.3f}}<extra></extra>",
            xaxis="x", yaxis="y"))
    predicted = probabilities.argmax(axis=1) if len(probabilities) else np.zeros(0, int)
    flips = [t for t in range(1, len(predicted)) if predicted[t] != predicted[t - 1]]
    traces.append(go.Scatter(
        x=[t + 1 for t in flips], y=[float(probabilities[t, predicted[t]]) for t in flips],
        text=[f"flips to {esc(trajectory.labels[predicted[t]])}" for t in flips],
        mode="markers+text", textposition="top center", name="verdict flips",
        marker={"symbol": "star", "size": 14, "color": VERMILLION},
        textfont={"color": VERMILLION}, hoverinfo="text", xaxis="x", yaxis="y"))
    values = frame.gates.layer(layer, direction).values[field]
    z = np.asarray(values, dtype=float).T.round(6).tolist()  # (units, tokens)
    traces.append(go.Heatmap(
        z=z, x=positions, y=[f"unit {u}" for u in range(len(z))], text=[tokens] * len(z),
        coloraxis="coloraxis", xgap=1, ygap=1, name=FIELD_NAMES.get(field, field),
        hovertemplate="'%{text}'<br>%{y}<br>%{z:.4f}<extra></extra>", xaxis="x2", yaxis="y2"))
    return traces


def timelapse_figure(frames: Sequence[TimelapseFrame], *, layer: str = "recurrent_1",
                     direction: str = "forward", field: str = "forget_gate",
                     start: int | None = None) -> go.Figure:
    """The probability after each token (top) and ``field`` of one layer (bottom, units by
    tokens), one frame per snapshot; the slider starts at frame ``start`` (default: the last).

    A star marks each token after which the verdict flips; the slider names the snapshots
    where the final verdict flipped. Gates keep one colour scale [0, 1] over all frames, states
    one centred on 0, so colours compare across training time.

    Raises:
        ValueError: no frames, ``start`` out of range, or a layer or field the run lacks.
    """
    if not frames:
        raise ValueError("frames must hold at least one snapshot's reading; got none.")
    start = len(frames) - 1 if start is None else start
    if not 0 <= start < len(frames):
        raise ValueError(f"start must be a frame index from 0 to {len(frames) - 1}; got {start}.")
    try:
        first = frames[0].gates.layer(layer, direction)
    except StudioError as exc:  # it names the layers there are
        raise ValueError(str(exc)) from None
    if field not in first.values:
        raise ValueError(f"field must be one of {list(first.values)}; got {field!r}.")
    if field in SATURATING.get(first.cell, ()):
        scale = {"colorscale": GATE_SCALE, "cmin": 0.0, "cmax": 1.0}
    else:
        bound = max([1.0, *(float(np.abs(f.gates.layer(layer, direction).values[field]).max())
                            for f in frames if f.trajectory.tokens)])
        scale = {"colorscale": DIVERGING_SCALE, "cmin": -bound, "cmax": bound, "cmid": 0.0}

    name = FIELD_NAMES.get(field, field.replace("_", " "))
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.45, 0.55],
                        vertical_spacing=0.1, subplot_titles=[
                            "The verdict after each token",
                            f"{name}, {esc(layer)} ({esc(direction)}, "
                            f"{CELL_NAMES.get(first.cell, esc(first.cell))})"])
    flips = set(verdict_flips(frames))
    names = [str(i) for i in range(len(frames))]
    animated = [go.Frame(data=_traces(frame, layer, direction, field), name=names[i])
                for i, frame in enumerate(frames)]
    for trace in animated[start].data:
        fig.add_trace(trace)
    fig.frames = animated
    tokens = frames[0].trajectory.tokens
    if not tokens:
        add_note(fig, NO_TOKENS_TEXT)
    still = {"frame": {"duration": 0, "redraw": True}, "mode": "immediate",
             "transition": {"duration": 0}}
    fig.update_layout(
        coloraxis={**scale, "colorbar": {"title": {"text": name}, "len": 0.5, "y": 0.0,
                                         "yanchor": "bottom", "thickness": 14}},
        sliders=[{
            "active": start, "currentvalue": {"prefix": "epoch "}, "pad": {"t": 50},
            "steps": [{"label": frame_label(frame, i in flips), "method": "animate",
                       "args": [[names[i]], still]} for i, frame in enumerate(frames)],
        }],
        updatemenus=[{
            "type": "buttons", "direction": "left", "x": 0.0, "xanchor": "right", "y": -0.12,
            "yanchor": "top", "pad": {"t": 50, "r": 10}, "showactive": False,
            "buttons": [
                {"label": "Play", "method": "animate",
                 "args": [None, {"frame": {"duration": PLAY_FRAME_MS, "redraw": True},
                                 "fromcurrent": True, "transition": {"duration": 0}}]},
                {"label": "Pause", "method": "animate", "args": [[None], still]},
            ],
        }],
    )
    units = len(first.values[field][0]) if len(first.values[field]) else 0
    style_figure(fig, TITLE, subtitle=esc(frames[0].trajectory.meaning),
                 height=420 + min(400, 14 * units))
    fig.update_layout(margin={"b": 150})
    token_ticks(fig, tokens)
    fig.update_yaxes(range=[0, 1], title_text="probability", row=1, col=1)
    fig.update_yaxes(type="category", autorange="reversed", showgrid=False, row=2, col=1)
    if len(frames[0].trajectory.labels) == 2:
        fig.add_hline(y=0.5, line={"dash": "dash", "color": GREY, "width": 1}, row=1, col=1)
    return fig
