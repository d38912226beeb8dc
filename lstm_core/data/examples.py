"""A table -> clean (text, label) examples: which columns to use, ratings, label checks.

Rows without text or label are dropped and counted, labels become strings so 1, 1.0 and "1" are
one class, and label sets no classifier can learn from are refused with the column to fix.
"""

from __future__ import annotations

import difflib
import math
import numbers
import os
from typing import Any

import pandas as pd

from lstm_core.data.read import MAX_LABEL_VALUES, looks_like_label, read_table, shorten
from lstm_core.errors import StudioError

LABEL_NAMES = ("label", "sentiment", "polarity", "class", "target", "rating", "stars", "score")


def suggest_columns(frame: pd.DataFrame) -> tuple[str | None, str | None]:
    """Guess the text column and the label column, for the UI to preselect.

    Reviews are longer than ids, dates and labels, so the text is the string column with the
    longest values on average. A label has a few distinct values; a column named like one (label,
    sentiment, stars, ...) wins over the leftmost such column.

    Returns:
        (text column, label column); either is ``None`` when no column fits.
    """
    lengths = {
        column: frame[column].dropna().str.len().mean()
        for column in frame.columns
        if pd.api.types.is_string_dtype(frame[column]) and frame[column].notna().any()
    }
    text = max(lengths, key=lengths.__getitem__, default=None)
    candidates = [c for c in frame.columns if c != text and looks_like_label(frame[c])]
    named = [c for c in candidates if str(c).strip().lower() in LABEL_NAMES]
    if named:
        return text, min(named, key=lambda c: LABEL_NAMES.index(str(c).strip().lower()))
    return text, candidates[0] if candidates else None


def looks_like_rating(series: pd.Series) -> bool:
    """Whether a column holds star ratings that need a threshold to become sentiment.

    Two values are classes already (0/1); more than two numbers on a 0..10 scale are a score the
    user should cut into positive and negative.
    """
    if not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        return False
    values = series.dropna()
    return values.nunique() > 2 and bool(values.between(0, 10).all())


def suggest_rating_threshold(series: pd.Series) -> float:
    """The midpoint of the ratings' scale: 3 for 1..5 stars, so 4 and 5 are positive (Yelp's cut).

    Raises:
        StudioError: the column holds no numbers.
    """
    values = pd.to_numeric(series, errors="coerce").dropna()
    if values.empty:
        raise StudioError(
            f"Column {series.name!r} has no numbers to set a rating threshold from; "
            "pick a column of star ratings or scores."
        )
    return float(values.min() + values.max()) / 2


