"""A training process killed mid-run, then resumed: nothing finished is lost, curves carry on."""

import json
import time

import numpy as np
import psutil
import pytest

from lstm_core import load_run
from lstm_core.cli import main
from lstm_core.errors import StudioError
from lstm_core.jobs.process import start_job
from lstm_core.store import runs
from lstm_core.store.events import read_events, training_progress
from lstm_core.store.snapshots import (
    list_snapshots,
    read_snapshot,
    snapshot_arrays,
    snapshot_file,
    snapshot_steps,
)
from lstm_core.training.resume import backup_file
from lstm_core.training.train import create_run, reopen_run, request_stop, resume_point, train_run
from tests.helpers import demo_examples, tiny_config, train_until_stopped_after
from tests.jobs.test_process import wait_for

EPOCHS = 8


def killed_after_two_epochs(tmp_path):
    """A real job, killed (no chance to write anything) once two epochs have finished."""
    run_dir = create_run(tiny_config(epochs=EPOCHS, early_stopping=0, log_every=1),
                         demo_examples(2000), run_dir=tmp_path / "run")
    start_job(run_dir)
    wait_for(lambda: runs.read_status(run_dir).get("epochs_done", 0) >= 2, interval=0.05)
    job = psutil.Process(runs.read_status(run_dir)["pid"])
    for process in [job, *job.children(recursive=True)]:
        process.kill()
    wait_for(lambda: runs.read_status(run_dir)["status"] == "interrupted")
    return run_dir


def epoch_numbers(run_dir):
    return [e["epoch"] for e in read_events(run_dir) if e["event"] == "epoch"]


