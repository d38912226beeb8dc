"""What every figure shares: the palette, the colour scales, one layout, escaping, notes.

Class names and tokens come from the user's data, and Plotly renders a few HTML tags in titles,
annotations, tick labels and legend entries, so every user string passes through ``esc``
before it goes into a figure. The Okabe-Ito palette stays distinguishable under the common
forms of colour blindness.

Token axes use positions 1, 2, ... as x with the (escaped) tokens as tick labels
(``token_positions``, ``token_ticks``), so a word that occurs twice keeps two columns.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

import plotly.graph_objects as go

# Okabe & Ito (2008), "Color Universal Design": safe for protan, deutan and tritan vision.
BLUE = "#0072B2"
ORANGE = "#E69F00"
GREEN = "#009E73"
VERMILLION = "#D55E00"
SKY = "#56B4E9"
PURPLE = "#CC79A7"
YELLOW = "#F0E442"
GREY = "#7F7F7F"
PALETTE = (BLUE, ORANGE, GREEN, VERMILLION, PURPLE, SKY, YELLOW)
# Sequential and single-hued, so it reads in grey scale and for every kind of colour vision.
HEATMAP_SCALE = "Blues"

TEMPLATE = "plotly_white"

# Gates are fractions in [0, 1]: a sequential scale unlike the diverging one, so "high" never
# reads as "positive". States and the candidate are signed: diverging, white at 0, negative blue
# and positive red (ColorBrewer's RdBu, safe for the common colour-vision deficiencies).
GATE_SCALE = "Viridis"
DIVERGING_SCALE = "RdBu_r"
NO_TOKENS_TEXT = "No tokens to show"


def esc(text) -> str:
    """``text`` as literal characters for Plotly: tags and entities are shown, not rendered."""
    return html.escape(str(text), quote=False)


def style_figure(fig: go.Figure, title: str, *, subtitle: str | None = None,
                 x_title: str | None = None, y_title: str | None = None,
                 height: int = 380) -> go.Figure:
    """The layout every figure shares: template, title, axis titles, legend right of the plot."""
    title_spec = {"text": title, "x": 0.0, "xanchor": "left"}
    if subtitle:
        title_spec["subtitle"] = {"text": subtitle}
    fig.update_layout(
        template=TEMPLATE,
        title=title_spec,
        height=height,
        margin={"l": 60, "r": 20, "t": 90 if subtitle else 60, "b": 50},
        # Plotly's default place, right of the plot: it never covers a title or a subplot.
        legend={"x": 1.02, "xanchor": "left", "y": 1.0, "yanchor": "top"},
        colorway=list(PALETTE),
    )
    if x_title is not None:
        fig.update_xaxes(title_text=x_title)
    if y_title is not None:
        fig.update_yaxes(title_text=y_title)
    return fig


def add_note(fig: go.Figure, text: str) -> None:
    """A message in the middle of the plot area, for figures with nothing (yet) to show."""
    fig.add_annotation(text=text, xref="paper", yref="paper", x=0.5, y=0.5, showarrow=False,
                       font={"size": 15, "color": GREY})


def is_finite(value) -> bool:
    """A real number, not null, NaN or infinite (events.jsonl writes missing values as null)."""
    try:
        return value is not None and math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def token_positions(count: int) -> list[int]:
    """x of each token: its 1-based position in the text."""
    return list(range(1, count + 1))


def token_ticks(fig: go.Figure, labels: Sequence[str]) -> None:
    """Token labels (escaped) under the positions 1..n of every x axis of ``fig``."""
    fig.update_xaxes(tickmode="array", tickvals=token_positions(len(labels)),
                     ticktext=[esc(label) for label in labels],
                     range=[0.5, len(labels) + 0.5], showgrid=False, zeroline=False)
