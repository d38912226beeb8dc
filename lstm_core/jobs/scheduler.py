"""One machine's job line: a scheduler process takes waiting jobs and starts each in a worker.

``python -m lstm_core.jobs.scheduler DOMAIN`` runs once per machine and directory of runs (a lock
file makes a second one exit at once). Jobs wait as tickets (``store.queue``), not as processes;
when a slot for a job's device is free, the scheduler hands the oldest ticket to a worker it
keeps ready (``jobs.worker --warm``: TensorFlow already imported) and starts a fresh one for the
next job, so a job never shares a process with another. Workers run in sessions of their own and
outlive the scheduler; the scheduler exits once nothing waits, nothing it started runs and no
web server that asked for warm workers lives.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from filelock import FileLock, Timeout

from lstm_core import settings
from lstm_core.errors import StudioError
from lstm_core.fileio import atomic_write_json, read_json
from lstm_core.jobs.process import reap_when_done, spawn
from lstm_core.model.device import gpu_names
from lstm_core.store import queue, runs

if TYPE_CHECKING:  # ray is imported only where a cluster is configured
    from lstm_core.jobs.ray_executor import RayExecutor

SCHEDULER_DIR = ".scheduler"
POLL_S = 0.1
IDLE_EXIT_S = 30.0  # how long a scheduler with nothing to do and no web server waits for work
CLIENT_SUFFIX = ".client"
READY_SUFFIX = ".ready"
RESTART_PAUSE_MAX_S = 300.0
CLIENT_CHECK_S = 5.0  # how often an idle scheduler looks whether its web servers still run


def _home(domain: Path) -> Path:
    """The scheduler's folder in ``domain``; never recreates a runs directory removed meanwhile."""
    home = Path(domain) / SCHEDULER_DIR
    home.mkdir(exist_ok=True)
    return home


def _log(domain: Path) -> Path:
    """Where the scheduler, and its workers until they get a job, write."""
    return _home(domain) / f"{socket.gethostname()}.log"


def _lock(domain: Path) -> FileLock:
    return FileLock(_home(domain) / f"{socket.gethostname()}.lock")


def running(domain: Path) -> bool:
    """Whether this machine's scheduler for ``domain`` is alive (it holds its lock)."""
    lock = _lock(domain)
    try:
        lock.acquire(blocking=False)
    except Timeout:
        return True
    lock.release()
    return False


def ensure_running(domain: Path) -> None:
    """Start this machine's scheduler for ``domain`` unless it runs; returns at once."""
    domain = Path(domain).resolve()
    if running(domain):
        return
    reap_when_done(spawn("lstm_core.jobs.scheduler", str(domain), log=_log(domain)))


def keep_warm(domain: Path, client_pid: int) -> None:
    """Called by a web server: keep a worker ready for its users' jobs while ``client_pid``
    lives, so a click on Train does not wait for TensorFlow to load."""
    if settings.warm_workers() == 0 or settings.ray_address():
        return  # none wanted, or jobs train on a cluster's nodes
    domain = Path(domain).resolve()
    client = _home(domain) / f"{socket.gethostname()}-{client_pid}{CLIENT_SUFFIX}"
    if not client.exists():
        atomic_write_json(client, {"pid": client_pid,
                                   "pid_created": runs.process_started(client_pid)})
    ensure_running(domain)


def keep_warm_for_this_server() -> None:
    """``keep_warm`` for the runs directory of this web server's process."""
    keep_warm(runs.runs_root(), os.getpid())


def _clients_alive(domain: Path) -> bool:
    """Whether a web server of this machine that asked for warm workers still runs."""
    alive = False
    for client in _home(domain).glob(f"{socket.gethostname()}-*{CLIENT_SUFFIX}"):
        try:
            record = read_json(client)
        except Exception:  # a half-written or foreign file: not a live client
            record = {}
        if runs.process_alive(record.get("pid"), None, record.get("pid_created")):
            alive = True
        else:
            with contextlib.suppress(OSError):
                client.unlink()
    return alive


