import json
import os
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from lstm_core.errors import StudioError
from lstm_core.fileio import atomic_write_json, safe_name
from lstm_core.store import runs


def make_run(root, name, status="finished", created="2026-01-01T00:00:00+00:00", **extra):
    run_dir = root / name
    run_dir.mkdir(parents=True)
    atomic_write_json(run_dir / "config.json", {"data": {"source": "demo-en"},
                                               "model": {"cell": "lstm"}})
    atomic_write_json(run_dir / "status.json", {"status": status, "created": created, **extra})
    return run_dir


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_runs_root_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("LSTM_STUDIO_RUNS", str(tmp_path / "elsewhere"))
    assert runs.runs_root() == tmp_path / "elsewhere" and runs.runs_root().is_dir()


def test_new_run_dirs_are_unique_and_safely_named(tmp_path):
    first = runs.new_run_dir("../../etc/passwd", tmp_path)
    second = runs.new_run_dir("../../etc/passwd", tmp_path)
    assert first != second and first.parent == tmp_path and second.parent == tmp_path
    assert ".." not in first.name and "/" not in first.name


@pytest.mark.parametrize("bad", ["../x", "..", "a/b", "", ".hidden", "run id"])
def test_resolve_run_refuses_ids_that_leave_the_store(tmp_path, bad):
    with pytest.raises(StudioError):
        runs.resolve_run(bad, tmp_path)


def test_resolve_run_finds_an_existing_run(tmp_path):
    run_dir = make_run(tmp_path, "20260101-demo")
    assert runs.resolve_run("20260101-demo", tmp_path) == run_dir.resolve()
    with pytest.raises(StudioError, match="There is no run"):
        runs.resolve_run("20260101-other", tmp_path)


def test_list_runs_newest_first_and_broken_ones_listed_with_reason(tmp_path):
    make_run(tmp_path, "old", created="2026-01-01T00:00:00+00:00")
    make_run(tmp_path, "new", created="2026-02-01T00:00:00+00:00")
    half = tmp_path / "half"
    half.mkdir()
    (half / "status.json").write_text('{"status": "runn')
    (tmp_path / "no-config").mkdir()
    atomic_write_json(tmp_path / "no-config" / "status.json", {"status": "queued"})
    (tmp_path / "stray-file.txt").write_text("x")
    listed = {r.run_id: r for r in runs.list_runs(tmp_path)}
    assert [r.run_id for r in runs.list_runs(tmp_path)][-2:] == ["new", "old"]
    assert listed["half"].status == "broken" and "not valid JSON" in listed["half"].message
    assert listed["no-config"].status == "broken" and "config.json" in listed["no-config"].message
    assert "stray-file.txt" not in listed


def test_settled_runs_are_read_again_only_when_their_files_change(tmp_path):
    run_dir = make_run(tmp_path, "done", message="aaaa")
    assert runs.summarize_run(run_dir).message == "aaaa"
    status = run_dir / "status.json"
    before = status.stat()
    status.write_text(status.read_text().replace("aaaa", "bbbb"))  # same size, same mtime:
    os.utime(status, ns=(before.st_atime_ns, before.st_mtime_ns))  # not re-read
    assert runs.summarize_run(run_dir).message == "aaaa"
    atomic_write_json(run_dir / "metrics.json", {"accuracy": 0.9})
    atomic_write_json(status, {"status": "finished", "message": "a new message"})
    summary = runs.summarize_run(run_dir)
    assert summary.test_accuracy == 0.9 and summary.message == "a new message"


def test_a_running_run_is_read_afresh_each_time(tmp_path):
    job = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        run_dir = make_run(tmp_path, "r", status="running", pid=job.pid,
                           pid_created=runs.process_started(job.pid))
        assert runs.summarize_run(run_dir).status == "running"
    finally:
        job.kill()
        job.wait()
    assert runs.summarize_run(run_dir).status == "interrupted"


def test_a_running_run_whose_process_is_gone_becomes_interrupted(tmp_path):
    run_dir = make_run(tmp_path, "r", status="running", pid=dead_pid())
    status = runs.read_status(run_dir)
    assert status["status"] == "interrupted" and "ended without saying why" in status["message"]
    assert json.loads((run_dir / "status.json").read_text())["status"] == "interrupted"


def test_a_running_run_with_a_live_process_stays_running(tmp_path):
    pid = os.getpid()
    run_dir = make_run(tmp_path, "r", status="running", pid=pid,
                       pid_created=runs.process_started(pid))
    assert runs.read_status(run_dir)["status"] == "running"


def test_a_recycled_pid_is_not_mistaken_for_the_job(tmp_path):
    pid = os.getpid()
    run_dir = make_run(tmp_path, "r", status="running", pid=pid,
                       pid_created=runs.process_started(pid) - 5.0)
    assert runs.read_status(run_dir)["status"] == "interrupted"


@pytest.mark.skipif(sys.platform == "win32", reason="Windows keeps no zombie processes")
def test_an_exited_process_not_yet_reaped_is_gone(tmp_path):
    job = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        started = runs.process_started(job.pid)
        deadline = time.monotonic() + 30
        while psutil.Process(job.pid).status() != psutil.STATUS_ZOMBIE:
            assert time.monotonic() < deadline, "the child did not exit"
            time.sleep(0.05)
        run_dir = make_run(tmp_path, "r", status="running", pid=job.pid, pid_created=started)
        assert runs.read_status(run_dir)["status"] == "interrupted"
    finally:
        job.wait()


