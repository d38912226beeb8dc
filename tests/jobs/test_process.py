import os
import socket
import subprocess
import sys
import time

import psutil

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


def job_pid(run_dir) -> int:
    """The pid of a started job's process, once the scheduler has given it one."""
    return wait_for(lambda: runs.read_status(run_dir).get("pid"))


def test_a_job_trains_in_its_own_process_and_finishes(tmp_path):
    run_dir = create_run(tiny_config(epochs=1), demo_examples(), run_dir=tmp_path / "run")
    start_job(run_dir)
    pid = job_pid(run_dir)
    assert pid != os.getpid()
    status = wait_for(lambda: (s := runs.read_status(run_dir))["status"] not in
                      runs.ACTIVE_STATES and s)
    assert status["status"] == "finished", status.get("message")
    assert status["pid"] == pid and (run_dir / "model.keras").exists()
    # Reaped as soon as it exits: a classroom server starts many jobs and must not keep zombies.
    wait_for(lambda: not psutil.pid_exists(pid), timeout=30)


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
    start_job(run_dir)
    wait_for(lambda: runs.read_status(run_dir)["status"] == "running")
    psutil.Process(job_pid(run_dir)).kill()
    status = wait_for(lambda: (s := runs.read_status(run_dir))["status"] != "running" and s)
    assert status["status"] == "interrupted"
    assert "ended without saying why" in status["message"]


def deaf_job(tmp_path):
    """A process that never reads its STOP file, with a child of its own, posing as a running job.

    Returns the run directory, the process and its child's pid.
    """
    run_dir = create_run(tiny_config(), demo_examples(), run_dir=tmp_path / "run")
    child = "import time; time.sleep(120)"
    code = ("import subprocess, sys, time; "
            f"c = subprocess.Popen([sys.executable, '-c', {child!r}]); "
            "print(c.pid, flush=True); time.sleep(120)")
    job = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    child_pid = int(job.stdout.readline())
    return run_dir, job, child_pid


def test_a_job_that_does_not_stop_in_time_is_ended_with_its_children(tmp_path):
    run_dir, job, child_pid = deaf_job(tmp_path)
    try:
        runs.write_status(run_dir, status="running", pid=job.pid, host=socket.gethostname(),
                          pid_created=runs.process_started(job.pid))
        status = stop_job(run_dir, grace_s=0.5)
        assert status["status"] == "stopped" and "Did not stop within" in status["message"]
        assert job.wait(timeout=10) != 0
        wait_for(lambda: not psutil.pid_exists(child_pid) or
                 psutil.Process(child_pid).status() == psutil.STATUS_ZOMBIE, timeout=10)
    finally:
        job.kill()
        job.wait()
        job.stdout.close()
        if psutil.pid_exists(child_pid):
            psutil.Process(child_pid).kill()


def test_stopping_a_job_of_another_machine_never_ends_a_process_here(tmp_path):
    """Its pid belongs to the other machine; here it may name any process (this one stands in)."""
    run_dir, job, child_pid = deaf_job(tmp_path)
    try:
        runs.write_status(run_dir, status="running", pid=job.pid, host="another-machine")
        assert stop_job(run_dir, grace_s=0.5)["status"] == "running"
        assert job.poll() is None and psutil.pid_exists(child_pid)
    finally:
        for process in (psutil.Process(child_pid), job):
            process.kill()
        job.wait()
        job.stdout.close()
