"""Listing a run's snapshots reads only file names and the run's own logs: no Keras."""

import json

import numpy as np

from lstm_core.store import runs
from lstm_core.store.snapshots import (
    list_snapshots,
    read_snapshot,
    snapshot_arrays,
    snapshot_epochs,
    snapshot_file,
)


def save(run_dir, epoch, weights=()):
    path = snapshot_file(run_dir, epoch)
    path.parent.mkdir(exist_ok=True)
    np.savez(path, **snapshot_arrays(epoch, list(weights)))


def test_only_whole_snapshot_files_count_in_epoch_order(tmp_path):
    assert snapshot_epochs(tmp_path) == []
    for epoch in (10, 2, 1):
        save(tmp_path, epoch, [np.zeros(2)])
    folder = tmp_path / runs.SNAPSHOT_DIR
    (folder / ".epoch-0011.tmp.npz").write_bytes(b"")  # a write in progress
    (folder / "notes.txt").write_text("")
    assert snapshot_epochs(tmp_path) == [1, 2, 10]


def test_a_snapshot_gives_back_its_weights_in_order(tmp_path):
    weights = [np.full((2, 3), i, dtype="float32") for i in range(12)]
    save(tmp_path, 1, weights)
    got = read_snapshot(snapshot_file(tmp_path, 1))
    assert len(got) == 12  # weight_10 after weight_9, not after weight_1
    for now, saved in zip(got, weights, strict=True):
        np.testing.assert_array_equal(now, saved)


def test_figures_come_from_the_epoch_lines_and_the_best_from_the_status(tmp_path):
    runs.write_status(tmp_path, status="finished", best_epoch=2)
    lines = [{"event": "epoch", "epoch": 1, "loss": 0.7, "val_loss": None},
             {"event": "epoch", "epoch": 2, "loss": 0.5, "val_loss": 0.6, "val_accuracy": 0.8}]
    (tmp_path / runs.EVENTS_FILE).write_text("".join(json.dumps(e) + "\n" for e in lines),
                                             encoding="utf-8")
    save(tmp_path, 1)
    save(tmp_path, 2)
    first, second = list_snapshots(tmp_path)
    assert (first.epoch, first.loss, first.val_loss, first.best) == (1, 0.7, None, False)
    assert (second.val_accuracy, second.best) == (0.8, True)
