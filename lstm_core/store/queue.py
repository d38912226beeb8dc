"""First come, first served: at most N training jobs per device at once, the rest wait in line.

The line is the run store itself: a job waits while an older queued job (by ``created``) whose
process is alive is ahead of it, and runs once it holds one of N slot locks. Slots are locked
files (``filelock``: flock on POSIX, LockFileEx on Windows), which the OS unlocks when their
holder exits, so a job that dies gives its slot back at once and nothing is left to clean up
after a crash or a restart of the web server. Devices belong to a machine, so each machine
(host name) has its own line and slots, even when several share one runs directory.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from lstm_core.errors import StudioError
from lstm_core.fileio import read_json
from lstm_core.settings import max_jobs
from lstm_core.store import runs

POLL_S = 0.5


def jobs_ahead(run_dir: Path) -> int:
    """Queued jobs of this machine with a live process that were created before this one."""
    run_dir = Path(run_dir)
    mine = read_json(run_dir / runs.STATUS_FILE).get("created", "")
    host = socket.gethostname()
    ahead = 0
    for other in run_dir.parent.iterdir():
        if other == run_dir or not (other / runs.STATUS_FILE).is_file():
            continue
        try:
            status = runs.read_status(other)
        except StudioError:
            continue
        older = (status.get("created", ""), other.name) < (mine, run_dir.name)
        same_machine = status.get("host", host) == host
        if status.get("status") == "queued" and status.get("pid") and older and same_machine:
            ahead += 1
    return ahead


def _try_slot(slot_dir: Path, device: str, limit: int) -> FileLock | None:
    """The first free one of ``limit`` slots on ``device``, locked; None if all are taken."""
    slot_dir.mkdir(exist_ok=True)
    for index in range(limit):
        slot = FileLock(slot_dir / f"{socket.gethostname()}-{device}-{index}.lock")
        try:
            slot.acquire(blocking=False)
        except Timeout:
            continue
        return slot
    return None


@contextmanager
def job_slot(run_dir: Path, device: str, on_wait: Callable[[int], None]) -> Iterator[bool]:
    """Wait for this job's turn and a free slot on ``device``; yields False if stopped meanwhile.

    Args:
        run_dir: the waiting run; its siblings are the line.
        device: "cpu" or "gpu"; each has its own slots.
        on_wait: told the job's place in line (1 = next) whenever it changes.
    """
    run_dir = Path(run_dir)
    limit = max_jobs()
    slot_dir = run_dir.parent / ".slots"
    slot, place = None, None
    while slot is None:
        if runs.stop_requested(run_dir):
            yield False
            return
        ahead = jobs_ahead(run_dir)
        if ahead == 0:
            slot = _try_slot(slot_dir, device, limit)
        if slot is None:
            if ahead + 1 != place:
                place = ahead + 1
                on_wait(place)
            time.sleep(POLL_S)
    try:
        yield True
    finally:
        slot.release()