def test_a_killed_run_keeps_its_best_model_and_resumes_from_the_cli(tmp_path, capsys):
    run_dir = killed_after_two_epochs(tmp_path)
    status = runs.read_status(run_dir)
    assert "killed" in status["message"]
    assert load_run(run_dir).predict(["the food was not good"])[0].label in ("negative", "positive")
    resumed_after = resume_point(run_dir)
    assert resumed_after is not None and resumed_after >= status["epochs_done"] >= 2
    with np.load(run_dir / runs.BACKUP_DIR / runs.BACKUP_FILE) as saved:
        assert int(saved["epoch"]) == resumed_after
        # Adam's moments and step count, not only the weights
        iterations = [saved[k] for k in saved.files if k.startswith("optimizer_")
                      and saved[k].shape == ()]
        assert iterations and max(iterations) > 0

    assert main(["train", "--resume", str(run_dir)]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["status"] == "finished" and summary["epochs"] == EPOCHS
    assert epoch_numbers(run_dir) == list(range(1, EPOCHS + 1))  # one curve, no epoch twice
    assert (run_dir / runs.METRICS_FILE).is_file()
    assert not (run_dir / runs.BACKUP_DIR).exists() and resume_point(run_dir) is None
    starts = [e for e in read_events(run_dir) if e["event"] == "start"]
    assert [s["initial_epoch"] for s in starts] == [0, resumed_after]


def test_a_stopped_run_resumes_and_a_worse_epoch_never_replaces_the_best_model(tmp_path):
    run_dir = create_run(tiny_config(epochs=3, early_stopping=0), demo_examples(),
                         run_dir=tmp_path / "run")
    assert train_until_stopped_after(run_dir, 2)["status"] == "stopped"
    assert resume_point(run_dir) == 2  # the third epoch, cut at its first batch, is not done

    runs.write_status(run_dir, best_val_loss=-1.0)  # no epoch can beat this
    model_bytes = (run_dir / runs.MODEL_FILE).read_bytes()
    request_stop(run_dir)
    assert reopen_run(run_dir) == 2
    assert not (run_dir / runs.STOP_FILE).exists()  # the old Stop must not end the new attempt
    assert train_run(run_dir)["status"] == "finished"
    assert (run_dir / runs.MODEL_FILE).read_bytes() == model_bytes
    assert resume_point(run_dir) is None  # finished: nothing to go on with
    with pytest.raises(StudioError, match="is finished"):
        reopen_run(run_dir)


@pytest.mark.parametrize("schedule", ["constant", "linear"])
def test_a_resumed_run_learns_what_an_uninterrupted_one_does(tmp_path, schedule):
    config = tiny_config(epochs=3, early_stopping=0, lr_schedule=schedule)
    whole = create_run(config, demo_examples(), run_dir=tmp_path / "whole")
    train_run(whole)
    cut = create_run(config, demo_examples(), run_dir=tmp_path / "cut")
    train_until_stopped_after(cut, 1)
    kept = list_snapshots(cut)
    assert kept[0].epoch == 0 and kept[-1].epoch == 1.0  # the stop came in the second epoch
    assert 0 < kept[1].epoch < 1  # and points inside the first
    # A process killed after the second epoch's last step but before its backup leaves a
    # snapshot the backup does not have: the resumed run replaces it.
    stray = snapshot_file(cut, kept[-1].step * 2)
    np.savez(stray, **snapshot_arrays(kept[-1].step * 2, kept[-1].step, [np.zeros(1)]))
    reopen_run(cut)
    train_run(cut)
    curve = [(e["epoch"], e["loss"], e["val_loss"]) for e in read_events(whole)
             if e["event"] == "epoch"]
    assert [(e["epoch"], e["loss"], e["val_loss"]) for e in read_events(cut)
            if e["event"] == "epoch"] == curve
    assert snapshot_steps(cut) == snapshot_steps(whole)
    assert [s.epoch for s in list_snapshots(whole)][-3:] == [1.0, 2.0, 3.0]
    for step in snapshot_steps(whole):
        for a, b in zip(read_snapshot(snapshot_file(cut, step)),
                        read_snapshot(snapshot_file(whole, step)), strict=True):
            np.testing.assert_array_equal(a, b)


def test_a_reopened_ray_run_waits_for_a_node_without_its_old_heartbeat(tmp_path):
    """The lost node's stale heartbeat must not mark the run interrupted again at once."""
    run_dir = create_run(tiny_config(), demo_examples(60), run_dir=tmp_path / "run")
    backup_file(run_dir).parent.mkdir()
    np.savez(backup_file(run_dir), epoch=np.int64(1))
    runs.write_status(run_dir, status="interrupted", executor="ray", node="10.0.0.2 (ab12)",
                      heartbeat=time.time() - runs.HEARTBEAT_TIMEOUT_S - 1)
    assert reopen_run(run_dir) == 1
    status = runs.read_status(run_dir)
    assert (status["status"], status["heartbeat"], status["node"]) == ("queued", None, None)


def test_a_run_stopped_in_its_first_epoch_has_nothing_to_resume(tmp_path):
    run_dir = create_run(tiny_config(), demo_examples(), run_dir=tmp_path / "run")
    request_stop(run_dir)
    assert train_run(run_dir)["status"] == "stopped"
    assert resume_point(run_dir) is None
    with pytest.raises(StudioError, match="first epoch"):
        reopen_run(run_dir)


def test_resume_refuses_other_settings_with_one_line(tmp_path, capsys):
    run_dir = create_run(tiny_config(), demo_examples(), run_dir=tmp_path / "run")
    assert main(["train", "--resume", str(run_dir), "--epochs", "4"]) == 2
    assert "leave out --epochs" in capsys.readouterr().err
    assert main(["train", "--resume", str(run_dir)]) == 2
    assert "only a stopped, failed or interrupted run" in capsys.readouterr().err
    assert main(["train"]) == 2


def test_events_of_a_resumed_run_read_as_one_run(tmp_path):
    lines = [
        {"event": "start", "epochs": 4, "batches_per_epoch": 10, "initial_epoch": 0},
        {"event": "batch", "epoch": 1, "batch": 10, "elapsed": 1.0},
        {"event": "epoch", "epoch": 1},
        {"event": "batch", "epoch": 2, "batch": 10, "elapsed": 2.0},
        {"event": "epoch", "epoch": 2},
        {"event": "batch", "epoch": 3, "batch": 5, "elapsed": 2.5},  # killed here
        {"event": "start", "epochs": 4, "batches_per_epoch": 10, "initial_epoch": 2},
        {"event": "batch", "epoch": 3, "batch": 2, "elapsed": 4.0},
    ]
    (tmp_path / runs.EVENTS_FILE).write_text("".join(json.dumps(e) + "\n" for e in lines))
    events = read_events(tmp_path)
    assert [(e["event"], e.get("epoch")) for e in events] == [
        ("start", None), ("batch", 1), ("epoch", 1), ("batch", 2), ("epoch", 2),
        ("start", None), ("batch", 3)]
    progress = training_progress(events)
    assert progress["fraction"] == pytest.approx(22 / 40)
    assert progress["eta_s"] == pytest.approx(4.0 / 2 * 18)  # from the resumed attempt's pace
