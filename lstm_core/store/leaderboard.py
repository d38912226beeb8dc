"""The Class page's ranking: the runs of one data set, tested on the same texts, best first.

Only runs with the same test set are ranked together (``store.testset``): a run tested on other
texts (another split seed or share) is counted but not ranked beside them. The line to beat is
the bag-of-words baseline those runs were scored against on those texts.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lstm_core.config import CELL_NAMES
from lstm_core.store.runs import RunSummary, write_status
from lstm_core.store.testset import by_test_set


@dataclass(frozen=True)
class Entry:
    """One ranked run."""

    rank: int
    run_id: str
    author: str | None
    model: str  # cell and size, such as "BiLSTM 64 x 2"
    accuracy: float
    baseline: float | None
    train_s: float | None
    created: str


@dataclass(frozen=True)
class Leaderboard:
    """The ranking of one data set on one test set.

    Attributes:
        dataset: the data set's source name.
        test_set: the fingerprint the ranked runs share; None when no run is ranked.
        entries: best test accuracy first; ties keep the earlier run first.
        line_to_beat: the bag-of-words baseline on those texts (the median over the runs, which
            differ only when their text settings do); None without a baseline.
        test_sets: every test set of this data set's tested runs, largest first, with its count.
        hidden: tested runs of this data set and test set the teacher hid.
    """

    dataset: str
    test_set: str | None
    entries: tuple[Entry, ...] = ()
    line_to_beat: float | None = None
    test_sets: tuple[tuple[str, int], ...] = ()
    hidden: tuple[str, ...] = field(default=())

    @property
    def elsewhere(self) -> int:
        """Tested runs of this data set left out because they were tested on other texts."""
        return sum(count for key, count in self.test_sets if key != self.test_set)


def model_name(config: dict) -> str:
    """Cell and size in a few characters: "BiGRU 16 x 2"."""
    model = config.get("model", {})
    cell = CELL_NAMES.get(model.get("cell", ""), model.get("cell", "?"))
    name = f"Bi{cell}" if model.get("bidirectional") else cell
    return f"{name} {model.get('units', '?')} x {model.get('layers', 1)}"


def datasets(summaries: Sequence[RunSummary]) -> list[str]:
    """The data sets that have a tested run, the one with most tested runs first."""
    counts: dict[str, int] = {}
    for summary in summaries:
        if summary.test_accuracy is not None:
            counts[summary.source] = counts.get(summary.source, 0) + 1
    return sorted(counts, key=lambda name: (-counts[name], name))


def leaderboard(summaries: Sequence[RunSummary], dataset: str,
                test_set: str | None = None) -> Leaderboard:
    """Rank the tested runs of ``dataset`` on ``test_set`` (default: the one most runs share)."""
    tested = [s for s in summaries if s.source == dataset and s.test_accuracy is not None]
    groups = by_test_set(tested)
    counts = tuple((group[0].test_set, len(group)) for group in groups)
    chosen = next((g for g in groups if g[0].test_set == test_set), groups[0] if groups else [])
    if not chosen:
        return Leaderboard(dataset, None, test_sets=counts)
    shown = [s for s in chosen if not s.hidden]
    shown.sort(key=lambda s: (-s.test_accuracy, s.created, s.run_id))
    entries = tuple(Entry(rank, s.run_id, s.author, model_name(s.config), s.test_accuracy,
                          s.baseline_accuracy, s.train_s, s.created)
                    for rank, s in enumerate(shown, start=1))
    baselines = [s.baseline_accuracy for s in chosen if s.baseline_accuracy is not None]
    return Leaderboard(dataset, chosen[0].test_set, entries,
                       statistics.median(baselines) if baselines else None, counts,
                       tuple(s.run_id for s in chosen if s.hidden))


def set_hidden(run_dir: Path, hidden: bool) -> None:
    """Keep a run off the Class page (or bring it back); the run itself is untouched."""
    write_status(run_dir, hidden=hidden)
