"""Jobs as Ray tasks, on a real two-node Ray cluster started on this machine.

The cluster is two ``ray start`` nodes of one CPU each on 127.0.0.1, with their own temporary
directory and free ports, started once for this module and ended process by process after it.
The cluster tests skip, saying why, where ray is not installed (requirements-cluster.txt).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import psutil
import pytest

from lstm_core.errors import StudioError
from lstm_core.jobs.ray_executor import (
    CANCELLED_MESSAGE,
    CLUSTER_GONE_MESSAGE,
    QUEUED_MESSAGE,
    Heartbeat,
    check_reachable,
    task_resources,
    visibility_problem,
)
from lstm_core.store import runs
from lstm_core.store.events import read_events
from lstm_core.training.train import create_run, reopen_run, request_stop
from tests.helpers import demo_examples, remove_runs_dir, tiny_config

HAVE_RAY = importlib.util.find_spec("ray") is not None
RAY_TEST_ENV = {"RAY_USAGE_STATS_ENABLED": "0", "RAY_AUTH_MODE": "disabled"}
needs_ray = pytest.mark.skipif(
    not HAVE_RAY, reason="ray is not installed (pip install -r requirements-cluster.txt)")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _ray_start(*args: str, temp_dir: str, env: dict) -> None:
    node = ["--node-ip-address=127.0.0.1", "--num-cpus=1", "--num-gpus=0",
            "--object-store-memory=80000000", f"--temp-dir={temp_dir}", "--disable-usage-stats"]
    command = [str(Path(sys.executable).with_name("ray")), "start", *args, *node]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def _cluster_processes(temp_dir: str, client_port: int) -> list[psutil.Process]:
    """This cluster's daemons (named by its temp dir or client port) and all their children."""
    found = []
    for process in psutil.process_iter(["cmdline"]):
        line = " ".join(process.info["cmdline"] or [])
        if temp_dir in line or ("ray.util.client.server" in line
                                and f"--port={client_port}" in line):
            try:
                found += [process, *process.children(recursive=True)]
            except psutil.NoSuchProcess:
                continue
    return found


@contextlib.contextmanager
def ray_cluster(nodes: int):
    """``nodes`` Ray nodes of one CPU each on 127.0.0.1: (GCS address, Ray Client address)."""
    temp_dir = tempfile.mkdtemp(prefix="ray-")  # short: Ray's socket paths must fit 107 bytes
    port, client_port = _free_port(), _free_port()
    # No usage reports, and no token auth picked up from a ~/.ray of the person running tests.
    env = {**os.environ, **RAY_TEST_ENV}
    try:
        _ray_start("--head", f"--port={port}", f"--ray-client-server-port={client_port}",
                   "--include-dashboard=false", temp_dir=temp_dir, env=env)
        for _ in range(nodes - 1):
            _ray_start(f"--address=127.0.0.1:{port}", temp_dir=temp_dir, env=env)
        yield f"127.0.0.1:{port}", f"ray://127.0.0.1:{client_port}"
    finally:
        end_cluster(temp_dir, client_port)
        shutil.rmtree(temp_dir, ignore_errors=True)


def end_cluster(temp_dir: str, client_port: int) -> None:
    for process in _cluster_processes(temp_dir, client_port):
        with contextlib.suppress(psutil.NoSuchProcess):
            process.kill()


@pytest.fixture(scope="module")
def cluster():
    """The address of a running two-node cluster on 127.0.0.1."""
    if not HAVE_RAY:
        pytest.skip("ray is not installed (pip install -r requirements-cluster.txt)")
    with ray_cluster(nodes=2) as (address, _):
        yield address


@pytest.fixture(scope="module")
def executor(cluster):
    from lstm_core.jobs.ray_executor import GCS_WAIT_VARIABLE, RayExecutor

    with pytest.MonkeyPatch.context() as patch:
        for name, value in RAY_TEST_ENV.items():
            patch.setenv(name, value)
        patch.delenv(GCS_WAIT_VARIABLE, raising=False)  # the executor sets it; undone after
        ray_executor = RayExecutor(cluster)
        yield ray_executor
        ray_executor.close()


