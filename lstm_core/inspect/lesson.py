"""What the "why gates" lesson measures: each cell's test accuracy by how far the deciding word
stands from the end of the text (``jobs.lesson`` trains the cells)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from lstm_core.config import RunConfig
from lstm_core.data.demo import cue_distance
from lstm_core.fileio import read_json
from lstm_core.store.results import read_predictions
from lstm_core.store.runs import CONFIG_FILE
from lstm_core.text.processor import TextProcessor
from lstm_core.text.vocab import truncate

BIN_TOKENS = 5  # distances are grouped 0-4, 5-9, ... so each point has enough texts


def accuracy_by_distance(run_dirs: Mapping[str, Path], bin_tokens: int = BIN_TOKENS
                         ) -> pd.DataFrame:
    """Per cell and distance group: the test accuracy and how many texts it counts.

    The distance is counted in the tokens each run's model reads (its own tokenizer and cut), so
    it is the number of steps the verdict had to be carried to the last one.

    Args:
        run_dirs: cell -> tested run directory; runs not tested yet are left out.
        bin_tokens: width of a distance group, in tokens.

    Returns:
        Columns cell, distance (first distance of the group), accuracy, texts.
    """
    rows = []
    for cell, run_dir in run_dirs.items():
        predictions = read_predictions(run_dir)
        if predictions is None:
            continue
        text = RunConfig.from_dict(read_json(Path(run_dir) / CONFIG_FILE)).text
        processor = TextProcessor(text)
        for row in predictions.itertuples(index=False):
            tokens = truncate(processor.tokenize(row.text), text.max_len, text.truncating)
            distance = cue_distance(tokens)
            if distance is not None:
                rows.append((cell, distance // bin_tokens * bin_tokens,
                             row.label == row.predicted))
    frame = pd.DataFrame(rows, columns=["cell", "distance", "correct"])
    table = frame.groupby(["cell", "distance"], sort=False).agg(
        accuracy=("correct", "mean"), texts=("correct", "size")).reset_index()
    return table.sort_values(["cell", "distance"], key=_cell_order).reset_index(drop=True)


def _cell_order(column: pd.Series) -> pd.Series:
    if column.name != "cell":
        return column
    from lstm_core.jobs.lesson import LESSON_CELLS

    return column.map({cell: i for i, cell in enumerate(LESSON_CELLS)}).fillna(len(LESSON_CELLS))
