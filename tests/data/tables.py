"""A small table of reviews as files in several shapes, shared by the reading and decoding tests."""

import pandas as pd

ROWS = [("Great phone, works well", 1), ("Broke after a day", 0), ("Love it", 1)]
EXPECTED = pd.DataFrame(ROWS, columns=["text", "label"])


def write_file(path, data):
    """``data`` (bytes, or text written as UTF-8) at ``path``; returns ``path``."""
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


def delimited(delimiter):
    """``ROWS`` with a header, one row a line, quoted where the delimiter appears in the text."""
    lines = [f"text{delimiter}label"] + [
        f'"{text}"{delimiter}{label}' if delimiter in text else f"{text}{delimiter}{label}"
        for text, label in ROWS
    ]
    return "\n".join(lines) + "\n"


def assert_rows(frame):
    pd.testing.assert_frame_equal(frame, EXPECTED, check_dtype=False)


def phrases_and_sentences(num_words=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(train, test) of a source with a test set of its own, as Keras IMDB has: short training
    texts, and test texts of 31 tokens shared 90% / 10% between the classes. It stands in for
    ``load_keras_imdb``, whose download a test cannot make."""
    words = {"positive": ["great", "lovely", "superb"], "negative": ["awful", "dull", "poor"]}
    labels = ["positive", "negative"] * 100
    train = pd.DataFrame({"text": [f"a {words[label][i % 3]} meal {i}"
                                   for i, label in enumerate(labels)], "label": labels})
    labels = ["negative"] * 45 + ["positive"] * 5
    test = pd.DataFrame({"text": [f"We went there on day {i} and the meal was " + "very " * 20
                                  + words[label][i % 3] for i, label in enumerate(labels)],
                         "label": labels})
    return train, test
