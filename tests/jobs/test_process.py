import os
import time
from pathlib import Path

from lstm_core.jobs.process import start_job, stop_job
from lstm_core.store import runs
from lstm_core.store.events import read_events
from lstm_core.training.train import create_run
from tests.helpers import demo_examples, tiny_config


def wait_for(predicate, timeout=120.0, interval=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("condition not met in time")


def test_a_job_trains_in_its_own_process_and_finishes(tmp_path):
    run_dir = create_run(tiny_config(epochs=1), demo_examples(), run_dir=tmp_path / "run")
    pid = start_job(run_dir)
    assert pid != os.getpid()
    status = wait_for(lambda: (s := runs.read_status(run_dir))["status"] not in
                      runs.ACTIVE_STATES and s)
    assert status["status"] == "finished", status.get("message")
    assert status["pid"] == pid and (run_dir / "model.keras").exists()
    # Reaped as soon as it exits: a classroom server starts many jobs and must not keep zombies.
    wait_for(lambda: not Path(f"/proc/{pid}").exists(), timeout=30)


def test_stop_job_stops_a_running_job_after_a_batch_and_keeps_the_model(tmp_path):
    run_dir = create_run(tiny_config(epochs=50, log_every=1), demo_examples(600),
                         run_dir=tmp_path / "run")
    start_job(run_dir)
    wait_for(lambda: any(e["event"] == "batch" for e in read_events(run_dir)))
    status = stop_job(run_dir, grace_s=60)
    assert status["status"] == "stopped", status.get("message")
    assert status["epochs_done"] < 50 and (run_dir / "model.keras").exists()


def test_a_killed_job_is_marked_interrupted(tmp_path):
    run_dir = create_run(tiny_config(epochs=50, log_every=1), demo_examples(600),
                         run_dir=tmp_path / "run")
    pid = start_job(run_dir)
    wait_for(lambda: runs.read_status(run_dir)["status"] == "running")
    os.kill(pid, 9)
    status = wait_for(lambda: (s := runs.read_status(run_dir))["status"] != "running" and s)
    assert status["status"] == "interrupted"
    assert "ended without saying why" in status["message"]
