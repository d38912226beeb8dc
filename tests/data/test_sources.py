import pandas as pd
import pytest

from lstm_core.data.sources import load_source
from lstm_core.errors import StudioError


def test_builtin_demo_sources_need_no_file():
    english = load_source("demo-en", demo_rows=100)
    chinese = load_source("demo-zh", demo_rows=100)
    assert len(english.frame) == 100 and english.rows_total == 100 and english.dropped == {}
    assert chinese.frame["text"].str.contains("[\u4e00-\u9fff]").all()


def test_a_file_with_guessed_columns_and_a_rating_threshold(tmp_path):
    path = tmp_path / "reviews.csv"
    pd.DataFrame({
        "id": range(20),
        "review": [f"review number {i} was {'great' if i % 2 else 'awful'}" for i in range(20)],
        "stars": [5, 1] * 10,
    }).to_csv(path, index=False)
    examples = load_source(str(path), rating_threshold=3)
    assert (examples.text_col, examples.label_col) == ("review", "stars")
    assert set(examples.frame["label"]) == {"positive", "negative"}


def test_unguessable_columns_ask_the_user_to_name_them(tmp_path):
    path = tmp_path / "numbers.csv"
    pd.DataFrame({"a": range(30), "b": range(30)}).to_csv(path, index=False)
    with pytest.raises(StudioError, match="name the text column and the label column"):
        load_source(str(path))
