"""The verdict token by token: the probability after each token, and each token's importance.

Drawn from ``Run.trajectory`` and ``Run.importance``. ``probability_traces`` and ``mark_flips``
also draw the verdict under the Gates page's unit lines (``figures.gates.unit_lines``).
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import numpy as np
import plotly.graph_objects as go

from lstm_core.figures.style import (
    DIVERGING_SCALE,
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

if TYPE_CHECKING:  # only for annotations: figures stay importable without the model code
    from lstm_core.inspect.run import Importance, Trajectory


# importance_html: RdBu's ends, so the spans match importance_figure's colours.
TOWARDS_RGB = (178, 24, 43)
AGAINST_RGB = (33, 102, 172)
# Characters Markdown (and Streamlit's $...$ maths) would read as syntax, written as entities.
_MARKDOWN_ENTITIES = str.maketrans({c: f"&#{ord(c)};" for c in "\\`*_[]$~|"})


def _flips(probabilities: np.ndarray) -> list[int]:
    """Token indices after which the predicted class differs from the one before."""
    predicted = np.asarray(probabilities).argmax(axis=1)
    return [t for t in range(1, len(predicted)) if predicted[t] != predicted[t - 1]]


def mark_flips(fig: go.Figure, trajectory: Trajectory, **where) -> None:
    """An arrow at each token after which the verdict changes: "flips to negative at 'not'"."""
    probabilities = np.asarray(trajectory.probabilities)
    for t in _flips(probabilities):
        winner = int(probabilities[t].argmax())
        fig.add_annotation(
            x=t + 1, y=float(probabilities[t, winner]), showarrow=True, arrowhead=2, ax=0,
            ay=-30, font={"color": VERMILLION},
            text=f"flips to {esc(trajectory.labels[winner])} at '{esc(trajectory.tokens[t])}'",
            **where)


def probability_traces(fig: go.Figure, trajectory: Trajectory, dash: str = "solid",
                       **where) -> None:
    """One line per class: its probability after each token."""
    positions = token_positions(len(trajectory.tokens))
    tokens = [esc(token) for token in trajectory.tokens]
    probabilities = np.asarray(trajectory.probabilities, dtype=float)
    for k, label in enumerate(trajectory.labels):
        name = f"p({esc(label)})"
        fig.add_trace(go.Scatter(
            x=positions, y=probabilities[:, k].tolist(), text=tokens, name=name,
            mode="lines+markers", marker={"size": 7, "symbol": "diamond" if dash != "solid"
                                          else "circle"},
            line={"color": PALETTE[k % len(PALETTE)], "width": 2, "dash": dash},
            legendgroup="probability", cliponaxis=False,
            hovertemplate=f"after '%{{text}}' (position %{{x}})<br>{name} %{{y:.3f}}"
                          "<extra></extra>",
        ), **where)



def trajectory_figure(trajectory: Trajectory) -> go.Figure:
    """The verdict as the text goes on: each class's probability after each token.

    x ticks are the tokens, y is fixed to [0, 1], a dashed line marks 0.5 when there are two
    classes, and an arrow marks each token after which the predicted class flips ("flips to
    negative at 'not'"). The subtitle says what the curve means for this run
    (``Trajectory.meaning``).

    Args:
        trajectory: ``Run.trajectory(text)``; probabilities of shape (tokens, classes).

    Raises:
        ValueError: if the probabilities do not have one row per token and one column per class.
    """
    probabilities = np.asarray(trajectory.probabilities, dtype=float)
    shape = (len(trajectory.tokens), len(trajectory.labels))
    if probabilities.shape != shape and probabilities.size:
        raise ValueError(f"trajectory.probabilities must have shape (tokens, classes) = {shape}, "
                         f"got {probabilities.shape}.")
    fig = go.Figure()
    if probabilities.size:
        probability_traces(fig, trajectory)
        mark_flips(fig, trajectory)
    else:
        add_note(fig, NO_TOKENS_TEXT)
    style_figure(fig, "Probability after each token", subtitle=esc(trajectory.meaning),
                 y_title="probability", height=380)
    token_ticks(fig, trajectory.tokens)
    fig.update_yaxes(range=[0, 1])
    if len(trajectory.labels) == 2:
        fig.add_hline(y=0.5, line={"dash": "dash", "color": GREY, "width": 1})
    return fig


def importance_figure(importance: Importance) -> go.Figure:
    """The text as a row of coloured cells: how much each token argues for the verdict.

    A one-row heatmap whose cells read the tokens; red pushes towards the predicted class,
    blue against it (diverging, white at 0). The hover gives the exact score: how much the
    predicted class's probability drops when that token is removed.

    Args:
        importance: ``Run.importance(text)``; ``scores`` has shape (tokens,).
    """
    scores = np.asarray(importance.scores, dtype=float).reshape(-1)
    if len(scores) != len(importance.tokens):
        raise ValueError(f"importance.scores has {len(scores)} values but there are "
                         f"{len(importance.tokens)} tokens.")
    label = esc(importance.label)
    fig = go.Figure(go.Heatmap(
        z=[scores.tolist()], x=token_positions(len(scores)), y=["tokens"],
        text=[[esc(token) for token in importance.tokens]], texttemplate="%{text}",
        colorscale=DIVERGING_SCALE, zmid=0.0, xgap=2, name="importance",
        colorbar={"title": {"text": "drop in p"}, "thickness": 14},
        hovertemplate=f"'%{{text}}' (position %{{x}})<br>without it p({label}) drops by "
                      "%{z:+.4f}<extra></extra>",
    ))
    style_figure(fig, f"Which tokens decided it: {label} ({importance.probability:.1%})",
                 subtitle="red pushes towards the verdict, blue against (removing the token and "
                          "predicting again)", height=260)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    if not len(scores):
        add_note(fig, NO_TOKENS_TEXT)
    return fig


def importance_html(importance: Importance) -> str:
    """The text as HTML spans shaded by importance, for ``st.markdown(unsafe_allow_html=True)``.

    Red shades push towards the verdict, blue against it, stronger for larger scores (scaled
    to the largest absolute score). Every token is HTML-escaped and Markdown's special
    characters are written as entities, so no token can inject markup. One ``<div>`` on one
    line, so Markdown leaves its inside alone; the exact score is in each span's tooltip.

    Args:
        importance: ``Run.importance(text)``.

    Returns:
        The HTML; an empty string when there are no tokens.

    Example:
        >>> st.markdown(importance_html(run.importance("not good")), unsafe_allow_html=True)
    """
    scores = np.asarray(importance.scores, dtype=float).reshape(-1)
    if len(scores) != len(importance.tokens):
        raise ValueError(f"importance.scores has {len(scores)} values but there are "
                         f"{len(importance.tokens)} tokens.")
    if not len(scores):
        return ""
    largest = float(np.abs(scores).max()) or 1.0
    label = html.escape(str(importance.label)).translate(_MARKDOWN_ENTITIES)
    spans = []
    for token, score in zip(importance.tokens, scores, strict=True):
        strength = min(abs(score) / largest, 1.0)
        red, green, blue = TOWARDS_RGB if score >= 0 else AGAINST_RGB
        alpha = round(0.85 * strength, 3)
        colour = "white" if alpha > 0.5 else "inherit"
        text = html.escape(str(token)).translate(_MARKDOWN_ENTITIES)
        spans.append(
            f'<span style="background-color: rgba({red}, {green}, {blue}, {alpha}); '
            f'color: {colour}; padding: 0.1em 0.25em; margin: 0 0.1em; border-radius: 0.25em" '
            f'title="without it p({label}) drops by {score:+.4f}">{text}</span>')
    return f'<div style="line-height: 2">{" ".join(spans)}</div>'
