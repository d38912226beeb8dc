"""Small hand-made inputs and readers shared by the figure tests."""

import json

import numpy as np
import plotly.graph_objects as go
from plotly.utils import PlotlyJSONEncoder

from lstm_core.inspect.gates import TRACE_FIELDS, LayerTrace
from lstm_core.inspect.run import Trajectory

EVIL = "<img src=x onerror=alert(1)>"
EVIL_ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"
TOKENS = ["the", "food", "was", "not", "good", "the"]  # "the" twice: two columns, not one


def annotation_texts(fig: go.Figure) -> list[str]:
    return [a.text for a in fig.layout.annotations]


def figure_text(fig: go.Figure) -> str:
    """The figure as JSON, without the ``<`` escaping of ``fig.to_json()`` that would hide tags."""
    return json.dumps(fig.to_plotly_json(), cls=PlotlyJSONEncoder)


def colorscale(name: str):
    """A named scale as Plotly stores it in a figure."""
    return go.layout.Coloraxis(colorscale=name).colorscale


def subplot_titles(fig: go.Figure) -> list[str]:
    return [a.text for a in fig.layout.annotations if a.yref == "paper"]


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