@dataclass
class Worker:
    """A training process waiting for its job on stdin (``jobs.worker --warm``)."""

    process: subprocess.Popen
    ready_file: Path  # exists once the process has loaded TensorFlow, until it gets its job

    @classmethod
    def start(cls, home: Path) -> Worker:
        ready_file = home / f"{socket.gethostname()}-{time.time_ns()}{READY_SUFFIX}"
        process = spawn("lstm_core.jobs.worker", "--warm", str(ready_file),
                        log=_log(home.parent), stdin=subprocess.PIPE)
        return cls(process, ready_file)

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def give(self, run_dir: Path) -> None:
        """Hand over the job; the worker reads one line, so closing stdin ends the exchange."""
        with contextlib.suppress(BrokenPipeError, OSError):
            self.process.stdin.write(f"{run_dir}\n".encode())
            self.process.stdin.close()
        reap_when_done(self.process)

    def dismiss(self) -> None:
        """No job for it: end of input, and it exits."""
        with contextlib.suppress(OSError):
            self.process.stdin.close()
        reap_when_done(self.process)
        self.ready_file.unlink(missing_ok=True)


def workers_ready(domain: Path) -> list[int]:
    """The pids of this machine's warm workers waiting, TensorFlow loaded, for a job in
    ``domain``."""
    home = Path(domain) / SCHEDULER_DIR
    pids = []
    for ready in home.glob(f"{socket.gethostname()}-*{READY_SUFFIX}") if home.is_dir() else ():
        with contextlib.suppress(OSError, ValueError):
            pids.append(int(ready.read_text()))
    return sorted(pids)


@dataclass
class Scheduler:
    """The loop: start waiting jobs when slots free up, keep workers ready, exit when idle."""

    domain: Path
    ready: list[Worker] = field(default_factory=list)
    started: dict[Path, tuple[Worker, str]] = field(default_factory=dict)  # run -> (worker, device)
    places: dict[Path, int] = field(default_factory=dict)
    devices: dict[Path, str] = field(default_factory=dict)  # waiting run -> "cpu" or "gpu"
    has_gpu: bool = field(default_factory=lambda: bool(gpu_names()))
    idle_since: float = field(default_factory=time.monotonic)
    clients_seen: float = 0.0  # when a live web server was last found
    linger_s: float = IDLE_EXIT_S  # idle this long with no web server: exit
    cluster: RayExecutor | None = None  # with LSTM_STUDIO_RAY_ADDRESS: jobs go to Ray instead
    restart_pause_s: float = 0.0  # after warm workers that died without a job
    restart_at: float = 0.0

    def run(self) -> None:
        while self.domain.is_dir():  # a runs directory removed leaves nothing to serve
            try:
                busy = self.step()
            except FileNotFoundError:
                if self.domain.is_dir():
                    raise
                break  # removed while we looked
            now = time.monotonic()
            if not busy and now - self.clients_seen > CLIENT_CHECK_S:
                if _clients_alive(self.domain):
                    self.clients_seen = now
            if busy or now - self.clients_seen <= CLIENT_CHECK_S:
                self.idle_since = now
            elif now - self.idle_since > self.linger_s:
                break
            time.sleep(POLL_S)
        for worker in self.ready:
            worker.dismiss()

    def step(self) -> bool:
        """One look at the line; True while jobs wait or run."""
        if self.cluster is not None:
            return self._step_on_cluster(self.cluster)
        self.started = {run: job for run, job in self.started.items() if job[0].alive}
        waiting = queue.waiting(self.domain)
        in_line = set(waiting)
        self.devices = {run: kind for run, kind in self.devices.items() if run in in_line}
        lines: dict[str, list[Path]] = {"cpu": [], "gpu": []}
        for run_dir in waiting:
            device = self._device(run_dir)
            if device is None or self._stopped_while_waiting(run_dir):
                continue
            if not lines[device] and self._slot_free(device):
                self._start(run_dir, device)
            else:
                lines[device].append(run_dir)
        for line in lines.values():
            self._tell_places(line)
        self._keep_ready()
        return bool(waiting or self.started)

    def _step_on_cluster(self, cluster: RayExecutor) -> bool:
        """Hand every waiting job to Ray at once (its scheduler is the line now), take back
        those stopped before they started, and settle those Ray has ended."""
        from lstm_core.jobs.ray_executor import QUEUED_MESSAGE

        waiting = queue.waiting(self.domain)
        for run_dir in waiting:
            if self._device(run_dir) is None or self._stopped_while_waiting(run_dir):
                continue
            if queue.claim(run_dir, executor="ray", node=None, queue_position=0,
                           message=QUEUED_MESSAGE):
                cluster.submit(run_dir)
        for run_dir in cluster.tracked():
            if runs.stop_requested(run_dir):
                cluster.cancel(run_dir)  # False once it trains: its STOP file stops it then
        cluster.poll()
        return bool(waiting or cluster.tracked())

    def _device(self, run_dir: Path) -> str | None:
        """"cpu" or "gpu", read once per waiting run (whether it still waits is settled when it
        is claimed); None, and the ticket dropped, for a run that cannot be read."""
        if run_dir not in self.devices:
            try:
                requested = read_json(run_dir / runs.CONFIG_FILE)["train"]["device"]
            except Exception:  # deleted, or damaged beyond reading: nothing to start
                queue.dequeue(run_dir)
                return None
            self.devices[run_dir] = "gpu" if requested != "cpu" and self.has_gpu else "cpu"
        return self.devices[run_dir]

    def _stopped_while_waiting(self, run_dir: Path) -> bool:
        return runs.stop_requested(run_dir) and queue.withdraw(run_dir)

    def _slot_free(self, device: str) -> bool:
        limit = settings.max_jobs(device)
        mine = sum(1 for _, kind in self.started.values() if kind == device)
        return mine < limit and queue.free_slots(self.domain, device, limit) > 0

    def _start(self, run_dir: Path, device: str) -> None:
        worker = self.ready.pop(0) if self.ready else Worker.start(_home(self.domain))
        pid = worker.process.pid
        host = socket.gethostname()
        if not queue.claim(run_dir, pid=pid, pid_created=runs.process_started(pid), host=host,
                           executor="local", node=host, queue_position=0,
                           message="Starting."):
            self.ready.insert(0, worker)
            return
        worker.give(run_dir)
        self.started[run_dir] = (worker, device)
        self.places.pop(run_dir, None)

    def _tell_places(self, line: list[Path]) -> None:
        """Each waiting run's place in its device's line, written only when it changes."""
        for place, run_dir in enumerate(line, start=1):
            if self.places.get(run_dir) != place:
                self.places[run_dir] = place
                runs.update_status_if(
                    run_dir, lambda status: status.get("status") == "queued",
                    queue_position=place,
                    message=f"Waiting for a free training slot: number {place} in the queue.")

    def _keep_ready(self) -> None:
        """Keep ``LSTM_STUDIO_WARM_WORKERS`` workers waiting. One that dies without a job (a
        broken install, killed) is replaced after a pause that doubles each time, up to
        ``RESTART_PAUSE_MAX_S``: a worker that cannot start must not take the CPU in a loop."""
        if self.cluster is not None:
            return  # jobs train on the cluster's nodes
        for worker in self.ready:
            if not worker.alive:  # it could not tidy up
                worker.ready_file.unlink(missing_ok=True)
                self.restart_pause_s = min(RESTART_PAUSE_MAX_S, 2 * self.restart_pause_s or 1.0)
                self.restart_at = time.monotonic() + self.restart_pause_s
        self.ready = [worker for worker in self.ready if worker.alive]
        if any(worker.ready_file.exists() for worker in self.ready):
            self.restart_pause_s = 0.0  # workers start again: no more pausing
        if time.monotonic() < self.restart_at:
            return
        while len(self.ready) < settings.warm_workers():
            self.ready.append(Worker.start(_home(self.domain)))


