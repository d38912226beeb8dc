"""First come, first served: at most N training jobs per device at once, the rest wait in line.

A job started through the app, ``train --detach`` or a search waits as a ticket, a file in
``.queue/<host>/`` beside its run directory, named by the time it joined: a line, not a process.
The machine's scheduler (``jobs.scheduler``) takes tickets oldest first and starts each job when
a slot is free. A job trained in the foreground (``python -m lstm_core train``) is already a
process: it waits while an older queued job (by ``created``) whose process is alive is ahead of
it. Every job trains only once it holds one of N slot locks. Slots are locked
files (``filelock``: flock on POSIX, LockFileEx on Windows), which the OS unlocks when their
holder exits, so a job that dies gives its slot back at once and nothing is left to clean up
after a crash or a restart of the web server. Devices belong to a machine, so each machine
(host name) has its own line and slots, even when several share one runs directory.
"""

from __future__ import annotations

import contextlib
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
QUEUE_DIR = ".queue"
SLOT_DIR = ".slots"
WAITING_MESSAGE = "Stopped while waiting in the queue."


def _tickets(domain: Path) -> Path:
    return Path(domain) / QUEUE_DIR / socket.gethostname()


def enqueue(run_dir: Path) -> None:
    """Put a queued run at the end of this machine's line (its ticket names it)."""
    run_dir = Path(run_dir)
    tickets = _tickets(run_dir.parent)
    tickets.mkdir(parents=True, exist_ok=True)
    (tickets / f"{time.time_ns():020d}-{run_dir.name}").touch()


def waiting(domain: Path) -> list[Path]:
    """The run directories with a ticket in this machine's line, oldest ticket first."""
    tickets = _tickets(domain)
    if not tickets.is_dir():
        return []
    names = sorted(ticket.name for ticket in tickets.iterdir())
    return [Path(domain) / name.split("-", 1)[1] for name in names if "-" in name]


def dequeue(run_dir: Path) -> None:
    """Take a run's ticket out of the line (started, stopped or gone)."""
    run_dir = Path(run_dir)
    for ticket in _tickets(run_dir.parent).glob(f"*-{run_dir.name}"):
        with contextlib.suppress(FileNotFoundError):
            ticket.unlink()


def _waiting_for_a_process(status: dict) -> bool:
    return status.get("status") == "queued" and not status.get("pid")


def claim(run_dir: Path, **changes) -> bool:
    """Take a waiting run out of the line to start it, with ``changes`` (its worker's pid) in
    status.json; False when it was stopped or started meanwhile."""
    claimed = runs.update_status_if(
        run_dir, lambda status: _waiting_for_a_process(status) and not runs.stop_requested(run_dir),
        **changes)
    dequeue(run_dir)
    return claimed is not None


def withdraw(run_dir: Path) -> bool:
    """End a run still waiting in line as stopped, at once; False when it has a process already
    (that process answers the STOP file itself)."""
    stopped = runs.update_status_if(run_dir, _waiting_for_a_process, status="stopped",
                                    message=WAITING_MESSAGE, ended=runs.now_iso(),
                                    queue_position=0)
    if stopped is not None:
        dequeue(run_dir)
    return stopped is not None


def free_slots(domain: Path, device: str, limit: int) -> int:
    """How many of ``device``'s ``limit`` slots no job holds now (each tried and let go)."""
    slot_dir = Path(domain) / SLOT_DIR
    slot_dir.mkdir(exist_ok=True)
    free = 0
    for index in range(limit):
        slot = _slot(slot_dir, device, index)
        if slot is not None:
            slot.release()
            free += 1
    return free


def _slot(slot_dir: Path, device: str, index: int) -> FileLock | None:
    """Slot ``index`` of ``device`` on this machine, locked; None while a job holds it."""
    slot = FileLock(slot_dir / f"{socket.gethostname()}-{device}-{index}.lock")
    try:
        slot.acquire(blocking=False)
    except Timeout:
        return None
    return slot


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
        slot = _slot(slot_dir, device, index)
        if slot is not None:
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
    limit = max_jobs(device)
    slot_dir = run_dir.parent / SLOT_DIR
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