def wait_for(predicate, executor=None, timeout=120.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if executor is not None:
            executor.poll()
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def settled(executor, run_dirs: list[Path]) -> list[dict]:
    wait_for(lambda: not set(executor.tracked()) & {d.resolve() for d in run_dirs}, executor)
    return [runs.read_status(d) for d in run_dirs]


def _seconds(stamp: str) -> float:
    return datetime.fromisoformat(stamp).timestamp()


@needs_ray
def test_two_jobs_train_at_the_same_time_on_different_nodes(executor, tmp_path):
    run_dirs = [create_run(tiny_config(), demo_examples(), run_dir=tmp_path / name)
                for name in ("a", "b")]
    for run_dir in run_dirs:
        executor.submit(run_dir)
    assert runs.read_status(run_dirs[0])["executor"] == "ray"
    first, second = settled(executor, run_dirs)
    assert [first["status"], second["status"]] == ["finished", "finished"]
    assert first["node"] and second["node"] and first["node"] != second["node"]
    # Each had its node's only CPU, and neither waited for the other.
    assert max(_seconds(s["started"]) for s in (first, second)) < min(
        _seconds(s["ended"]) for s in (first, second))


@needs_ray
def test_a_job_queued_on_the_cluster_is_cancelled_and_a_running_one_stops(executor, tmp_path):
    busy = [create_run(tiny_config(epochs=50, log_every=1), demo_examples(),
                       run_dir=tmp_path / name) for name in ("a", "b")]
    waiting = create_run(tiny_config(), demo_examples(), run_dir=tmp_path / "waiting")
    for run_dir in busy:
        executor.submit(run_dir)
    wait_for(lambda: all(any(e["event"] == "batch" for e in read_events(d)) for d in busy),
             executor)
    executor.submit(waiting)  # both nodes' only CPUs are taken
    status = runs.read_status(waiting)
    assert (status["status"], status["message"]) == ("queued", QUEUED_MESSAGE)
    assert executor.cancel(waiting)
    status = runs.read_status(waiting)
    assert (status["status"], status["message"]) == ("stopped", CANCELLED_MESSAGE)
    assert not status.get("node") and not status.get("pid")  # it never reached a node

    assert not executor.cancel(busy[0])  # running: only the STOP file (written) stops it
    request_stop(busy[1])
    for status in settled(executor, busy):
        assert status["status"] == "stopped", status["message"]
        assert status["epochs_done"] < 50


@needs_ray
def test_a_killed_ray_worker_leaves_the_run_interrupted_and_resumable(executor, tmp_path):
    run_dir = create_run(tiny_config(epochs=3, early_stopping=0), demo_examples(),
                         run_dir=tmp_path / "run")
    executor.submit(run_dir)
    status = wait_for(lambda: (s := runs.read_status(run_dir)).get("epochs_done", 0) >= 1 and s,
                      executor)
    os.kill(status["pid"], signal.SIGKILL)
    status = wait_for(lambda: (s := runs.read_status(run_dir))["status"] != "running" and s)
    assert status["status"] == "interrupted"
    (status,) = settled(executor, [run_dir])
    assert status["status"] == "interrupted"
    assert "Ray worker or node went away" in status["message"]

    epoch = reopen_run(run_dir)
    assert epoch >= 1
    executor.submit(run_dir)
    (status,) = settled(executor, [run_dir])
    assert status["status"] == "finished", status["message"]
    assert status["epochs_done"] == 3 and status["executor"] == "ray"
    starts = [e["initial_epoch"] for e in read_events(run_dir) if e["event"] == "start"]
    assert starts == [0, epoch]  # went on from the backup rather than from the start


@needs_ray
def test_a_node_that_cannot_see_the_run_directory_says_so(executor, tmp_path):
    import ray

    missing = tmp_path / "not-shared" / "run"
    outcome = ray.get(executor._task.remote(str(missing)))
    assert outcome["status"] == "failed" and not outcome["visible"]
    assert f"cannot see the run directory {missing}" in outcome["message"]
    assert re.match(r"The Ray node \S+ \([0-9a-f]{12}\) cannot", outcome["message"])
    assert "storage every node sees" in outcome["message"]


# The app's side of a cluster that goes away: a driver of its own (this process already has
# one), polling as the app does until the executor says so.
LOSE_THE_CLUSTER = """
import sys, time
from pathlib import Path
from lstm_core.errors import StudioError
from lstm_core.jobs.ray_executor import RayExecutor

executor = RayExecutor(sys.argv[1])
executor.submit(Path(sys.argv[2]))
while True:
    try:
        executor.poll()
    except StudioError as exc:
        print(exc, flush=True)
        break
    time.sleep(0.2)
"""


@needs_ray
def test_a_cluster_that_goes_away_interrupts_its_runs_and_says_so(tmp_path):
    run_dir = create_run(tiny_config(epochs=50), demo_examples(), run_dir=tmp_path / "run")
    with ray_cluster(nodes=1) as (address, _):
        app = subprocess.Popen([sys.executable, "-c", LOSE_THE_CLUSTER, address, str(run_dir)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env={**os.environ, **RAY_TEST_ENV},
                               cwd=Path(__file__).resolve().parents[2])
        wait_for(lambda: runs.read_status(run_dir)["status"] == "running"
                 or app.poll() is not None)
    try:  # the cluster has gone: every process of it was killed
        out, err = app.communicate(timeout=120)
    finally:
        app.kill()
    assert f"Lost the Ray cluster at {address}" in out, err[-2000:]
    status = runs.read_status(run_dir)
    assert status["status"] == "interrupted"
    assert status["message"] == CLUSTER_GONE_MESSAGE or "went away" in status["message"]


@pytest.mark.parametrize(("device", "cluster_gpus", "expected"), [
    ("gpu", 0, {"num_gpus": 1, "num_cpus": 1}),  # waits for a GPU node to join
    ("auto", 2, {"num_gpus": 1, "num_cpus": 1}),
    ("auto", 0, {"num_cpus": 3, "num_gpus": 0}),
    ("cpu", 2, {"num_cpus": 3, "num_gpus": 0}),
])
def test_a_job_asks_for_a_gpu_or_the_cpus_set(monkeypatch, device, cluster_gpus, expected):
    monkeypatch.setenv("LSTM_STUDIO_RAY_CPUS", "3")
    assert task_resources(device, cluster_gpus) == expected


def test_a_job_stamps_its_heartbeat_while_it_lives(tmp_path, monkeypatch):
    run_dir = create_run(tiny_config(), demo_examples(60), run_dir=tmp_path / "run")
    monkeypatch.setattr(runs, "HEARTBEAT_S", 0.05)
    with Heartbeat(run_dir):
        first = wait_for(lambda: runs.read_status(run_dir).get("heartbeat"), timeout=10)
        wait_for(lambda: runs.read_status(run_dir)["heartbeat"] > first, timeout=10)
    last = runs.read_status(run_dir)["heartbeat"]
    time.sleep(0.2)
    assert runs.read_status(run_dir)["heartbeat"] == last  # stopped with the job


def test_the_visibility_check_names_the_path_and_the_fix(tmp_path):
    run_dir = create_run(tiny_config(), demo_examples(60), run_dir=tmp_path / "run")
    assert visibility_problem(run_dir, "node-1") is None
    assert not [p for p in run_dir.iterdir() if p.name.startswith(".probe-")]
    message = visibility_problem(tmp_path / "elsewhere", "node-1")
    assert message.startswith(f"The Ray node node-1 cannot see the run directory "
                              f"{tmp_path / 'elsewhere'} (")
    assert "LSTM_STUDIO_RUNS pointing to it" in message


@pytest.mark.parametrize("scheme", ["", "ray://"])
def test_an_unreachable_cluster_is_refused_with_what_to_do(scheme):
    address = f"{scheme}127.0.0.1:{_free_port()}"
    with pytest.raises(StudioError, match=rf"The Ray cluster at {address} cannot be reached "
                       r"\(.+\)\. Start the cluster .* or fix LSTM_STUDIO_RAY_ADDRESS; unset it"):
        check_reachable(address, timeout_s=1.0)


def test_the_executor_refuses_an_unreachable_cluster_before_loading_ray():
    code = ("import sys\n"
            "from lstm_core.errors import StudioError\n"
            "from lstm_core.jobs.ray_executor import RayExecutor\n"
            f"try:\n    RayExecutor('127.0.0.1:{_free_port()}')\n"
            "except StudioError as exc:\n    print(exc)\n"
            "print('ray' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, cwd=Path(__file__).resolve().parents[2])
    lines = done.stdout.splitlines()
    assert lines[-1] == "False", done.stderr
    assert "cannot be reached" in lines[0]


@pytest.mark.parametrize("address", ["ray://", ":6379", "host:port"])
def test_a_malformed_address_names_the_setting(address):
    with pytest.raises(StudioError, match=r"LSTM_STUDIO_RAY_ADDRESS must be host:port or "
                       r"ray://host:10001; got .*\. Fix or unset"):
        check_reachable(address)


def test_nothing_but_the_executor_loads_ray():
    """The app, the CLI and a local job never load ray, installed or not."""
    code = ("import pkgutil, sys, importlib, lstm_core\n"
            "for module in pkgutil.walk_packages(lstm_core.__path__, 'lstm_core.'):\n"
            "    if not module.name.endswith('__main__'):\n"
            "        importlib.import_module(module.name)\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'ray'))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300, cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "[]"


@needs_ray
def test_the_app_s_jobs_go_to_the_cluster_through_the_machine_s_scheduler(cluster, tmp_path,
                                                                          monkeypatch):
    """start_job, as the Train page, the CLI's --detach and a search call it: the scheduler is
    the cluster's driver, and the search is told how many trials the cluster takes at once."""
    from lstm_core.jobs.process import start_job
    from lstm_core.search.executor import LocalProcesses

    for name, value in RAY_TEST_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("LSTM_STUDIO_RAY_ADDRESS", cluster)
    root = tmp_path / "runs"
    run_dirs = [create_run(tiny_config(epochs=1), demo_examples(), run_dir=root / name)
                for name in ("a", "b")]
    try:
        for run_dir in run_dirs:
            start_job(run_dir)
            assert runs.read_status(run_dir)["executor"] == "ray"
        statuses = [wait_for(lambda d=d: (s := runs.read_status(d))["status"]
                             not in runs.ACTIVE_STATES and s, timeout=240) for d in run_dirs]
        assert [s["status"] for s in statuses] == ["finished", "finished"], statuses
        assert all(s["executor"] == "ray" and s["node"] for s in statuses)
        assert LocalProcesses().capacity() == 2  # two nodes of one CPU each
    finally:
        remove_runs_dir(root)  # its scheduler sees that, leaves the cluster and exits


def test_a_job_for_a_cluster_that_does_not_answer_is_refused_and_kept(tmp_path, monkeypatch):
    from lstm_core.jobs.process import start_job

    monkeypatch.setenv("LSTM_STUDIO_RAY_ADDRESS", f"127.0.0.1:{_free_port()}")
    run_dir = create_run(tiny_config(), demo_examples(), run_dir=tmp_path / "runs" / "a")
    with pytest.raises(StudioError, match="cannot be reached"):
        start_job(run_dir)
    status = runs.read_status(run_dir)  # not lost: interrupted, with the reason, to resume later
    assert status["status"] == "interrupted" and "cannot be reached" in status["message"]
    assert not (tmp_path / "runs" / ".queue").exists() or not any(
        (tmp_path / "runs" / ".queue").rglob("*-a"))
