"""Where a search's trials train: the one interface a trial runner has to offer.

The search talks to a trial only through its run directory (status.json, events.jsonl, STOP),
so a runner just starts a run, says where it stands and stops it, and tells how many trials it
can train at once (the search keeps that many going unless told otherwise). ``LocalProcesses``
trains each trial in a job process of this machine, as the Train page does; a runner that sends
trials to a cluster implements the same four methods.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from lstm_core.jobs.process import start_job, stop_job
from lstm_core.settings import ray_address
from lstm_core.store import runs

STOP_GRACE_S = 30.0  # a job stops after its current batch; one that does not answer is ended


class TrialExecutor(Protocol):
    """Starts, watches and stops the runs of a search's trials."""

    def capacity(self) -> int:
        """How many trials it can train at once (at least 1)."""

    def start(self, run_dir: Path) -> None:
        """Start training a queued run (made by ``train.create_run``); returns at once."""

    def poll(self, run_dir: Path) -> dict:
        """The run's status.json now, a dead process marked interrupted."""

    def stop(self, run_dir: Path, grace_s: float = STOP_GRACE_S) -> dict:
        """Stop the run (its best model is kept) and return its final status once it ended;
        a run that has not stopped after ``grace_s`` seconds is ended."""


class LocalProcesses:
    """Each trial in a job process on this machine (``jobs.process``), queued for a slot like
    any training job."""

    def capacity(self) -> int:
        """On a Ray cluster (``LSTM_STUDIO_RAY_ADDRESS``, where start_job sends every job), as
        many as its CPUs train at once; else one, as the search was measured (docs/search.md),
        leaving the machine's other job slots to other people's runs."""
        address = ray_address()
        if not address:
            return 1
        from lstm_core.jobs.ray_executor import jobs_at_once

        return jobs_at_once(address)

    def start(self, run_dir: Path) -> None:
        start_job(run_dir)

    def poll(self, run_dir: Path) -> dict:
        return runs.read_status(run_dir)

    def stop(self, run_dir: Path, grace_s: float = STOP_GRACE_S) -> dict:
        return stop_job(run_dir, grace_s=grace_s)
