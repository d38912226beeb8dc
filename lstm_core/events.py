"""Reading a run's events.jsonl (written by ``callbacks.EventLog``), without importing Keras.

The training process appends while the app reads, so the last line may be half written: it is
skipped until it is complete.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from lstm_core.runs import EVENTS_FILE


def read_events(run_dir: Path) -> list[dict]:
    """All complete events of a run, oldest first; [] before the first one is written."""
    path = Path(run_dir) / EVENTS_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    events = []
    for line in text.splitlines():
        try:
            events.append(json.loads(line))
        except json.JSONDecodeError:
            continue  # a line still being written, or damaged: the rest stays readable
    return events


def events_frame(events: list[dict], kind: str) -> pd.DataFrame:
    """The ``batch`` or ``epoch`` events as a table, one row each."""
    rows = [e for e in events if e.get("event") == kind]
    return pd.DataFrame(rows)


def mean_samples_per_s(events: list[dict]) -> float | None:
    """Training throughput over the finished epochs (validation time excluded)."""
    rates = [e["samples_per_s"] for e in events
             if e.get("event") == "epoch" and e.get("samples_per_s")]
    return sum(rates) / len(rates) if rates else None
