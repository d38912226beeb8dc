"""Training jobs as separate OS processes, controlled only through their run directories.

``start_job`` puts a run in its machine's line (``store.queue``) and makes sure the machine's
scheduler (``jobs.scheduler``) runs; the scheduler starts the job in a worker process of its own
when a slot is free: a fresh interpreter (spawned, never forked from the web server, so no Keras
state, threads or GPU context are shared), which a crash or out-of-memory kills alone, which
gives its GPU memory back when it exits, and which outlives a restart of the web server.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

from lstm_core.errors import StudioError
from lstm_core.settings import ray_address
from lstm_core.store import queue, runs
from lstm_core.training.train import request_stop

REPO_ROOT = Path(__file__).resolve().parents[2]  # where ``python -m lstm_core...`` resolves

# Popen arguments that keep a job out of reach of Ctrl+C in the server's terminal and let it
# outlive the server: a session of its own on POSIX, a process group (and no console window)
# on Windows.
DETACHED: dict = (
    {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP | subprocess.CREATE_NO_WINDOW}
    if sys.platform == "win32" else {"start_new_session": True}
)


def reap_when_done(process: subprocess.Popen) -> None:
    """Wait for the job in a daemon thread: no zombie once it ends, and the server never blocks.

    The thread keeps the Popen object alive, so it is never collected (with a ResourceWarning)
    while its job runs; the job is in a session of its own and outlives this process anyway.
    """
    threading.Thread(target=process.wait, name=f"reap-job-{process.pid}", daemon=True).start()


def start_job(run_dir: Path) -> None:
    """Queue ``run_dir`` (made by ``train.create_run``, or reopened) for training; returns at
    once. Its worker's pid appears in status.json when its turn comes."""
    from lstm_core.jobs.scheduler import ensure_running

    run_dir = Path(run_dir).resolve()
    executor = "ray" if ray_address() else "local"
    if executor == "ray":
        _cluster_answers(run_dir)
    runs.write_status(run_dir, host=socket.gethostname(), pid=None, pid_created=None,
                      executor=executor, node=None, message="Waiting for its turn.")
    queue.enqueue(run_dir)
    ensure_running(run_dir.parent)


def _cluster_answers(run_dir: Path) -> None:
    """Refuse at once (the run kept, interrupted, to resume later) when the configured Ray
    cluster does not answer: the person who clicked should hear it, not find the job stuck."""
    from lstm_core.jobs.ray_executor import check_reachable

    try:
        check_reachable(ray_address())
    except StudioError as exc:
        runs.write_status(run_dir, status="interrupted", message=str(exc), ended=runs.now_iso())
        raise


def spawn(module: str, *args: str, log: Path, stdin: int = subprocess.DEVNULL
          ) -> subprocess.Popen:
    """``python -m module ARGS`` detached from this process, its output appended to ``log``."""
    with Path(log).open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", module, *args], stdin=stdin, stdout=out,
            stderr=subprocess.STDOUT, cwd=REPO_ROOT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"}, **DETACHED,
        )


def start_detached(module: str, work_dir: Path) -> int:
    """Run ``python -m module WORK_DIR`` detached, its output into ``WORK_DIR/worker.log``.

    ``work_dir`` holds a status.json (a run, or a settings search); the new process's pid, host
    and start stamp go into it, so ``runs.read_status`` tells when the process has died.
    """
    work_dir = Path(work_dir).resolve()
    process = spawn(module, str(work_dir), log=work_dir / runs.LOG_FILE)
    reap_when_done(process)
    runs.write_status(work_dir, pid=process.pid, host=socket.gethostname(),
                      pid_created=runs.process_started(process.pid))
    return process.pid


def stop_job(run_dir: Path, grace_s: float = 30.0) -> dict:
    """Stop a job: ask it (it stops after the current batch), then end it if it does not answer.

    The job normally writes its own final status ("stopped", best model kept). Only when it is
    still alive after ``grace_s`` seconds is it killed and marked stopped here.
    """
    return stop_jobs([run_dir], grace_s)[0]


def stop_all(root: Path, grace_s: float = 30.0) -> list[dict]:
    """Stop every queued or running job in the runs directory ``root`` (see ``stop_jobs``)."""
    return stop_jobs([d.parent for d in Path(root).glob(f"*/{runs.STATUS_FILE}")], grace_s)


def clear_queue(root: Path | None = None) -> list[Path]:
    """Stop every job still waiting for a training slot; running jobs train on.

    Returns the runs stopped; one whose process was already starting ends "stopped" as soon as
    that process sees the request.
    """
    waiting = [summary.path for summary in runs.list_runs(root) if summary.status == "queued"]
    for run_dir in waiting:
        request_stop(run_dir)
        queue.withdraw(run_dir)
    return waiting


def stop_jobs(run_dirs: list[Path], grace_s: float = 30.0) -> list[dict]:
    """``stop_job`` for several runs at once: all are asked first, then all get ``grace_s``.

    Runs that are not queued or running are left as they are. Returns each run's final status.
    """
    run_dirs = [Path(d) for d in run_dirs]
    active = [d for d in run_dirs if runs.read_status(d)["status"] in runs.ACTIVE_STATES]
    for run_dir in active:
        request_stop(run_dir)
        queue.withdraw(run_dir)  # still a line, not a process: stopped at once
    deadline = time.monotonic() + grace_s
    while active and time.monotonic() < deadline:
        time.sleep(0.2)
        active = [d for d in active if _still_running(runs.read_status(d))]
    for run_dir in active:
        status = runs.read_status(run_dir)
        if _still_running(status) and _here(status) and runs.job_alive(status):
            _kill_tree(status["pid"])
            runs.write_status(
                run_dir, status="stopped", ended=runs.now_iso(),
                message=f"Did not stop within {grace_s:.0f} s and was ended; the best model "
                "saved before that is kept.",
            )
    return [runs.read_status(d) for d in run_dirs]


def _here(status: dict) -> bool:
    """Whether the job runs on this machine: another's pid names no process here to end."""
    return not status.get("host") or status["host"] == socket.gethostname()


def _kill_tree(pid: int) -> None:
    """End a job at once with the processes it started (its tokenizer workers), on any system."""
    try:
        job = psutil.Process(pid)
        family = [job, *job.children(recursive=True)]
    except psutil.NoSuchProcess:
        return
    for process in family:  # the job first, so it starts no new worker meanwhile
        with contextlib.suppress(psutil.NoSuchProcess):
            process.kill()


def _still_running(status: dict) -> bool:
    return status["status"] in runs.ACTIVE_STATES and bool(status.get("pid"))
