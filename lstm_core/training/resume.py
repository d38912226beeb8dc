"""Going on with a stopped, failed or interrupted run from its last whole epoch.

After each whole epoch the job backs up what a resumed run needs (``callbacks.EpochBackup``);
``reopen_run`` queues the run again and ``train_run`` then starts from that file.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from lstm_core.errors import StudioError
from lstm_core.store import runs


def resume_point(run_dir: Path) -> int | None:
    """The last finished epoch a stopped, failed or interrupted run can go on from, else None."""
    run_dir = Path(run_dir)
    if runs.read_status(run_dir)["status"] not in runs.RESUMABLE_STATES:
        return None
    return backed_up_epoch(backup_file(run_dir)) or None


def reopen_run(run_dir: Path) -> int:
    """Queue a stopped, failed or interrupted run again, to go on from its last finished epoch.

    ``train_run`` then restores the weights, optimizer state and epoch counter saved after that
    epoch (callbacks.EpochBackup) and appends to the same curves.

    Returns:
        The epoch training goes on from.

    Raises:
        StudioError: if the run is still active, finished, or has no finished epoch to go on from.
    """
    run_dir = Path(run_dir)
    status = runs.read_status(run_dir)
    epoch = resume_point(run_dir)
    if epoch is None:
        if status["status"] not in runs.RESUMABLE_STATES:
            raise StudioError(f"Run {run_dir.name} is {status['status']}; only a stopped, failed "
                              "or interrupted run can be resumed.")
        raise StudioError(f"Run {run_dir.name} ended before its first epoch finished, so there "
                          "is nothing to go on from; train it again instead.")
    (run_dir / runs.STOP_FILE).unlink(missing_ok=True)
    runs.write_status(run_dir, status="queued", ended=None, queue_position=None, pid=None,
                      pid_created=None, pid_start=None, heartbeat=None, node=None,
                      message=f"Resuming after epoch {epoch}.")
    return epoch


def backup_file(run_dir: Path) -> Path:
    """Where ``callbacks.EpochBackup`` keeps the run's last whole epoch."""
    return Path(run_dir) / runs.BACKUP_DIR / runs.BACKUP_FILE


def backed_up_epoch(backup: Path) -> int:
    """The epoch a ``callbacks.EpochBackup`` file was written after; 0 if none or broken."""
    try:
        with np.load(backup) as saved:
            return int(saved["epoch"])
    except (OSError, KeyError, ValueError, EOFError):
        return 0


def saved_best_loss(run_dir: Path) -> float:
    """The validation loss of the model already on disk, which a resumed run has to beat."""
    loss = runs.read_status(run_dir).get("best_val_loss")
    return float(loss) if loss is not None and (run_dir / runs.MODEL_FILE).is_file() else math.inf
