"""Where examples come from: a built-in demo set, Keras's IMDB reviews, or a user's file."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from lstm_core.data.encoding import TextEncoding
from lstm_core.errors import StudioError

BUILTIN_SOURCES = {
    "demo-en": "Demo reviews in English (negation, contrast, long-range cues)",
    "demo-zh": "Demo reviews in Chinese (不/没有, 但是, 虽然…但…)",
    "keras-imdb": "Keras's IMDB movie reviews (needs internet on first use)",
}


@dataclass
class Examples:
    """Kept rows (columns text, label) and what was dropped on the way."""

    frame: pd.DataFrame
    dropped: dict[str, int]
    rows_total: int
    text_col: str = "text"  # the source's columns the examples came from
    label_col: str = "label"
    test_frame: pd.DataFrame | None = None  # a source's own test split (keras-imdb)
    encoding: TextEncoding | None = None  # how a text file was decoded; None for the rest


def load_source(
    source: str,
    text_col: str | None = None,
    label_col: str | None = None,
    *,
    rating_threshold: float | None = None,
    demo_rows: int | None = None,
    seed: int = 0,
    encoding: str | None = None,
) -> Examples:
    """Examples from a built-in name or a file path; columns are suggested when not given.

    ``encoding`` reads a text file in that encoding instead of detecting it.
    """
    from lstm_core.data import demo as demo_data
    from lstm_core.data.examples import to_examples
    from lstm_core.data.read import read_table, text_encoding

    if source in BUILTIN_SOURCES and encoding is not None:
        raise StudioError(f"{source} is a built-in data set, which has no text encoding to "
                          "choose; leave the encoding out.")
    if source in demo_data.DEMO_SOURCES:
        frame = demo_data.generate(demo_rows or demo_data.DEFAULT_ROWS,
                                   lang=demo_data.DEMO_SOURCES[source], seed=seed)
        return Examples(frame, {}, len(frame))
    if source == "keras-imdb":
        from lstm_core.data.imdb import load_keras_imdb

        train, test = load_keras_imdb()
        return Examples(train, {}, len(train), test_frame=test)
    table = read_table(source, encoding=encoding)
    text_col, label_col = _columns(table, text_col, label_col)
    frame, dropped = to_examples(table, text_col, label_col, rating_threshold=rating_threshold)
    return Examples(frame, dropped, len(table), text_col, label_col,
                    encoding=text_encoding(table))


def _columns(table: pd.DataFrame, text_col: str | None, label_col: str | None) -> tuple[str, str]:
    from lstm_core.data.examples import suggest_columns

    guess_text, guess_label = suggest_columns(table)
    text_col, label_col = text_col or guess_text, label_col or guess_label
    if not text_col or not label_col:
        raise StudioError(
            f"Could not tell which columns hold the text and the label among "
            f"{list(table.columns)}; name the text column and the label column."
        )
    return text_col, label_col
