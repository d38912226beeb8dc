"""Which texts a run is tested on, as a fingerprint: runs compare fairly only on the same ones.

The fingerprint hashes the test texts with their labels, in sorted order, so it depends on the
texts alone, never on the order they were written in or on anything the model did. A run
records it in status.json (``test_set``) when it is created; runs saved before that have it
computed from their ``data.parquet`` (their own stored split) when they are listed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Protocol, TypeVar

import pandas as pd

from lstm_core.store.runs import DATA_FILE

FINGERPRINT_CHARS = 12  # hex digits kept: enough to tell a class's test sets apart
SHORT_CHARS = 6  # what a table shows


def fingerprint(texts: Iterable[str], labels: Iterable[object]) -> str:
    """A short hash of the (text, label) pairs, the same whatever their order.

    Example:
        >>> fingerprint(["good", "bad"], ["pos", "neg"]) == fingerprint(["bad", "good"],
        ...                                                             ["neg", "pos"])
        True
    """
    digest = hashlib.sha256()
    for pair in sorted(zip(map(str, texts), map(str, labels), strict=True)):
        digest.update(json.dumps(pair, ensure_ascii=False).encode("utf-8") + b"\n")
    return digest.hexdigest()[:FINGERPRINT_CHARS]


def split_fingerprint(examples: pd.DataFrame) -> str | None:
    """The fingerprint of the rows whose ``split`` is "test"; None when there are none."""
    test = examples[examples["split"] == "test"]
    return fingerprint(test["text"], test["label"]) if len(test) else None


def stored_fingerprint(run_dir: Path) -> str | None:
    """The fingerprint of a run's test texts, read from its data.parquet (runs saved before the
    fingerprint was recorded); None when the run has no test texts or no readable data."""
    try:
        examples = pd.read_parquet(Path(run_dir) / DATA_FILE, columns=["text", "label", "split"])
    except (OSError, ValueError, KeyError):
        return None
    return split_fingerprint(examples)


def short(test_set: str | None) -> str:
    """The first few digits, as tables show a test set; "-" for none."""
    return test_set[:SHORT_CHARS] if test_set else "-"


class _HasTestSet(Protocol):
    test_set: str | None


T = TypeVar("T", bound=_HasTestSet)


def by_test_set(runs: Sequence[T]) -> list[list[T]]:
    """The runs grouped by the texts they were tested on: the largest group first, ties in the
    order the first of each group came; runs with no test set are left out."""
    groups: dict[str, list[T]] = {}
    for run in runs:
        if run.test_set:
            groups.setdefault(run.test_set, []).append(run)
    return sorted(groups.values(), key=len, reverse=True)
