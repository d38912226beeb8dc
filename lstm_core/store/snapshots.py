"""A run's weights after each whole epoch, so it can be looked at as it learned.

``snapshots/epoch-0003.npz`` holds the model's weights after epoch 3, in ``model.get_weights()``
order, and the epoch number (``training.callbacks.EpochSnapshot`` writes them). Weights only:
nothing resumes from them (that is ``backup/``), so they stay when the run finishes. Runs saved
before snapshots were kept have no such folder and list none.
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

_NAME = re.compile(r"epoch-(\d+)\.npz")


@dataclass(frozen=True)
class Snapshot:
    """One kept epoch and how the run stood after it (None where the log has no figure)."""

    epoch: int
    path: Path
    loss: float | None = None
    accuracy: float | None = None
    val_loss: float | None = None
    val_accuracy: float | None = None
    best: bool = False  # the epoch model.keras holds

    def to_dict(self) -> dict:
        return {k: (str(v) if isinstance(v, Path) else v) for k, v in self.__dict__.items()}


def snapshot_file(run_dir: Path, epoch: int) -> Path:
    """Where the weights after ``epoch`` are kept."""
    return Path(run_dir) / SNAPSHOT_DIR / f"epoch-{epoch:04d}.npz"


def snapshot_epochs(run_dir: Path) -> list[int]:
    """The epochs whose weights are kept, in order; [] for a run without snapshots.

    Temporary files of a write in progress (``.epoch-0003.tmp.npz``) are not counted.
    """
    folder = Path(run_dir) / SNAPSHOT_DIR
    if not folder.is_dir():
        return []
    found = (_NAME.fullmatch(path.name) for path in folder.iterdir())
    return sorted(int(match.group(1)) for match in found if match)


def check_epoch(run_dir: Path, epoch: object) -> int:
    """``epoch`` as an int, if the run kept its weights.

    Raises:
        StudioError: the run kept no snapshots, or none of ``epoch``; the message lists those kept.
    """
    run_dir = Path(run_dir)
    epochs = snapshot_epochs(run_dir)
    if not epochs:
        raise StudioError(f"Run {run_dir.name} kept no weights per epoch (it was trained before "
                          "snapshots were kept, or before its first epoch ended); only its best "
                          "model can be inspected.")
    if isinstance(epoch, bool) or not isinstance(epoch, int | np.integer) or epoch not in epochs:
        raise StudioError(f"Run {run_dir.name} has no snapshot of epoch {epoch!r}; it has "
                          f"{_span(epochs)}.")
    return int(epoch)


def _span(epochs: list[int]) -> str:
    """"epochs 1-5", or the list when some are missing ("epochs 1, 2, 4")."""
    if len(epochs) > 1 and epochs == list(range(epochs[0], epochs[-1] + 1)):
        return f"epochs {epochs[0]}-{epochs[-1]}"
    return ("epoch " if len(epochs) == 1 else "epochs ") + ", ".join(map(str, epochs))


def snapshot_arrays(epoch: int, weights: list[np.ndarray]) -> dict[str, np.ndarray]:
    """What a snapshot file holds, by name: the epoch and the weights in their order."""
    return {"epoch": np.array(epoch), **{f"weight_{i}": w for i, w in enumerate(weights)}}


def read_snapshot(path: Path) -> list[np.ndarray]:
    """The weights of a snapshot file, in ``model.get_weights()`` order."""
    with np.load(path) as saved:
        count = sum(1 for name in saved.files if name.startswith("weight_"))
        return [saved[f"weight_{i}"] for i in range(count)]


def list_snapshots(run_dir: Path) -> list[Snapshot]:
    """The kept epochs with the figures events.jsonl logged for them, oldest first."""
    run_dir = Path(run_dir)
    epochs = snapshot_epochs(run_dir)
    if not epochs:
        return []
    logged = {e["epoch"]: e for e in read_events(run_dir) if e.get("event") == "epoch"}
    best = read_status(run_dir).get("best_epoch")
    return [Snapshot(epoch, snapshot_file(run_dir, epoch),
                     **{key: _figure(logged.get(epoch, {}).get(key))
                        for key in ("loss", "accuracy", "val_loss", "val_accuracy")},
                     best=epoch == best)
            for epoch in epochs]


def _figure(value) -> float | None:
    return float(value) if value is not None and math.isfinite(float(value)) else None
