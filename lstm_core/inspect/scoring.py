"""Score a whole table of texts with a run: the CLI's ``score`` and the Predict page's download.

Both add the same columns under the same rule (``score_columns``): the predicted class in
``label``, or ``predicted_label`` when the table already has a ``label`` column (kept, so the
two can be compared), one ``p_<class>`` column per class, and ``flag``. Any other name the
table already holds is refused rather than overwritten.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

import pandas as pd

from lstm_core.errors import StudioError

CHUNK_ROWS = 2000
LABEL_COLUMN = "label"
RENAMED_LABEL_COLUMN = "predicted_label"  # when the input already has a LABEL_COLUMN
FLAG_COLUMN = "flag"


def score_columns(input_columns: Collection, labels: list[str]) -> dict[str, str]:
    """The columns scoring adds: {"label": ..., "<class>": "p_<class>", "flag": "flag"}.

    Args:
        input_columns: the columns of the table to score.
        labels: the run's classes.

    Raises:
        StudioError: the table already has a column that one of ours would overwrite.

    Example:
        >>> score_columns(["text", "label"], ["negative", "positive"])["label"]
        'predicted_label'
    """
    present = set(input_columns)
    names = {"label": RENAMED_LABEL_COLUMN if LABEL_COLUMN in present else LABEL_COLUMN,
             **{label: f"p_{label}" for label in labels}, "flag": FLAG_COLUMN}
    taken = [name for name in names.values() if name in present]
    if taken:
        raise StudioError(f"The input already has column(s) {taken}, which scoring writes; "
                          "rename or drop them first.")
    return names


def score_frame(run, frame: pd.DataFrame, text_col: str,
                progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    """``frame`` plus the columns of ``score_columns``: predicted label, probabilities, flag.

    ``progress(done, total)`` is called after each chunk of ``CHUNK_ROWS`` texts.

    Raises:
        StudioError: ``text_col`` is not a column of ``frame``, or ``frame`` has a column that
            scoring would overwrite (checked before any text is scored).
    """
    if text_col not in frame.columns:
        raise StudioError(f"There is no column {text_col!r}; the columns are "
                          f"{list(map(str, frame.columns))}.")
    names = score_columns(frame.columns, run.labels)
    texts = frame[text_col].fillna("").astype(str).tolist()
    results = []
    for start in range(0, len(texts), CHUNK_ROWS):
        results.extend(run.predict(texts[start:start + CHUNK_ROWS]))
        if progress is not None:
            progress(min(start + CHUNK_ROWS, len(texts)), len(texts))
    scored = frame.copy()
    scored[names["label"]] = [r.label for r in results]
    for label in run.labels:
        scored[names[label]] = [r.probabilities[label] for r in results]
    scored[names["flag"]] = [r.flag or "" for r in results]
    return scored
