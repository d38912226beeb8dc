"""The layout, escaping and token axes every figure shares."""

import math

import plotly.graph_objects as go
import pytest

from lstm_core.figures.style import (
    PALETTE,
    add_note,
    esc,
    is_finite,
    style_figure,
    token_positions,
    token_ticks,
)
from tests.figures.samples import EVIL, EVIL_ESCAPED, annotation_texts


def test_esc():
    assert esc(EVIL) == EVIL_ESCAPED
    assert esc("a & b") == "a &amp; b"
    assert esc(3) == "3"


@pytest.mark.parametrize(("value", "finite"), [
    (0.5, True), (0, True), ("0.25", True), (None, False), (math.nan, False), (math.inf, False),
    ("n/a", False), ([1], False),
])
def test_is_finite(value, finite):
    assert is_finite(value) is finite


def test_style_figure_sets_title_axes_and_palette():
    fig = style_figure(go.Figure(), "Title", subtitle="sub", x_title="x", y_title="y", height=200)
    assert fig.layout.title.text == "Title" and fig.layout.title.subtitle.text == "sub"
    assert fig.layout.xaxis.title.text == "x" and fig.layout.yaxis.title.text == "y"
    assert fig.layout.height == 200 and tuple(fig.layout.colorway) == PALETTE
    assert fig.layout.margin.t > style_figure(go.Figure(), "No subtitle").layout.margin.t


def test_token_ticks_keep_a_column_per_token_and_escape_them():
    tokens = ["good", EVIL, "good"]
    fig = go.Figure(go.Scatter(x=token_positions(len(tokens)), y=[0, 1, 2]))
    token_ticks(fig, tokens)
    assert list(fig.layout.xaxis.tickvals) == [1, 2, 3]
    assert list(fig.layout.xaxis.ticktext) == ["good", EVIL_ESCAPED, "good"]
    assert tuple(fig.layout.xaxis.range) == (0.5, 3.5)


def test_add_note():
    fig = go.Figure()
    add_note(fig, "Nothing yet")
    assert annotation_texts(fig) == ["Nothing yet"]
