"""Keras's 50,000 IMDB movie reviews as text, for when the machine can reach the internet.

Keras ships the reviews as word ids, not text; they are decoded back to words here so they go
through the same ``TextProcessor`` as any uploaded CSV. Keras is imported inside the loader so that
importing this module stays instant.
"""

from __future__ import annotations

import urllib.error
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from lstm_core.errors import StudioError

# keras.datasets.imdb.load_data defaults: 0 pads, 1 starts a review, 2 marks a word outside
# num_words, and word ids are shifted up by 3 to make room for them.
START_ID = 1
OOV_ID = 2
INDEX_FROM = 3
LABELS = ("negative", "positive")  # Keras's 0 and 1
MIN_WORDS = 10


def load_keras_imdb(num_words: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Download (or read Keras's cached copy of) the IMDB reviews and decode them to text.

    Args:
        num_words: keep only the most frequent words; rarer ones are left out of the text.
            ``None`` keeps every word.

    Returns:
        ``(train, test)``, 25,000 reviews each, with columns ``text`` and ``label``
        (``"negative"`` or ``"positive"``).

    Raises:
        StudioError: when ``num_words`` is invalid or the files cannot be downloaded.
    """
    if num_words is not None and (
        isinstance(num_words, bool) or not isinstance(num_words, int) or num_words < MIN_WORDS
    ):
        raise StudioError(
            f"num_words must be a whole number of at least {MIN_WORDS}, or None for every word; "
            f"got {num_words!r}."
        )
    import keras

    try:
        (x_train, y_train), (x_test, y_test) = keras.datasets.imdb.load_data(
            num_words=num_words, start_char=START_ID, oov_char=OOV_ID, index_from=INDEX_FROM
        )
        words = index_to_word(keras.datasets.imdb.get_word_index())
    except Exception as exc:
        if not _is_download_failure(exc):
            raise
        raise StudioError(
            "Could not download the IMDB reviews from Keras's storage "
            f"(storage.googleapis.com): {exc}. This needs internet access. Without it, upload a "
            "CSV of reviews with a text and a label column, or use the built-in demo data "
            "(demo-en or demo-zh)."
        ) from exc
    return _frame(x_train, y_train, words), _frame(x_test, y_test, words)


def index_to_word(word_index: Mapping[str, int]) -> dict[int, str]:
    """Invert Keras's word index (word -> rank from 1) into the ids ``load_data`` returns."""
    return {rank + INDEX_FROM: word for word, rank in word_index.items()}


def decode_review(ids: Iterable[int], words: Mapping[int, str]) -> str:
    """Text of one review from its word ids.

    The start marker, padding and words outside ``num_words`` (the OOV id) are left out: they
    are not words of the review, and our own vocabulary handles rare words at training time.

    Example:
        >>> decode_review([1, 4, 5, 2], {4: "great", 5: "film"})
        'great film'
    """
    return " ".join(words[i] for i in ids if i in words)


def _frame(
    ids: Iterable[Iterable[int]], labels: np.ndarray, words: Mapping[int, str]
) -> pd.DataFrame:
    """Decoded reviews with Keras's 0/1 labels spelled out."""
    texts = [decode_review(review, words) for review in ids]
    return pd.DataFrame({"text": texts, "label": [LABELS[int(y)] for y in labels]})


def _is_download_failure(exc: Exception) -> bool:
    """Whether ``exc`` is a failed download rather than a bug.

    ``keras.utils.get_file`` catches urllib's ``URLError`` (no network, DNS failure, HTTP error)
    and raises a bare ``Exception`` in its place, so the cause is only visible as the implicit
    ``__context__``. A connection dropped mid-transfer surfaces as an ``OSError`` directly.
    """
    return isinstance(exc, OSError) or isinstance(exc.__context__, urllib.error.URLError)
