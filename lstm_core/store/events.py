"""Reading a run's events.jsonl (written by ``callbacks.EventLog``), without importing Keras.

The training process appends while the app reads, so the last line may be half written: it is
skipped until it is complete. A resumed run appends a new ``start`` event with the epoch it goes
on from; what the earlier attempt logged after that epoch is dropped here, so every reader sees
one continuous run.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from lstm_core.store.runs import EVENTS_FILE


def read_events(run_dir: Path) -> list[dict]:
    """All complete events of a run, oldest first; [] before the first one is written."""
    path = Path(run_dir) / EVENTS_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    events: list[dict] = []
    for line in text.splitlines():
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            continue  # a line still being written, or damaged: the rest stays readable
        if event.get("event") == "start" and event.get("initial_epoch"):
            resumed_after = event["initial_epoch"]
            events = [e for e in events if e.get("epoch", 0) <= resumed_after]
        events.append(event)
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


def training_progress(events: list[dict]) -> dict:
    """Where a run stands: epoch, batch, share done, throughput and time left.

    Time left extrapolates the time per batch so far (validation included) over the batches
    still to come, assuming every epoch runs; early stopping can only make it shorter.
    """
    starts = [e for e in events if e.get("event") == "start"]
    batches = [e for e in events if e.get("event") == "batch"]
    if not starts:
        return {"started": False, "fraction": 0.0}
    start = starts[-1]  # a resumed run: times and rates count from its latest start
    per_epoch = max(int(start["batches_per_epoch"]), 1)
    total = per_epoch * int(start["epochs"])
    resumed_after = int(start.get("initial_epoch") or 0)
    last = batches[-1] if batches else None
    since_start = last if last and last["epoch"] > resumed_after else None
    done = (last["epoch"] - 1) * per_epoch + last["batch"] if last else 0
    elapsed = since_start["elapsed"] if since_start else 0.0
    done_since_start = done - resumed_after * per_epoch
    return {
        "started": True,
        "epoch": last["epoch"] if last else 1,
        "epochs": int(start["epochs"]),
        "batch": last["batch"] if last else 0,
        "batches_per_epoch": per_epoch,
        "fraction": min(done / total, 1.0),
        "samples_per_s": last.get("samples_per_s") if last else None,
        "elapsed_s": elapsed,
        "eta_s": elapsed / done_since_start * (total - done) if since_start else None,
        "device": start.get("device", ""),
    }