def to_examples(
    frame: pd.DataFrame,
    text_col: str,
    label_col: str,
    *,
    rating_threshold: float | None = None,
    min_per_class: int = 5,
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Turn a table into (text, label) string pairs a model can train on.

    Rows without text or without a label are dropped and counted, so the UI can say what was lost.
    Labels become strings so that 1, 1.0 and "1" are one class. A row is counted once, under the
    first reason that applies.

    Args:
        frame: the table, usually from ``read_table``.
        text_col: the column holding the text.
        label_col: the column holding the label, or the rating when ``rating_threshold`` is set.
        rating_threshold: ratings above it become "positive", the rest "negative".
        min_per_class: the fewest examples a class may have; fewer cannot be split for testing.

    Returns:
        A new frame with string columns ``text`` and ``label`` and a fresh index, and the number of
        dropped rows per reason (``"empty text"``, ``"missing label"``; only reasons that occurred).

    Raises:
        StudioError: a column is missing, no rows or one class is left, the label looks like an id,
            a class is too small, or a rating is not a number.
    """
    _check_columns(frame, text_col, label_col)
    if isinstance(min_per_class, bool) or not isinstance(min_per_class, int) or min_per_class < 1:
        raise StudioError(f"min_per_class must be a whole number from 1; got {min_per_class!r}.")
    texts = frame[text_col].astype("str").str.strip()
    texts = texts.mask(texts == "")
    if rating_threshold is None:
        labels = frame[label_col].map(_label_text, na_action="ignore")
    else:
        labels = _rating_labels(frame[label_col], rating_threshold)
    empty_text = texts.isna()
    missing_label = labels.isna() & ~empty_text
    dropped = {
        reason: int(mask.sum())
        for reason, mask in (("empty text", empty_text), ("missing label", missing_label))
        if mask.any()
    }
    keep = ~(empty_text | missing_label)
    if not keep.any():
        lost = "".join(f", {count} with {reason}" for reason, count in dropped.items())
        raise StudioError(
            f"No rows are left to train on ({len(frame)} rows in the table{lost}). Check that "
            f"{text_col!r} holds the text and {label_col!r} the labels."
        )
    examples = pd.DataFrame({"text": texts[keep], "label": labels[keep].astype("str")})
    _check_classes(examples["label"], label_col, rating_threshold, min_per_class)
    return examples.reset_index(drop=True), dropped


def load_examples(
    source: str | os.PathLike[str] | bytes,
    text_col: str,
    label_col: str,
    *,
    name: str | None = None,
    rating_threshold: float | None = None,
    max_bytes: int | None = None,
    encoding: str | None = None,
) -> tuple[pd.DataFrame, dict[str, int]]:
    """``to_examples(read_table(source))`` in one call, for the CLI."""
    frame = read_table(source, name=name, max_bytes=max_bytes, encoding=encoding)
    return to_examples(frame, text_col, label_col, rating_threshold=rating_threshold)



def _check_columns(frame: pd.DataFrame, text_col: str, label_col: str) -> None:
    for role, column in (("text", text_col), ("label", label_col)):
        if column not in frame.columns:
            names = [str(c) for c in frame.columns]
            close = difflib.get_close_matches(str(column), names, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise StudioError(
                f"The {role} column {column!r} is not in the table; its columns are "
                f"{shorten(', '.join(names)) or 'none'}.{hint}"
            )
    if text_col == label_col:
        raise StudioError(
            f"The text and label columns must differ; both are {text_col!r}. Pick the column "
            "that holds the sentiment or class as the label."
        )


def _label_text(value: Any) -> str | None:
    """1, 1.0 and " 1 " all become "1", so one class is never split by how it was written."""
    if pd.api.types.is_bool(value):
        return str(bool(value))
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return str(int(value)) if float(value).is_integer() else str(float(value))
    return str(value).strip() or None


def _rating_labels(ratings: pd.Series, threshold: float) -> pd.Series:
    ok = isinstance(threshold, numbers.Real) and not isinstance(threshold, bool)
    if not (ok and math.isfinite(threshold)):
        raise StudioError(f"rating_threshold must be a number such as 3; got {threshold!r}.")
    values = pd.to_numeric(ratings, errors="coerce")
    not_numbers = values.isna() & ratings.notna()
    if not_numbers.any():
        row = int(not_numbers.to_numpy().argmax())
        raise StudioError(
            f"A rating threshold needs numbers in {ratings.name!r}, but row {row + 1} holds "
            f"{ratings.iloc[row]!r}. Pick a column of star ratings or scores, or turn the rating "
            "threshold off."
        )
    positive = (values > threshold).map({True: "positive", False: "negative"})
    return positive.where(values.notna())


def _check_classes(
    labels: pd.Series, label_col: str, rating_threshold: float | None, min_per_class: int
) -> None:
    """Refuse label sets a classifier cannot learn from, saying which column or classes to fix."""
    counts = labels.value_counts()
    if len(counts) == 1:
        fix = "another label column"
        if rating_threshold is not None:
            fix = "a threshold inside the range of the ratings"
        raise StudioError(
            f"Every row has the label {counts.index[0]!r} ({counts.iloc[0]} rows), and a "
            f"classifier needs at least two classes. Pick {fix}."
        )
    if len(counts) > max(MAX_LABEL_VALUES, len(labels) / 2):
        raise StudioError(
            f"Column {label_col!r} has {len(counts)} different values in {len(labels)} rows, so it "
            "looks like an id or free text, not a label. Pick the column with the sentiment or "
            "class; for scores, set a rating threshold."
        )
    small = counts[counts < min_per_class].sort_values()
    if not small.empty:
        listed = ", ".join(f"{label!r} ({count})" for label, count in small.head(10).items())
        more = f" and {len(small) - 10} more" if len(small) > 10 else ""
        raise StudioError(
            f"Each class needs at least {min_per_class} examples; these have fewer: "
            f"{listed}{more}. Merge them into another class or remove those rows."
        )

