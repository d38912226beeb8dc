"""The verdict token by token: trajectory and importance, as figures and as HTML."""

from html.parser import HTMLParser

import numpy as np
import pytest
from numpy.testing import assert_allclose

from lstm_core.figures.style import DIVERGING_SCALE
from lstm_core.figures.tokens import importance_figure, importance_html, trajectory_figure
from lstm_core.inspect.run import Importance, Trajectory
from tests.figures.samples import (
    EVIL,
    EVIL_ESCAPED,
    TOKENS,
    annotation_texts,
    colorscale,
    figure_text,
    trajectory,
)


def test_trajectory_figure_probabilities_per_class_and_flips():
    fig = trajectory_figure(trajectory())
    negative, positive = fig.data
    assert list(positive.x) == [1, 2, 3, 4, 5, 6] and list(positive.text) == TOKENS
    assert_allclose(negative.y, [0.4, 0.3, 0.3, 0.8, 0.7, 0.4])
    assert positive.mode == "lines+markers"
    assert "p(positive) %{y:.3f}" in positive.hovertemplate
    assert list(fig.layout.xaxis.ticktext) == TOKENS
    assert tuple(fig.layout.yaxis.range) == (0, 1)
    assert [(s.y0, s.line.dash) for s in fig.layout.shapes] == [(0.5, "dash")]
    assert fig.layout.title.subtitle.text == "the classifier on the hidden state after each token"
    flips = fig.layout.annotations
    assert [a.text for a in flips] == ["flips to negative at 'not'",
                                       "flips to positive at 'the'"]
    assert [(a.x, a.y) for a in flips] == [(4, pytest.approx(0.8)), (6, pytest.approx(0.6))]


def test_trajectory_figure_three_classes_no_flip_and_no_tokens():
    probabilities = np.array([[0.5, 0.3, 0.2], [0.6, 0.2, 0.2]])
    fig = trajectory_figure(Trajectory(["a", "b"], ["x", "y", "z"], probabilities, "m"))
    assert [t.name for t in fig.data] == ["p(x)", "p(y)", "p(z)"]
    assert not fig.layout.shapes and not fig.layout.annotations  # no 0.5 line, no flip
    empty = trajectory_figure(Trajectory([], ["x", "y"], np.zeros((0, 2)), "m"))
    assert empty.data == () and annotation_texts(empty) == ["No tokens to show"]


def test_importance_figure_colours_each_token_by_its_score():
    scores = np.array([0.1, -0.2, 0.0, 0.5, 0.05, 0.0])
    fig = importance_figure(Importance(TOKENS, "negative", scores, 0.6))
    cells = fig.data[0]
    assert_allclose(cells.z, [scores])
    assert [list(row) for row in cells.text] == [TOKENS] and cells.texttemplate == "%{text}"
    assert list(cells.x) == [1, 2, 3, 4, 5, 6]
    assert cells.zmid == 0 and cells.colorscale == colorscale(DIVERGING_SCALE)
    assert "p(negative) drops by %{z:+.4f}" in cells.hovertemplate
    assert fig.layout.title.text == "Which tokens decided it: negative (60.0%)"


class _Spans(HTMLParser):
    """Tags and text of importance_html's output, with entities decoded as a browser does."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.texts, self.styles, self.titles = [], [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        attrs = dict(attrs)
        if tag == "span":
            self.styles.append(attrs["style"])
            self.titles.append(attrs["title"])

    def handle_data(self, data):
        if data.strip():
            self.texts.append(data)


def test_importance_html_escapes_every_token_and_shades_by_score():
    tokens = ["good", EVIL, "*not*", "a & b", '"quoted"', "$5"]
    scores = np.array([0.4, -0.2, 0.0, 0.1, 0.0, -0.4])
    out = importance_html(Importance(tokens, "<b>pos</b>", scores, 0.9))
    assert "<img" not in out and "<b>" not in out
    assert EVIL_ESCAPED in out and "&amp;lt;" not in out  # escaped once, not twice
    assert "&#42;not&#42;" in out  # no Markdown emphasis
    parsed = _Spans()
    parsed.feed(out)
    assert parsed.tags == ["div"] + ["span"] * len(tokens)  # nothing but our own tags
    assert parsed.texts == tokens  # a browser shows exactly the tokens
    assert "rgba(178, 24, 43, 0.85)" in parsed.styles[0]  # strongest push towards: full red
    assert "rgba(33, 102, 172, 0.425)" in parsed.styles[1]  # half as strong against: blue
    assert "rgba(33, 102, 172, 0.85)" in parsed.styles[5]
    assert ", 0.0)" in parsed.styles[2]  # no effect: no shade
    assert parsed.titles[0] == "without it p(<b>pos</b>) drops by +0.4000"
    assert "\n" not in out  # one line: Markdown keeps the HTML block whole
    assert importance_html(Importance([], "pos", np.zeros(0), 0.5)) == ""


def test_user_tokens_and_labels_are_escaped_in_the_token_figures():
    tokens = ["good", EVIL, "good"]
    traj = Trajectory(tokens, [EVIL, "pos"], np.array([[0.9, 0.1], [0.2, 0.8], [0.3, 0.7]]),
                      "m")
    figures = [
        trajectory_figure(traj),
        importance_figure(Importance(tokens, EVIL, np.array([0.1, 0.2, 0.3]), 0.7)),
    ]
    for fig in figures:
        text = figure_text(fig)
        assert "<img" not in text
        assert EVIL_ESCAPED in text
    assert figures[0].data[0].name == f"p({EVIL_ESCAPED})"
    assert f"flips to pos at '{EVIL_ESCAPED}'" in annotation_texts(figures[0])
    assert EVIL_ESCAPED in figures[1].layout.title.text


def test_token_figures_from_a_real_run(real_run):
    text = "the food was not good but the service was great"
    traj = real_run.trajectory(text)
    assert_allclose(trajectory_figure(traj).data[1].y, traj.probabilities[:, 1])
    importance = real_run.importance(text)
    assert_allclose(importance_figure(importance).data[0].z[0], importance.scores)
    assert importance_html(importance).count("<span") == len(importance.tokens)