def proc_start_ticks(pid: int) -> int:
    """What status files kept as ``pid_start`` before psutil: /proc's start time, in ticks."""
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="old stamps come from Linux")
def test_old_status_files_with_start_ticks_still_tell_the_job_from_a_recycled_pid(tmp_path):
    pid = os.getpid()
    ticks = proc_start_ticks(pid)
    alive = make_run(tmp_path, "alive", status="running", pid=pid, pid_start=ticks)
    assert runs.read_status(alive)["status"] == "running"
    recycled = make_run(tmp_path, "recycled", status="running", pid=pid, pid_start=ticks - 100)
    assert runs.read_status(recycled)["status"] == "interrupted"
    gone = make_run(tmp_path, "gone", status="running", pid=dead_pid(), pid_start=ticks)
    assert runs.read_status(gone)["status"] == "interrupted"
    # A resumed old run keeps its stale ticks beside the new stamp; the new stamp decides.
    resumed = make_run(tmp_path, "resumed", status="running", pid=pid, pid_start=ticks - 100,
                       pid_created=runs.process_started(pid))
    assert runs.read_status(resumed)["status"] == "running"


def test_start_ticks_read_on_another_system_mark_the_run_interrupted(tmp_path, monkeypatch):
    """Ticks come from Linux; read on the same host under another system, that boot has ended."""
    monkeypatch.setattr(runs, "_TICKS_COMPARABLE", False)
    run_dir = make_run(tmp_path, "r", status="running", pid=os.getpid(), pid_start=12345)
    assert runs.read_status(run_dir)["status"] == "interrupted"


def test_a_job_of_another_machine_is_trusted_and_one_without_a_stamp_goes_by_its_pid(tmp_path):
    elsewhere = make_run(tmp_path, "elsewhere", status="running", pid=dead_pid(),
                         host="another-machine", pid_created=1.0)
    assert runs.read_status(elsewhere)["status"] == "running"
    unstamped = make_run(tmp_path, "unstamped", status="running", pid=os.getpid())
    assert runs.read_status(unstamped)["status"] == "running"


def test_a_ray_job_whose_heartbeat_stopped_becomes_interrupted_wherever_it_ran(tmp_path):
    """A Ray job's pid is on another node; its heartbeat going stale is how its loss shows."""
    stale = time.time() - runs.HEARTBEAT_TIMEOUT_S - 1
    node = {"pid": 12345, "host": "another-machine", "pid_created": 1.0}
    for state, extra in (("queued", {}), ("running", node)):  # queued: no node has it yet
        run_dir = make_run(tmp_path, state, status=state, executor="ray", heartbeat=stale,
                           **extra)
        status = runs.read_status(run_dir)
        assert (status["status"], status["message"]) == ("interrupted",
                                                         runs.CLUSTER_LOST_MESSAGE)
    fresh = make_run(tmp_path, "fresh", status="running", executor="ray", heartbeat=time.time(),
                     **node)
    assert runs.read_status(fresh)["status"] == "running"
    # A resumed run has its old heartbeat cleared until a node takes it again.
    reopened = make_run(tmp_path, "reopened", status="queued", executor="ray", heartbeat=None)
    assert runs.read_status(reopened)["status"] == "queued"
    local = make_run(tmp_path, "local", status="running", executor="local", heartbeat=stale,
                     **node)
    assert runs.read_status(local)["status"] == "running"


def test_delete_refuses_active_runs_and_removes_others(tmp_path):
    active = make_run(tmp_path, "a", status="running", pid=os.getpid(),
                      pid_created=runs.process_started(os.getpid()))
    with pytest.raises(StudioError, match="stop it before deleting"):
        runs.delete_run(active)
    assert active.exists()
    done = make_run(tmp_path, "b")
    runs.delete_run(done)
    assert not done.exists()


def test_write_status_merges_and_rejects_unknown_states(tmp_path):
    run_dir = make_run(tmp_path, "r", status="queued")
    runs.write_status(run_dir, status="running", pid=1)
    status = runs.write_status(run_dir, epochs_done=2)
    assert status["status"] == "running" and status["pid"] == 1 and status["epochs_done"] == 2
    with pytest.raises(ValueError):
        runs.write_status(run_dir, status="exploded")


def test_atomic_write_leaves_no_temp_files_and_safe_name_folds_text(tmp_path):
    atomic_write_json(tmp_path / "a.json", {"x": 1})
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]
    assert safe_name("Café review: 好!") == "Cafe-review"
    assert safe_name("...") == "run"


def test_runs_with_model_lists_only_runs_that_can_predict_finished_first(tmp_path):
    make_run(tmp_path, "no-model", created="2026-03-01T00:00:00+00:00")
    old = make_run(tmp_path, "old", created="2026-01-01T00:00:00+00:00")
    new = make_run(tmp_path, "new", created="2026-02-01T00:00:00+00:00")
    stopped = make_run(tmp_path, "stopped", status="stopped", created="2026-04-01T00:00:00+00:00")
    for run_dir in (old, new, stopped):
        (run_dir / runs.MODEL_FILE).write_bytes(b"weights")
    assert [r.run_id for r in runs.runs_with_model(tmp_path)] == ["new", "old", "stopped"]
    assert runs.has_model(old) and not runs.has_model(tmp_path / "no-model")


def test_a_summary_sees_a_model_saved_after_it_was_read(tmp_path):
    run_dir = make_run(tmp_path, "done")
    summary = runs.summarize_run(run_dir)
    assert not summary.has_model
    (run_dir / runs.MODEL_FILE).write_bytes(b"weights")
    assert runs.summarize_run(run_dir).has_model and summary.has_model
    assert "has_model" not in summary.to_dict()  # the runs command's JSON keeps its fields


def test_stop_requested_follows_request_stop(tmp_path):
    from lstm_core.training.train import request_stop

    run_dir = make_run(tmp_path, "r", status="running")
    assert not runs.stop_requested(run_dir)
    request_stop(run_dir)
    assert runs.stop_requested(run_dir)
