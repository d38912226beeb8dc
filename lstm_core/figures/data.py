"""The data check's figures: examples per class and tokens per text (``data.check.DataReport``)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from lstm_core.figures.style import (
    BLUE,
    GREEN,
    GREY,
    PALETTE,
    VERMILLION,
    add_note,
    esc,
    style_figure,
)


def class_balance_figure(class_counts: dict[str, int]) -> go.Figure:
    """Examples per class, with each class's share: accuracy flatters a model on unbalanced data.

    A dashed line marks the count every class would have if the data were balanced.

    Args:
        class_counts: class name -> number of examples (``DataReport.class_counts``).
    """
    names = [esc(label) for label in class_counts]
    counts = [int(c) for c in class_counts.values()]
    total = sum(counts)
    shares = [c / total if total else 0.0 for c in counts]
    fig = go.Figure(go.Bar(
        x=names, y=counts, customdata=shares, name="examples",
        marker={"color": [PALETTE[i % len(PALETTE)] for i in range(len(counts))]},
        texttemplate="%{y:,} (%{customdata:.1%})", textposition="outside", cliponaxis=False,
        hovertemplate="%{x}: %{y:,} examples, %{customdata:.1%}<extra></extra>",
    ))
    style_figure(fig, "Examples per class", x_title="Class", y_title="Examples", height=340)
    fig.update_xaxes(type="category")
    fig.update_layout(showlegend=False)
    if total:
        fig.add_hline(y=total / len(counts), line={"dash": "dash", "color": GREY, "width": 1},
                      annotation_text="balanced", annotation_position="top right")
    else:
        add_note(fig, "No examples")
    return fig


def length_histogram(lengths: Sequence[int], suggested_max_len: int | None = None,
                     max_len: int | None = None) -> go.Figure:
    """Tokens per text, and how many texts a given ``max_len`` would cut.

    A dashed line marks the suggested ``max_len`` and another the chosen one when it differs;
    each says what share of texts is longer and would lose its end.

    Args:
        lengths: tokens per text (``DataReport.lengths``).
        suggested_max_len: ``DataReport.suggested_max_len``, or None for no line.
        max_len: the ``max_len`` chosen in the settings, or None.
    """
    values = np.asarray(lengths, dtype=int)
    fig = go.Figure()
    if len(values):
        # Binned here, not in the browser: tens of thousands of raw lengths would travel to the
        # page on every rerun. Integer-aligned bins, at most about 60 of them.
        top = int(values.max()) + 1
        width = max(1, math.ceil(top / 60))
        edges = np.arange(0, top + width, width)
        counts, _ = np.histogram(values, bins=edges)
        fig.add_trace(go.Bar(
            x=(edges[:-1] + width / 2).tolist(), y=counts.tolist(), width=width,
            customdata=np.stack([edges[:-1], edges[1:] - 1], axis=1).tolist(),
            name="texts", marker={"color": BLUE, "line": {"width": 0}},
            hovertemplate="%{customdata[0]}-%{customdata[1]} tokens: %{y:,} texts"
                          "<extra></extra>",
        ))
    else:
        add_note(fig, "No texts")
    lines = []
    if suggested_max_len is not None:
        lines.append((int(suggested_max_len), "suggested max_len", VERMILLION, "top right"))
    if max_len is not None and max_len != suggested_max_len:
        lines.append((int(max_len), "max_len", GREEN, "top left"))
    for x, name, color, position in lines:
        cut = float(np.mean(values > x)) if len(values) else 0.0
        fig.add_vline(x=x, line={"dash": "dash", "color": color, "width": 2},
                      annotation_text=f"{name} {x}: {cut:.0%} of texts cut",
                      annotation_position=position, annotation_font_color=color)
    style_figure(fig, "Tokens per text", x_title="Tokens", y_title="Texts", height=340)
    fig.update_layout(showlegend=False, bargap=0.05)
    fig.update_xaxes(rangemode="tozero")
    return fig
