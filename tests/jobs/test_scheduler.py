"""The machine's scheduler: warm workers take jobs, one job per process, one scheduler per line."""

import subprocess
import sys
import time

import psutil
import pytest

from lstm_core.jobs.process import start_job
from lstm_core.jobs.scheduler import (
    Scheduler,
    Worker,
    ensure_running,
    keep_warm,
    running,
    workers_ready,
)
from lstm_core.store import runs
from lstm_core.training.train import create_run
from tests.helpers import demo_examples, remove_runs_dir, tiny_config
from tests.jobs.test_process import wait_for


@pytest.fixture
def served(tmp_path, monkeypatch):
    """A runs directory whose scheduler keeps a worker warm for this process; removed after the
    test, which sends its scheduler (and the worker it keeps) away."""
    monkeypatch.setenv("LSTM_STUDIO_WARM_WORKERS", "1")
    root = tmp_path / "runs"
    root.mkdir()
    yield root
    remove_runs_dir(root)


def test_a_warm_worker_takes_the_job_and_a_fresh_one_waits_for_the_next(served):
    root = served
    keep_warm(root, psutil.Process().pid)  # as the web server does: this process is the client
    [warm] = wait_for(lambda: workers_ready(root), timeout=180)
    first, second = (create_run(tiny_config(epochs=1), demo_examples(), run_dir=root / name)
                     for name in ("a", "b"))
    start_job(first)
    wait_for(lambda: runs.read_status(first)["status"] == "finished", timeout=180)
    assert runs.read_status(first)["pid"] == warm  # the process that had loaded TensorFlow
    [fresh] = wait_for(lambda: workers_ready(root), timeout=180)
    assert fresh != warm and not psutil.pid_exists(warm) or psutil.Process(warm).status() == \
        psutil.STATUS_ZOMBIE  # one job per process: the first one's has ended
    start_job(second)
    wait_for(lambda: runs.read_status(second)["status"] == "finished", timeout=180)
    assert runs.read_status(second)["pid"] == fresh
    status = runs.read_status(second)
    assert (status["executor"], status["node"]) == ("local", status["host"])


def test_one_scheduler_per_line_and_it_leaves_when_idle(tmp_path):
    root = tmp_path / "runs"
    root.mkdir()
    command = [sys.executable, "-m", "lstm_core.jobs.scheduler", str(root), "--linger"]
    first = subprocess.Popen([*command, "60"])
    try:
        wait_for(lambda: running(root), timeout=60)
        second = subprocess.run([*command, "60"], timeout=60)  # finds the line served: leaves
        assert second.returncode == 0 and first.poll() is None
        ensure_running(root)  # a no-op while one runs
    finally:
        first.kill()
        first.wait()
    assert not running(root)  # its lock went with it
    idle = subprocess.run([*command, "0.5"], timeout=60)  # nothing to do, no web server: exits
    assert idle.returncode == 0 and not running(root)


def test_a_worker_that_cannot_start_is_not_restarted_in_a_loop(tmp_path, monkeypatch):
    """A broken install kills every worker at once; the scheduler pauses longer each time."""
    monkeypatch.setenv("LSTM_STUDIO_WARM_WORKERS", "1")
    started = []

    def broken(home):
        process = subprocess.Popen([sys.executable, "-c", "raise SystemExit(1)"],
                                   stdin=subprocess.PIPE)
        started.append(process)
        return Worker(process, home / f"{len(started)}.ready")

    monkeypatch.setattr(Worker, "start", staticmethod(broken))
    scheduler = Scheduler(tmp_path, has_gpu=False)
    deadline = time.monotonic() + 4.0
    while time.monotonic() < deadline:
        scheduler._keep_ready()
        time.sleep(0.05)
    for process in started:
        process.wait()
        process.stdin.close()
    assert 2 <= len(started) <= 4  # pauses of 1 s, then 2 s; a loop would have started dozens
