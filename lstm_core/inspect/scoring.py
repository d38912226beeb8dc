"""Score a whole table of texts with a run: the CLI's ``score`` and the Predict page's download."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from lstm_core.errors import StudioError

CHUNK_ROWS = 2000


def score_frame(run, frame: pd.DataFrame, text_col: str,
                progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    """``frame`` plus the predicted label, one ``p_<class>`` column per class and a flag.

    The predicted label goes in ``label``, or ``predicted_label`` when the table already has a
    ``label`` column (kept, so the two can be compared). ``progress(done, total)`` is called
    after each chunk of ``CHUNK_ROWS`` texts.

    Raises:
        StudioError: ``text_col`` is not a column of ``frame``.
    """
    if text_col not in frame.columns:
        raise StudioError(f"There is no column {text_col!r}; the columns are "
                          f"{list(map(str, frame.columns))}.")
    texts = frame[text_col].fillna("").astype(str).tolist()
    results = []
    for start in range(0, len(texts), CHUNK_ROWS):
        results.extend(run.predict(texts[start:start + CHUNK_ROWS]))
        if progress is not None:
            progress(min(start + CHUNK_ROWS, len(texts)), len(texts))
    scored = frame.copy()
    label_col = "predicted_label" if "label" in frame.columns else "label"
    scored[label_col] = [r.label for r in results]
    for label in run.labels:
        scored[f"p_{label}"] = [r.probabilities[label] for r in results]
    scored["flag"] = [r.flag or "" for r in results]
    return scored
