"""A run as it learned: one sentence read at each snapshot, and when it got the examples right.

``timelapse`` gives, per snapshot, the probability after each token and every gate and state
(what ``figures.timelapse`` plays); ``when_learned`` finds the first snapshot at which each of
the demo data's example sentences (negation, double negation, contrast, long range) got its
verdict right. Both read the snapshots only, so they work on a run still training.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from lstm_core.errors import StudioError
from lstm_core.inspect.examples import EXAMPLE_VERDICTS, example_sentences
from lstm_core.inspect.run import GateTrace, Run, Trajectory, load_snapshot
from lstm_core.store.snapshots import Snapshot


@dataclass(frozen=True)
class TimelapseFrame:
    """One snapshot's reading of a text."""

    snapshot: Snapshot
    trajectory: Trajectory
    gates: GateTrace

    @property
    def verdict(self) -> str | None:
        """The label after the last token; None for a text without tokens."""
        probabilities = self.trajectory.probabilities
        return self.trajectory.labels[int(probabilities[-1].argmax())] if len(probabilities) \
            else None


def read_at(run: Run, text: str) -> TimelapseFrame:
    """``text`` read by ``run`` (a run at a snapshot: ``Run.at_epoch``, ``load_snapshot``)."""
    if run.snapshot is None:
        raise StudioError("read_at needs a run at a snapshot (Run.at_epoch), not the best model.")
    return TimelapseFrame(run.snapshot, run.trajectory(text), run.gates(text))


class SnapshotReader:
    """One model of a run that takes each snapshot's weights in turn, for a server that reads
    many snapshots without a model per snapshot; the lock keeps two callers from swapping its
    weights at once."""

    def __init__(self, run_path: str | Path, first_epoch: float):
        self._run = load_snapshot(run_path, first_epoch)
        self._lock = threading.Lock()

    def read(self, snapshot: Snapshot, text: str) -> TimelapseFrame:
        with self._lock:
            self._run.move_to(snapshot)
            return read_at(self._run, text)


def timelapse(run: Run, text: str) -> list[TimelapseFrame]:
    """``text`` at every snapshot of the run, oldest first; [] for a run without snapshots."""
    return [read_at(then, text) for _, then in run.through_training()]


@dataclass(frozen=True)
class Learned:
    """When one example sentence was first answered right (``first_epoch`` None: never)."""

    name: str
    text: str
    expected: str
    first_epoch: float | None
    right_at_the_end: bool

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def when_learned(run: Run) -> list[Learned]:
    """For each example sentence of the run's language with a clear verdict, the first snapshot
    at which the run answered it right, and whether its last snapshot still does; [] for a run
    without snapshots or whose classes are not the demo data's."""
    verdicts = EXAMPLE_VERDICTS.get(run.language, {})
    if not set(verdicts.values()) <= set(run.labels):
        return []
    texts = {name: text for name, text in example_sentences(run.language).items()
             if name in verdicts}
    first: dict[str, float | None] = dict.fromkeys(texts)
    last: dict[str, str] = {}
    for snapshot, then in run.through_training():
        for name, prediction in zip(texts, then.predict(list(texts.values())), strict=True):
            last[name] = prediction.label
            if first[name] is None and prediction.label == verdicts[name]:
                first[name] = snapshot.epoch
    if not last:
        return []
    return [Learned(name, text, verdicts[name], first[name], last[name] == verdicts[name])
            for name, text in texts.items()]