def main(argv: list[str]) -> int:
    if len(argv) not in (1, 3) or len(argv) == 3 and argv[1] != "--linger":
        print("usage: python -m lstm_core.jobs.scheduler RUNS_DIR [--linger SECONDS]",
              file=sys.stderr)
        return 2
    domain = Path(argv[0]).resolve()
    linger_s = float(argv[2]) if len(argv) == 3 else IDLE_EXIT_S
    lock = _lock(domain)
    try:
        lock.acquire(blocking=False)
    except Timeout:
        return 0  # another scheduler serves this line
    try:
        return _serve(domain, linger_s)
    finally:
        lock.release()


def _serve(domain: Path, linger_s: float) -> int:
    """Run the line until idle; with a Ray cluster configured, as the cluster's driver. A
    cluster that cannot be joined or goes away leaves the jobs it would have had interrupted,
    with the reason, to be resumed."""
    address = settings.ray_address()
    scheduler = Scheduler(domain, linger_s=linger_s)
    try:
        if address:
            from lstm_core.jobs.ray_executor import RayExecutor

            scheduler.cluster = RayExecutor(address)
        scheduler.run()
    except StudioError as exc:
        print(f"error: {exc}", flush=True)
        for run_dir in queue.waiting(domain):
            runs.update_status_if(run_dir, lambda status: status.get("status") == "queued",
                                  status="interrupted", message=str(exc), ended=runs.now_iso())
            queue.dequeue(run_dir)
        return 1
    finally:
        if scheduler.cluster is not None:
            scheduler.cluster.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
