"""The run store: one directory per run, and the only record of it.

A run directory holds ``config.json`` (RunConfig), ``data.parquet`` (the examples with their
split), ``status.json``, ``events.jsonl``, ``vocab.json``, ``model.keras``, ``baseline.json``,
``metrics.json``, ``predictions.csv``, ``snapshots/`` (the weights at points of training) and,
while a run can still be resumed, ``backup/`` (the variables, optimizer state and number of its
last finished epoch). The app, the CLI and the training process talk only through these files,
so a run started anywhere can be watched, stopped or listed from anywhere, and a restart of the
web server loses nothing.
"""

from __future__ import annotations

import os
import shutil
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil
from filelock import FileLock

from lstm_core import settings
from lstm_core.errors import StudioError
from lstm_core.fileio import atomic_write_json, file_stamp, read_json, safe_name

STATES = ("queued", "running", "stopped", "finished", "failed", "interrupted")
ACTIVE_STATES = ("queued", "running")
RESUMABLE_STATES = ("stopped", "failed", "interrupted")

CONFIG_FILE = "config.json"
STATUS_FILE = "status.json"
EVENTS_FILE = "events.jsonl"
VOCAB_FILE = "vocab.json"
MODEL_FILE = "model.keras"
BASELINE_FILE = "baseline.json"
METRICS_FILE = "metrics.json"
PREDICTIONS_FILE = "predictions.csv"
DATA_FILE = "data.parquet"
STOP_FILE = "STOP"
LOG_FILE = "worker.log"
BACKUP_DIR = "backup"
BACKUP_FILE = "latest.npz"  # in BACKUP_DIR; written by callbacks.EpochBackup
SNAPSHOT_DIR = "snapshots"  # the weights at points of training; see store/snapshots.py
STATUS_LOCK_FILE = ".status.lock"

# Two start stamps of one process differ by float rounding only; a pid the OS hands on is
# reused far later than this after the first process started.
SAME_START_S = 0.1
# Status files written before psutil kept the start as ``pid_start``: clock ticks since boot,
# read from Linux's /proc (None elsewhere). Only Linux counts them the same way.
_TICKS_COMPARABLE = sys.platform.startswith("linux")


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def runs_root() -> Path:
    """``$LSTM_STUDIO_RUNS``, else ``./runs``; created on first use."""
    root = settings.runs_dir()
    root.mkdir(parents=True, exist_ok=True)
    return root


def new_run_dir(name: str, root: Path | None = None) -> Path:
    """Create an empty, uniquely named run directory: ``<UTC time>-<safe name>``."""
    root = runs_root() if root is None else Path(root)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    base = f"{stamp}-{safe_name(name)}"
    for suffix in range(1000):
        path = root / (base if suffix == 0 else f"{base}-{suffix}")
        try:
            path.mkdir(parents=True)
            return path
        except FileExistsError:
            continue
    raise StudioError(f"Could not create a new run directory in {root}; too many named {base!r}.")


def resolve_run(run_id: str, root: Path | None = None) -> Path:
    """The directory of run ``run_id`` inside the runs root; ids that would leave it are refused."""
    root = (runs_root() if root is None else Path(root)).resolve()
    if not run_id or safe_name(run_id, default="") != run_id:
        raise StudioError(
            f"{run_id!r} is not a valid run id; ids use letters, digits, '.', '_' and '-'."
        )
    path = (root / run_id).resolve()
    if path.parent != root or not path.is_dir():
        raise StudioError(f"There is no run {run_id!r} in {root}.")
    return path


def find_run(spec: str | Path) -> Path:
    """The run a person named on the command line: a directory as is, anything else a run id.

    Raises:
        StudioError: a file, a path that does not exist, an unknown id, or a directory with no
            config.json.
    """
    path = Path(spec).expanduser()
    if path.exists() and not path.is_dir():
        raise StudioError(f"{spec} is a file, not a run directory.")
    if not path.exists():
        if len(path.parts) > 1:  # a path, not an id: say so rather than "not a valid run id"
            raise StudioError(f"{spec} does not exist. Give a run directory or a run id "
                              "(see 'runs').")
        path = resolve_run(str(spec))
    if not (path / CONFIG_FILE).is_file():
        raise StudioError(f"{spec} is not a run directory (it has no {CONFIG_FILE}).")
    return path


