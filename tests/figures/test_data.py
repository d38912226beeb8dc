"""The data check's figures: examples per class and tokens per text."""

from numpy.testing import assert_allclose

from lstm_core.figures.data import class_balance_figure, length_histogram
from tests.figures.samples import EVIL, EVIL_ESCAPED, annotation_texts, figure_text


def test_class_balance_counts_and_shares():
    fig = class_balance_figure({"neg": 30, "pos": 10})
    bars = fig.data[0]
    assert list(bars.x) == ["neg", "pos"] and list(bars.y) == [30, 10]
    assert_allclose(bars.customdata, [0.75, 0.25])
    assert "%{customdata:.1%}" in bars.texttemplate
    assert fig.layout.shapes[0].y0 == 20  # the balanced count
    assert fig.layout.xaxis.type == "category"


def test_length_histogram_bins_and_max_len_lines():
    lengths = [3, 5, 5, 8, 12, 40, 41, 90]
    fig = length_histogram(lengths, suggested_max_len=40, max_len=64)
    bars = fig.data[0]
    assert sum(bars.y) == len(lengths)
    assert bars.width == 2  # ceil(91 / 60)
    assert bars.x[0] == 1.0 and bars.y[0] == 0  # bin [0, 1]: no text that short
    assert [(s.x0, s.x1) for s in fig.layout.shapes] == [(40, 40), (64, 64)]
    texts = annotation_texts(fig)
    assert texts == ["suggested max_len 40: 25% of texts cut", "max_len 64: 12% of texts cut"]


def test_length_histogram_one_line_when_max_len_is_the_suggestion():
    fig = length_histogram([1, 2, 3], suggested_max_len=8, max_len=8)
    assert [s.x0 for s in fig.layout.shapes] == [8]
    assert annotation_texts(fig) == ["suggested max_len 8: 0% of texts cut"]
    assert length_histogram([], 8).data == ()



def test_class_names_are_escaped():
    fig = class_balance_figure({EVIL: 3, "pos": 4})
    assert "<img" not in figure_text(fig)
    assert list(fig.data[0].x)[0] == EVIL_ESCAPED
