
from lstm_core.jobs.process import start_job, stop_job
from lstm_core.store import runs
from lstm_core.store.queue import claim, enqueue
from lstm_core.store.queue import waiting as waiting_runs
from lstm_core.training.train import create_run
from tests.helpers import demo_examples, tiny_config
from tests.jobs.test_process import wait_for


def test_jobs_beyond_the_limit_wait_in_order_as_lines_and_start_when_a_slot_frees(
        tmp_path, monkeypatch):
    monkeypatch.setenv("LSTM_STUDIO_MAX_JOBS", "1")
    root = tmp_path / "runs"
    first, second, third = (
        create_run(tiny_config(epochs=200, early_stopping=0), demo_examples(), run_dir=root / name)
        for name in ("a-first", "b-second", "c-third")
    )
    start_job(first)
    wait_for(lambda: runs.read_status(first)["status"] == "running")
    start_job(second)
    wait_for(lambda: runs.read_status(second).get("queue_position") == 1)
    start_job(third)
    wait_for(lambda: runs.read_status(third).get("queue_position") == 2)
    for waiting in (second, third):  # a line in the queue, not a process
        status = runs.read_status(waiting)
        assert status["status"] == "queued" and not status.get("pid"), status
    assert [path.name for path in waiting_runs(root)] == ["b-second", "c-third"]

    assert stop_job(first, grace_s=60)["status"] == "stopped"
    wait_for(lambda: runs.read_status(second)["status"] == "running")
    wait_for(lambda: runs.read_status(third).get("queue_position") == 1)
    assert runs.read_status(third)["status"] == "queued"

    assert stop_job(third, grace_s=60)["status"] == "stopped"
    assert "waiting in the queue" in runs.read_status(third)["message"]
    assert waiting_runs(root) == []
    assert stop_job(second, grace_s=60)["status"] == "stopped"


def test_a_waiting_run_stopped_before_any_scheduler_saw_it_ends_stopped_at_once(tmp_path):
    run_dir = create_run(tiny_config(), demo_examples(), run_dir=tmp_path / "runs" / "a")
    enqueue(run_dir)  # in line, with no scheduler to take it
    status = stop_job(run_dir, grace_s=5)
    assert status["status"] == "stopped" and "waiting in the queue" in status["message"]
    assert waiting_runs(run_dir.parent) == [] and not claim(run_dir, pid=1)


def test_each_machine_has_its_own_line_in_a_shared_runs_directory(tmp_path):
    import os
    import socket

    from lstm_core.store.queue import jobs_ahead

    root = tmp_path / "runs"
    older, newer = (create_run(tiny_config(), demo_examples(), run_dir=root / name)
                    for name in ("a-older", "b-newer"))
    runs.write_status(older, status="queued", pid=os.getpid(), host="another-machine")
    runs.write_status(newer, status="queued", pid=os.getpid(), host=socket.gethostname())
    assert jobs_ahead(newer) == 0  # the other machine's job waits for its own devices
    runs.write_status(older, host=socket.gethostname())
    assert jobs_ahead(newer) == 1