AUTHOR_MAX_CHARS = 40


def clean_author(name: str | None) -> str | None:
    """A person's name as a run records it: spaces tidied, None when empty.

    Raises:
        StudioError: longer than ``AUTHOR_MAX_CHARS`` or holding control characters.
    """
    if name is None:
        return None
    tidy = " ".join(str(name).split())
    if len(tidy) > AUTHOR_MAX_CHARS:
        raise StudioError(f"author must be at most {AUTHOR_MAX_CHARS} characters; got "
                          f"{len(tidy)}. Use a shorter name.")
    if not tidy.isprintable():
        raise StudioError(f"author must be a plain name; got {name!r}.")
    return tidy or None


def has_model(run_dir: Path) -> bool:
    """Whether the run has saved a model (after its first epoch), so it can predict."""
    return (Path(run_dir) / MODEL_FILE).is_file()


def stop_requested(run_dir: Path) -> bool:
    """Whether someone asked the run's job to stop (``training.train.request_stop``)."""
    return (Path(run_dir) / STOP_FILE).exists()


# ---- status ---------------------------------------------------------------------------------


def _status_lock(run_dir: Path) -> FileLock:
    """Serialise read-modify-write of status.json between the app, the CLI and the job."""
    return FileLock(Path(run_dir) / STATUS_LOCK_FILE)


def write_status(run_dir: Path, **changes: Any) -> dict:
    """Merge ``changes`` into status.json atomically and return the new status."""
    with _status_lock(run_dir):
        return _merge_status(Path(run_dir), changes)


def update_status_if(run_dir: Path, accept: Callable[[dict], bool], **changes: Any) -> dict | None:
    """Merge ``changes`` only if ``accept(status)`` holds, in one locked step; the new status or
    None. Two processes that both want a queued run (the scheduler starting it, a person
    stopping it) cannot both win."""
    with _status_lock(run_dir):
        try:
            status = read_json(Path(run_dir) / STATUS_FILE)
        except StudioError:
            return None
        return _merge_status(Path(run_dir), changes) if accept(status) else None


def _merge_status(run_dir: Path, changes: dict) -> dict:
    try:
        status = read_json(run_dir / STATUS_FILE)
    except StudioError:
        status = {}
    status.update(changes, updated=now_iso())
    if status.get("status") not in STATES:
        raise ValueError(f"status must be one of {STATES}; got {status.get('status')!r}")
    atomic_write_json(run_dir / STATUS_FILE, status)
    return status


def process_started(pid: int) -> float | None:
    """When process ``pid`` started, as a stamp that never changes while it runs; None if gone.

    Saved in status.json (``pid_created``) beside the pid, so a pid the OS has since given to
    another program is not mistaken for the training process. Linux counts a start from boot and
    psutil adds the boot time, which moves when the wall clock is set, so there the stamp is
    seconds since boot (as psutil's own identity check uses); other systems keep the wall-clock
    start, which never moves. A zombie (exited, not yet reaped) counts as gone.

    Raises:
        psutil.AccessDenied: the process exists but this user may not ask when it started.
    """
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return None
        created = process.create_time()
    except psutil.NoSuchProcess:
        return None
    return created - psutil.boot_time() if psutil.LINUX else created


def _stamp_from_ticks(ticks: int) -> float | None:
    """An old ``pid_start`` as a ``process_started`` stamp; None where it cannot be one.

    Linux's /proc gave those ticks, so a status file holding them and read on the same host under
    another system was written in a boot that has ended: its process is gone.
    """
    if not _TICKS_COMPARABLE:
        return None
    return ticks / os.sysconf("SC_CLK_TCK")


