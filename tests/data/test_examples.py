"""Turning tables into examples: column suggestions, ratings, dropped rows and label checks."""

import pandas as pd
import pytest

from lstm_core.data.examples import (
    load_examples,
    looks_like_rating,
    suggest_columns,
    suggest_rating_threshold,
    to_examples,
)
from lstm_core.errors import StudioError

EXPECTED = pd.DataFrame([("Great phone, works well", 1), ("Broke after a day", 0)],
                        columns=["text", "label"])

# --- column suggestions and ratings --------------------------------------------------------------


def _reviews(count=30):
    return pd.DataFrame(
        {
            "id": range(count),
            "review": [f"review number {n} says the food was fine" for n in range(count)],
            "stars": [n % 5 + 1 for n in range(count)],
        }
    )


def test_suggest_columns_picks_review_and_stars():
    assert suggest_columns(_reviews()) == ("review", "stars")


def test_suggest_columns_prefers_a_label_name_over_position():
    frame = pd.DataFrame(
        {"topic": ["a", "b", "c"] * 4, "text": ["long enough text"] * 12, "sentiment": [0, 1] * 6}
    )
    assert suggest_columns(frame) == ("text", "sentiment")


def test_suggest_columns_without_candidates():
    assert suggest_columns(pd.DataFrame({"id": range(50)})) == (None, None)


def test_ratings():
    stars = _reviews()["stars"]
    assert looks_like_rating(stars)
    assert suggest_rating_threshold(stars) == 3.0
    assert not looks_like_rating(pd.Series([0, 1, 1, 0]))
    assert not looks_like_rating(pd.Series([10, 50, 90]))
    assert not looks_like_rating(pd.Series(["1", "2", "3"]))
    with pytest.raises(StudioError, match="no numbers to set a rating threshold"):
        suggest_rating_threshold(pd.Series(["a", "b"], name="words"))


# --- examples ------------------------------------------------------------------------------------


def test_to_examples_drops_and_normalises():
    frame = pd.DataFrame(
        {
            "text": [" a ", "b", "c", "d", "e", "", None, "   ", "f", "g"],
            "label": [1, 1.0, " 1 ", 0, 0.0, 1, 0, 1, None, "  "],
        }
    )
    examples, dropped = to_examples(frame, "text", "label", min_per_class=2)
    assert dropped == {"empty text": 3, "missing label": 2}
    assert examples["text"].tolist() == ["a", "b", "c", "d", "e"]
    assert examples["label"].tolist() == ["1", "1", "1", "0", "0"]
    assert list(examples.columns) == ["text", "label"]
    assert list(examples.index) == list(range(5))
    assert pd.api.types.is_string_dtype(examples["label"])


def test_to_examples_keeps_fractional_labels_and_word_labels():
    frame = pd.DataFrame({"text": ["t"] * 10, "label": [0.5] * 5 + ["pos"] * 5})
    examples, dropped = to_examples(frame, "text", "label")
    assert sorted(set(examples["label"])) == ["0.5", "pos"]
    assert dropped == {}


def test_rating_threshold():
    frame = _reviews(20)
    examples, _ = to_examples(frame, "review", "stars", rating_threshold=3)
    expected = ["positive" if stars > 3 else "negative" for stars in frame["stars"]]
    assert examples["label"].tolist() == expected
    assert examples["label"].value_counts().to_dict() == {"negative": 12, "positive": 8}


def test_rating_that_is_not_a_number():
    frame = pd.DataFrame({"text": ["t"] * 3, "stars": ["5", "four", "1"]})
    with pytest.raises(StudioError, match="needs numbers in 'stars', but row 2 holds 'four'"):
        to_examples(frame, "text", "stars", rating_threshold=3)


def test_missing_column_suggests_a_close_name():
    with pytest.raises(StudioError, match=r"'Text' is not in .* text, label\. Did you mean 'text'"):
        to_examples(EXPECTED, "Text", "label")


def test_same_column_for_text_and_label():
    with pytest.raises(StudioError, match="must differ"):
        to_examples(EXPECTED, "text", "text")


def test_no_rows_left():
    frame = pd.DataFrame({"text": ["", None, " "], "label": [1, 0, 1]})
    with pytest.raises(StudioError, match=r"No rows are left .*3 rows in the table, 3 with empty"):
        to_examples(frame, "text", "label")


def test_one_class():
    frame = pd.DataFrame({"text": ["t"] * 10, "label": ["pos"] * 10})
    with pytest.raises(StudioError, match="Every row has the label 'pos'.*another label column"):
        to_examples(frame, "text", "label")


def test_one_class_after_a_rating_threshold():
    with pytest.raises(StudioError, match="'negative'.*threshold inside the range"):
        to_examples(_reviews(), "review", "stars", rating_threshold=5)


def test_id_like_label_column():
    frame = _reviews(40)
    with pytest.raises(StudioError, match="'id' has 40 different values .* looks like an id"):
        to_examples(frame, "review", "id")


def test_small_classes_are_named():
    frame = pd.DataFrame({"text": ["t"] * 22, "label": ["pos"] * 10 + ["neg"] * 10 + ["meh"] * 2})
    with pytest.raises(StudioError, match=r"at least 5 examples; these have fewer: 'meh' \(2\)"):
        to_examples(frame, "text", "label")


def test_load_examples_in_a_chosen_encoding():
    text = "отзыв;оценка\n" + "".join(f"Отзыв номер {n};{n % 5 + 1}\n" for n in range(20))
    examples, _ = load_examples(text.encode("cp1251"), "отзыв", "оценка", name="r.csv",
                                rating_threshold=3, encoding="cp1251")
    assert examples["text"].tolist() == [f"Отзыв номер {n}" for n in range(20)]


def test_load_examples_from_an_upload():
    text = "review;stars\n" + "".join(f"text {n};{n % 5 + 1}\n" for n in range(20))
    examples, dropped = load_examples(
        text.encode(), "review", "stars", name="yelp.csv", rating_threshold=3
    )
    assert len(examples) == 20
    assert set(examples["label"]) == {"positive", "negative"}
    assert dropped == {}
