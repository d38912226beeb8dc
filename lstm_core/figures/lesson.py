"""The "why gates" lesson in two figures: accuracy by the deciding word's distance from the end,
per cell, and the gradient's size at each token of one sentence, per cell."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go

from lstm_core.config import CELL_NAMES
from lstm_core.figures.style import (
    GREY,
    PALETTE,
    add_note,
    esc,
    style_figure,
    token_positions,
    token_ticks,
)

CHANCE = 0.5  # two balanced classes


def distance_figure(table: pd.DataFrame) -> go.Figure:
    """One line per cell: test accuracy against the distance between the deciding word and the
    end of the text (``inspect.lesson.accuracy_by_distance``)."""
    fig = go.Figure()
    for index, (cell, rows) in enumerate(table.groupby("cell", sort=False)):
        fig.add_trace(go.Scatter(
            x=rows["distance"], y=rows["accuracy"], mode="lines+markers",
            name=CELL_NAMES.get(cell, esc(cell)), line={"color": PALETTE[index % len(PALETTE)]},
            customdata=rows["texts"],
            hovertemplate="%{y:.0%} of %{customdata} texts<extra>%{fullData.name}</extra>"))
    fig.add_hline(y=CHANCE, line={"color": GREY, "dash": "dot"},
                  annotation_text="guessing", annotation_position="bottom right")
    style_figure(fig, "Accuracy by the deciding word's distance from the end",
                 subtitle="Test texts; the verdict must be carried to the last token",
                 x_title="tokens between the deciding word and the end",
                 y_title="test accuracy")
    fig.update_yaxes(range=[0, 1.02], tickformat=".0%")
    if table.empty:
        add_note(fig, "No lesson run has been tested yet")
    return fig


def flow_figure(tokens: list[str], norms: Mapping[str, list[float]]) -> go.Figure:
    """The loss's gradient at each token's vector, one line per cell, on a log scale: where it
    fades towards the start, the model cannot learn from those tokens."""
    fig = go.Figure()
    positions = token_positions(len(tokens))
    for index, (cell, values) in enumerate(norms.items()):
        fig.add_trace(go.Scatter(
            x=positions, y=values, mode="lines+markers", name=CELL_NAMES.get(cell, esc(cell)),
            line={"color": PALETTE[index % len(PALETTE)]},
            hovertemplate="%{y:.2e}<extra>%{fullData.name}</extra>"))
    style_figure(fig, "Gradient flow: how strongly the loss reaches each token",
                 subtitle="Size of the gradient of the loss with respect to each token's vector",
                 x_title="token", y_title="gradient norm (log scale)")
    fig.update_yaxes(type="log", exponentformat="power")
    token_ticks(fig, tokens)
    if not norms:
        add_note(fig, "No lesson run has a model yet")
    return fig
