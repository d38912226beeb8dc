"""The "why gates" lesson: a SimpleRNN, a GRU and an LSTM, alike in every other setting, queued
on the long-range reviews (``data.demo.long_range``), where the deciding word stands up to about
40 tokens from the end.

The models read with last-state pooling, so the verdict must be carried to the last token: what a
cell without gates cannot do over a long distance. The lesson's runs are ordinary runs, found again
by their data source (``LONG_RANGE_SOURCE``), so the run store stays the one record of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from lstm_core.config import DataConfig, ModelConfig, RunConfig, TextConfig, TrainConfig
from lstm_core.data.demo import LONG_RANGE_SOURCE, long_range
from lstm_core.jobs.process import start_job
from lstm_core.store.runs import RunSummary
from lstm_core.training.train import create_run

LESSON_CELLS = ("simple_rnn", "gru", "lstm")  # the order the lesson shows them in
LESSON_ROWS = 1600
LESSON_MAX_LEN = 60  # the longest long-range review is about 50 tokens


def lesson_config(cell: str, *, epochs: int = 8, units: int = 16, embed_dim: int = 16
                  ) -> RunConfig:
    """The lesson's settings for one cell: the same for all three but the cell."""
    return RunConfig(
        data=DataConfig(source=LONG_RANGE_SOURCE, val_split=0.15, test_split=0.25),
        text=TextConfig(max_len=LESSON_MAX_LEN, vocab_size=500),
        model=ModelConfig(cell=cell, units=units, embed_dim=embed_dim, pooling="last",
                          dropout=0.0),
        train=TrainConfig(epochs=epochs, batch_size=32, learning_rate=3e-3, early_stopping=0,
                          device="cpu"),
    )


def create_lesson_runs(*, rows: int = LESSON_ROWS, author: str | None = None,
                       owner: str | None = None, **model) -> list[Path]:
    """Write the three runs of the lesson (not started), SimpleRNN first; ``model`` overrides
    ``lesson_config``'s epochs and sizes."""
    examples = long_range(rows)
    return [create_run(lesson_config(cell, **model), examples, name=f"why-gates-{cell}",
                       author=author, owner=owner)
            for cell in LESSON_CELLS]


def launch_lesson(author: str | None = None, owner: str | None = None) -> list[Path]:
    """Queue the lesson: three training jobs, which take their turns in the training queue."""
    run_dirs = create_lesson_runs(author=author, owner=owner)
    for run_dir in run_dirs:
        start_job(run_dir)
    return run_dirs


def lesson_runs(summaries: Sequence[RunSummary]) -> dict[str, RunSummary]:
    """The newest lesson run of each cell (``list_runs`` lists the newest first)."""
    found: dict[str, RunSummary] = {}
    for summary in summaries:
        if summary.source == LONG_RANGE_SOURCE and summary.cell in LESSON_CELLS:
            found.setdefault(summary.cell, summary)
    return {cell: found[cell] for cell in LESSON_CELLS if cell in found}