def process_alive(pid: int | None, host: str | None, started: float | None = None,
                  start_ticks: int | None = None) -> bool:
    """Whether the training process ``pid`` still runs (only knowable on its own host).

    Args:
        pid, host: the job's process and machine, from status.json.
        started: its ``process_started`` stamp (``pid_created``); None lets the pid decide alone.
        start_ticks: the stamp of status files written before that one (``pid_start``), used
            only when ``started`` is None.
    """
    if not pid:
        return False
    if host and host != socket.gethostname():
        return True  # another machine's job: trust its status file
    try:
        now = process_started(pid)
    except psutil.AccessDenied:
        return True  # it exists, and may be the job: never mark a live run dead
    if now is None:
        return False
    if started is None and start_ticks is not None:
        started = _stamp_from_ticks(start_ticks)
        if started is None:
            return False
    return started is None or abs(now - started) <= SAME_START_S


def job_alive(status: dict) -> bool:
    """``process_alive`` for the process a status.json names."""
    return process_alive(status.get("pid"), status.get("host"), status.get("pid_created"),
                         status.get("pid_start"))


# A job on a Ray cluster stamps ``heartbeat`` (seconds since the epoch) into its status.json
# every HEARTBEAT_S; its pid names a process on another machine, so a stamp older than
# HEARTBEAT_TIMEOUT_S is how a node, worker or cluster that went away shows. The timeout leaves
# room for a slow shared file system and clocks a little apart.
HEARTBEAT_S = 5.0
HEARTBEAT_TIMEOUT_S = 60.0


def heartbeat_stale(status: dict, now: float | None = None) -> bool:
    """Whether a Ray job's last heartbeat is older than ``HEARTBEAT_TIMEOUT_S``."""
    beat = status.get("heartbeat")
    if status.get("executor") != "ray" or not isinstance(beat, int | float):
        return False
    return (time.time() if now is None else now) - beat > HEARTBEAT_TIMEOUT_S


def _is_orphaned(status: dict) -> bool:
    if status.get("status") not in ACTIVE_STATES:
        return False
    return heartbeat_stale(status) or bool(status.get("pid") and not job_alive(status))


ORPHAN_MESSAGE = ("The training process ended without saying why (killed, out of memory, or the "
                  "machine restarted). The best model saved so far is kept.")
CLUSTER_LOST_MESSAGE = ("The Ray cluster stopped answering for this job (its node or worker went "
                        "away, or the app lost the cluster). The best model saved so far is "
                        "kept; resume the run to go on from its last whole epoch.")


def read_status(run_dir: Path, orphan_message: str = ORPHAN_MESSAGE) -> dict:
    """status.json, with a job whose process has died marked ``interrupted`` (and saved so).

    ``orphan_message`` says what that means for this kind of job (a run, a settings search).
    """
    run_dir = Path(run_dir)
    status = read_json(run_dir / STATUS_FILE)
    if _is_orphaned(status):
        with _status_lock(run_dir):
            status = read_json(run_dir / STATUS_FILE)  # the job may have finished meanwhile
            if _is_orphaned(status):
                lost = heartbeat_stale(status)
                status = _merge_status(run_dir, {
                    "status": "interrupted",
                    "message": CLUSTER_LOST_MESSAGE if lost else orphan_message,
                    "ended": status.get("ended") or now_iso(),
                })
    return status


# ---- listing --------------------------------------------------------------------------------


@dataclass
class RunSummary:
    """One row of the runs table: what a person needs to pick a run."""

    run_id: str
    path: Path
    status: str
    message: str = ""
    created: str = ""
    source: str = ""
    cell: str = ""
    device: str = ""
    epochs_done: int = 0
    val_accuracy: float | None = None
    test_accuracy: float | None = None
    baseline_accuracy: float | None = None
    author: str | None = None
    test_set: str | None = None  # fingerprint of the test texts (store.testset)
    train_s: float | None = None  # from the start of its (last) training to its end
    hidden: bool = False  # kept off the Class page by the teacher
    owner: str | None = None  # the tag of the browser session that started it (store.access)
    config: dict = field(default_factory=dict)

    @property
    def has_model(self) -> bool:
        """Whether the run has a saved model; looked up afresh, as a running job saves one."""
        return has_model(self.path)

    def to_dict(self) -> dict:
        return {k: (str(v) if isinstance(v, Path) else v) for k, v in self.__dict__.items()
                if k not in ("config", "owner")}


