"""A run's weights at points through training, so it can be looked at as it learned.

``snapshots/step-00000040.npz`` holds the model's weights after training step 40 (step 0: the
initial weights), in ``model.get_weights()`` order, with the step and the epoch as a float (0.1:
a tenth of the first epoch). ``plan_snapshots`` says which steps are kept and
``training.callbacks.Snapshots`` writes them. Weights only: nothing resumes from them (that is
``backup/``), so they stay when the run finishes. Runs saved before snapshots were kept have no
such folder and list none. This module reads file names and small arrays: no Keras.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lstm_core.errors import StudioError
from lstm_core.store.events import read_events
from lstm_core.store.runs import SNAPSHOT_DIR, read_status

MAX_SNAPSHOTS = 16
FIRST_EPOCH_POINTS = (0.01, 0.03, 0.1, 0.3)  # small sets learn most of what they learn here
SIZE_FACTOR = 5  # snapshots/ may hold this many times the model's weights...
SMALL_MODEL_BUDGET = 16 * 2**20  # ...or this many bytes, whichever is more
EPOCH_TOLERANCE = 1e-9  # an epoch asked for as 0.3 matches a snapshot at step 3 of 10

_NAME = re.compile(r"step-(\d+)\.npz")


@dataclass(frozen=True)
class Snapshot:
    """One kept point of training and how the run stood there (None where nothing was logged).

    ``epoch`` counts epochs as a float (1.0: after the first); ``index`` is the position in the
    run's list, oldest first.
    """

    index: int
    step: int
    epoch: float
    path: Path
    loss: float | None = None
    accuracy: float | None = None
    val_loss: float | None = None
    val_accuracy: float | None = None
    best: bool = False  # the weights model.keras holds

    def to_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "path"}


def plan_snapshots(epochs: int, steps_per_epoch: int, weights_bytes: int) -> list[int]:
    """The steps to keep: step 0, the points inside the first epoch, every epoch's end; each
    group thinned evenly to fit the cap (the last epoch always kept), at least half of the room
    going to epoch ends.

    The cap is ``MAX_SNAPSHOTS``, lowered for a large model so that all of them take at most
    ``SIZE_FACTOR`` times its weights (``SMALL_MODEL_BUDGET`` for small ones). A function of the
    run's settings only, so a resumed run keeps the same steps as an uninterrupted one.
    """
    if epochs < 1 or steps_per_epoch < 1:
        return [0]
    inside = sorted({max(1, round(share * steps_per_epoch)) for share in FIRST_EPOCH_POINTS}
                    - {steps_per_epoch})
    inside = [step for step in inside if step < steps_per_epoch]
    ends = [epoch * steps_per_epoch for epoch in range(1, epochs + 1)]
    budget = max(SIZE_FACTOR * weights_bytes, SMALL_MODEL_BUDGET)
    room = max(2, min(MAX_SNAPSHOTS, budget // max(1, weights_bytes))) - 1  # beside step 0
    kept_ends = min(len(ends), max(room - len(inside), math.ceil(room / 2)))
    return [0, *_evenly(inside, room - kept_ends), *_evenly(ends, kept_ends)]


def _evenly(steps: list[int], count: int) -> list[int]:
    """``count`` of ``steps`` spread evenly, the last always among them."""
    if count >= len(steps):
        return steps
    if count <= 0:
        return []
    if count == 1:
        return steps[-1:]
    picks = sorted({round(i * (len(steps) - 1) / (count - 1)) for i in range(count)})
    return [steps[i] for i in picks]


def snapshot_file(run_dir: Path, step: int) -> Path:
    """Where the weights after ``step`` are kept."""
    return Path(run_dir) / SNAPSHOT_DIR / f"step-{step:08d}.npz"


def snapshot_steps(run_dir: Path) -> list[int]:
    """The steps whose weights are kept, in order; [] for a run without snapshots.

    Temporary files of a write in progress (``.step-00000040.tmp.npz``) are not counted.
    """
    folder = Path(run_dir) / SNAPSHOT_DIR
    if not folder.is_dir():
        return []
    found = (_NAME.fullmatch(path.name) for path in folder.iterdir())
    return sorted(int(match.group(1)) for match in found if match)


def snapshot_arrays(step: int, steps_per_epoch: int,
                    weights: list[np.ndarray]) -> dict[str, np.ndarray]:
    """What a snapshot file holds, by name: the step, the epoch and the weights in order."""
    return {"step": np.array(step), "epoch": np.array(step / steps_per_epoch),
            **{f"weight_{i}": w for i, w in enumerate(weights)}}


def read_snapshot(path: Path) -> list[np.ndarray]:
    """The weights of a snapshot file, in ``model.get_weights()`` order."""
    with np.load(path) as saved:
        count = sum(1 for name in saved.files if name.startswith("weight_"))
        return [saved[f"weight_{i}"] for i in range(count)]


def _snapshot_epoch(path: Path) -> float:
    with np.load(path) as saved:
        return float(saved["epoch"])


def list_snapshots(run_dir: Path) -> list[Snapshot]:
    """The kept points, oldest first, with the figures events.jsonl logged at epoch ends.

    A file that cannot be read (one being replaced, a damaged one) is left out.
    """
    run_dir = Path(run_dir)
    steps = snapshot_steps(run_dir)
    if not steps:
        return []
    logged = {e["epoch"]: e for e in read_events(run_dir) if e.get("event") == "epoch"}
    try:
        best = read_status(run_dir).get("best_epoch")
    except StudioError:  # a run directory copied without its status: no best to mark
        best = None
    found = []
    for step in steps:
        path = snapshot_file(run_dir, step)
        try:
            epoch = _snapshot_epoch(path)
        except (OSError, ValueError, KeyError, EOFError):
            continue
        whole = round(epoch) if abs(epoch - round(epoch)) < EPOCH_TOLERANCE else None
        figures = logged.get(whole, {}) if whole else {}
        found.append(Snapshot(len(found), step, epoch, path,
                              **{key: _figure(figures.get(key))
                                 for key in ("loss", "accuracy", "val_loss", "val_accuracy")},
                              best=whole is not None and whole == best))
    return found


def snapshot_at(run_dir: Path, epoch: object) -> Snapshot:
    """The last snapshot at or before ``epoch`` (0: the initial weights).

    Raises:
        StudioError: the run kept no snapshots, ``epoch`` is not a number, or it lies before
            the run started or after its last snapshot; the message names the range there is.
    """
    run_dir = Path(run_dir)
    snapshots = list_snapshots(run_dir)
    if not snapshots:
        raise StudioError(f"Run {run_dir.name} kept no weights per epoch (it was trained before "
                          "snapshots were kept, or before its first steps ended); only its best "
                          "model can be inspected.")
    first, last = snapshots[0].epoch, snapshots[-1].epoch
    span = f"it has epochs {format_epoch(first)} to {format_epoch(last)}"
    try:
        wanted = float(epoch) if not isinstance(epoch, bool) else math.nan
    except (TypeError, ValueError):
        wanted = math.nan
    if math.isnan(wanted):
        raise StudioError(f"The epoch must be a number; got {epoch!r} ({span}).")
    if wanted < first - EPOCH_TOLERANCE or wanted > last + EPOCH_TOLERANCE:
        raise StudioError(f"Run {run_dir.name} has no weights at epoch {format_epoch(wanted)}; "
                          f"{span}.")
    return [s for s in snapshots if s.epoch <= wanted + EPOCH_TOLERANCE][-1]


def format_epoch(epoch: float) -> str:
    """3 for a whole epoch, else up to three decimals (0.013)."""
    if math.isfinite(epoch) and epoch == round(epoch):
        return str(round(epoch))
    return f"{epoch:.3f}".rstrip("0").rstrip(".")


def forget_after(run_dir: Path, step: int) -> None:
    """Delete the snapshots after ``step``: a resumed run writes them again from its backup."""
    for later in snapshot_steps(run_dir):
        if later > step:
            snapshot_file(run_dir, later).unlink(missing_ok=True)


def _figure(value) -> float | None:
    return float(value) if value is not None and math.isfinite(float(value)) else None
