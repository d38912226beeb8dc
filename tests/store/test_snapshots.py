"""Which steps a run keeps, and listing and choosing them: file names and small arrays, no Keras."""

import json

import numpy as np
import pytest

from lstm_core.errors import StudioError
from lstm_core.store import runs
from lstm_core.store.snapshots import (
    MAX_SNAPSHOTS,
    SIZE_FACTOR,
    forget_after,
    list_snapshots,
    plan_snapshots,
    read_snapshot,
    snapshot_arrays,
    snapshot_at,
    snapshot_file,
    snapshot_steps,
)

SMALL, LARGE = 100_000, 40 * 2**20  # bytes of weights: a demo model, an IMDB-sized one


def test_the_plan_keeps_the_start_points_inside_the_first_epoch_and_every_epoch_end():
    assert plan_snapshots(3, 100, SMALL) == [0, 1, 3, 10, 30, 100, 200, 300]
    # Few steps: the points inside the first epoch that fall on the same step count once.
    assert plan_snapshots(2, 5, SMALL) == [0, 1, 2, 5, 10]
    assert plan_snapshots(1, 1, SMALL) == [0, 1]


@pytest.mark.parametrize("epochs", [12, 30, 200])
def test_a_long_run_keeps_the_first_epoch_and_thins_the_epoch_ends_evenly(epochs):
    plan = plan_snapshots(epochs, 100, SMALL)
    assert len(plan) == MAX_SNAPSHOTS
    assert plan[:5] == [0, 1, 3, 10, 30] and plan[-1] == epochs * 100
    gaps = np.diff([step // 100 for step in plan[5:]])
    assert gaps.min() >= 1 and gaps.max() - gaps.min() <= 1  # evenly through the epochs
    assert plan_snapshots(epochs, 100, SMALL) == plan  # the same every time: resume relies on it


def test_a_large_model_keeps_fewer_so_snapshots_stay_within_five_times_its_size():
    plan = plan_snapshots(30, 400, LARGE)
    assert len(plan) * LARGE <= SIZE_FACTOR * LARGE
    assert plan == [0, 4, 120, 400, 12000]  # half the room to epoch ends, the last among them
    assert len(plan_snapshots(30, 400, 2 * 2**20)) == 8  # 16 MiB is small enough to keep
    assert plan_snapshots(2, 400, LARGE) == [0, 4, 120, 400, 800]


def save(run_dir, step, steps_per_epoch=10, weights=()):
    path = snapshot_file(run_dir, step)
    path.parent.mkdir(exist_ok=True)
    np.savez(path, **snapshot_arrays(step, steps_per_epoch, list(weights)))


def test_only_whole_snapshot_files_count_in_step_order(tmp_path):
    assert snapshot_steps(tmp_path) == [] and list_snapshots(tmp_path) == []
    for step in (100, 20, 0):
        save(tmp_path, step, weights=[np.zeros(2)])
    folder = tmp_path / runs.SNAPSHOT_DIR
    (folder / ".step-00000110.tmp.npz").write_bytes(b"")  # a write in progress
    (folder / "notes.txt").write_text("")
    assert snapshot_steps(tmp_path) == [0, 20, 100]


def test_a_snapshot_gives_back_its_weights_in_order(tmp_path):
    weights = [np.full((2, 3), i, dtype="float32") for i in range(12)]
    save(tmp_path, 1, weights=weights)
    got = read_snapshot(snapshot_file(tmp_path, 1))
    assert len(got) == 12  # weight_10 after weight_9, not after weight_1
    for now, saved in zip(got, weights, strict=True):
        np.testing.assert_array_equal(now, saved)


def test_epochs_are_floats_with_figures_from_the_epoch_lines_and_the_best_from_the_status(
        tmp_path):
    runs.write_status(tmp_path, status="finished", best_epoch=2)
    lines = [{"event": "epoch", "epoch": 1, "loss": 0.7, "val_loss": None},
             {"event": "epoch", "epoch": 2, "loss": 0.5, "val_loss": 0.6, "val_accuracy": 0.8}]
    (tmp_path / runs.EVENTS_FILE).write_text("".join(json.dumps(e) + "\n" for e in lines),
                                             encoding="utf-8")
    for step in (0, 1, 3, 10, 20):
        save(tmp_path, step)
    listed = list_snapshots(tmp_path)
    assert [(s.index, s.step, s.epoch) for s in listed] == \
        [(0, 0, 0.0), (1, 1, 0.1), (2, 3, 0.3), (3, 10, 1.0), (4, 20, 2.0)]
    assert (listed[1].loss, listed[3].loss, listed[3].val_loss, listed[3].best) == \
        (None, 0.7, None, False)
    assert (listed[4].val_accuracy, listed[4].best) == (0.8, True)
    assert json.loads(json.dumps(listed[2].to_dict())) == {
        "index": 2, "step": 3, "epoch": 0.3, "loss": None, "accuracy": None, "val_loss": None,
        "val_accuracy": None, "best": False}


@pytest.mark.parametrize(("epoch", "step"), [(0, 0), (0.05, 0), (0.1, 1), (0.3, 3), (0.99, 3),
                                             (1, 10), ("1.5", 10), (2.0, 20)])
def test_a_point_of_training_gives_the_last_snapshot_at_or_before_it(tmp_path, epoch, step):
    for kept in (0, 1, 3, 10, 20):
        save(tmp_path, kept)
    assert snapshot_at(tmp_path, epoch).step == step


@pytest.mark.parametrize("epoch", [-0.5, 2.01, 9, float("inf")])
def test_a_point_before_the_start_or_after_the_end_is_refused_naming_the_range(tmp_path, epoch):
    for kept in (0, 1, 20):
        save(tmp_path, kept)
    with pytest.raises(StudioError, match=r"no weights at epoch .*; it has epochs 0 to 2\.$"):
        snapshot_at(tmp_path, epoch)
    with pytest.raises(StudioError, match=r"must be a number; got 'soon' \(it has epochs 0 to 2"):
        snapshot_at(tmp_path, "soon")


def test_a_run_without_snapshots_refuses_any_point(tmp_path):
    with pytest.raises(StudioError, match="kept no weights per epoch.*only its best model"):
        snapshot_at(tmp_path, 0)


def test_a_resumed_run_forgets_the_snapshots_after_its_backup(tmp_path):
    for kept in (0, 1, 10, 12, 20):
        save(tmp_path, kept)
    forget_after(tmp_path, 10)
    assert snapshot_steps(tmp_path) == [0, 1, 10]
