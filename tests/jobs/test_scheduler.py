"""The machine's scheduler: warm workers take jobs, one job per process, one scheduler per line."""

import subprocess
import sys

import psutil

from lstm_core.jobs.process import start_job
from lstm_core.jobs.scheduler import ensure_running, keep_warm, running, workers_ready
from lstm_core.store import runs
from lstm_core.training.train import create_run
from tests.helpers import demo_examples, tiny_config
from tests.jobs.test_process import wait_for


def test_a_warm_worker_takes_the_job_and_a_fresh_one_waits_for_the_next(tmp_path, monkeypatch):
    monkeypatch.setenv("LSTM_STUDIO_WARM_WORKERS", "1")
    root = tmp_path / "runs"
    root.mkdir()
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
    command = [sys.executable, "-m", "lstm_core.jobs.scheduler", str(root), "--linger", "1"]
    first = subprocess.Popen(command)
    wait_for(lambda: running(root), timeout=60)
    second = subprocess.run(command, timeout=60)  # finds the line served and leaves at once
    assert second.returncode == 0 and first.poll() is None
    ensure_running(root)  # a no-op while it runs
    assert first.wait(timeout=60) == 0 and not running(root)  # nothing to do: it exits