# Summaries of settled runs, by directory, with the (mtime, size) of the files they were read
# from. Every page lists the runs; a class's server holds hundreds, and reading three JSON files
# of each on every click is a real share of its CPU (docs/benchmarks.md).
_SETTLED: dict[Path, tuple[tuple, RunSummary]] = {}


def summarize_run(run_dir: Path) -> RunSummary:
    """A run's summary; a damaged directory gives status ``broken`` with the reason.

    A queued or running run is read afresh each time (its process may have died); any other is
    read again only when one of its files changed.
    """
    run_dir = Path(run_dir)
    stamp = tuple(file_stamp(run_dir / name) for name in (STATUS_FILE, CONFIG_FILE, METRICS_FILE))
    cached = _SETTLED.get(run_dir)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    summary = _read_summary(run_dir)
    if summary.status not in ACTIVE_STATES:
        _SETTLED[run_dir] = (stamp, summary)
    return summary


def _read_summary(run_dir: Path) -> RunSummary:
    try:
        status = read_status(run_dir)
        config = read_json(run_dir / CONFIG_FILE)
        metrics = read_json(run_dir / METRICS_FILE) if (run_dir / METRICS_FILE).exists() else {}
        return RunSummary(
            run_id=run_dir.name,
            path=run_dir,
            status=status["status"],
            message=status.get("message", ""),
            created=status.get("created", ""),
            source=config["data"]["source"],
            cell=config["model"]["cell"],
            device=status.get("device", ""),
            epochs_done=int(status.get("epochs_done", 0)),
            val_accuracy=status.get("best_val_accuracy"),
            test_accuracy=metrics.get("accuracy"),
            baseline_accuracy=metrics.get("baseline", {}).get("accuracy"),
            author=status.get("author"),
            train_s=_seconds_between(status.get("started"), status.get("ended")),
            hidden=bool(status.get("hidden", False)),
            owner=status.get("owner"),
            test_set=status["test_set"] if "test_set" in status else _legacy_test_set(run_dir),
            config=config,
        )
    except (StudioError, KeyError, TypeError, ValueError, AttributeError, OSError) as exc:
        reason = str(exc) if isinstance(exc, StudioError) else f"{type(exc).__name__}: {exc}"
        return RunSummary(run_id=run_dir.name, path=run_dir, status="broken", message=reason,
                          created=_mtime_iso(run_dir))


def _seconds_between(start: str | None, end: str | None) -> float | None:
    if not start or not end:
        return None
    try:
        return max(0.0, (datetime.fromisoformat(end) - datetime.fromisoformat(start))
                   .total_seconds())
    except (TypeError, ValueError):
        return None


def _legacy_test_set(run_dir: Path) -> str | None:
    """A run saved before status.json named its test set: computed from its own split."""
    from lstm_core.store.testset import stored_fingerprint  # pandas, only for such runs

    return stored_fingerprint(run_dir)


def _mtime_iso(path: Path) -> str:
    try:
        stamp = path.stat().st_mtime
    except OSError:
        stamp = time.time()
    return datetime.fromtimestamp(stamp, UTC).isoformat(timespec="seconds")


def list_runs(root: Path | None = None) -> list[RunSummary]:
    """All runs, newest first; hidden and non-directory entries are skipped."""
    root = runs_root() if root is None else Path(root)
    runs = [summarize_run(p) for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")]
    return sorted(runs, key=lambda r: (r.created, r.run_id), reverse=True)


def runs_with_model(root: Path | None = None) -> list[RunSummary]:
    """The runs that can predict: finished ones first, newest first within each group."""
    runs = [summary for summary in list_runs(root) if summary.has_model]
    return sorted(runs, key=lambda summary: summary.status != "finished")


def delete_run(run_dir: Path) -> None:
    """Remove a run; refused while it is queued or running (stop it first)."""
    run_dir = Path(run_dir)
    try:
        state = read_status(run_dir).get("status")
    except StudioError:
        state = "broken"
    if state in ACTIVE_STATES:
        raise StudioError(f"Run {run_dir.name} is {state}; stop it before deleting it.")
    shutil.rmtree(run_dir)
