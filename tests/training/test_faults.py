"""Faults a server meets: a full disk, a damaged run directory. Each ends in a clear state."""

import errno

import keras
import pytest

from lstm_core import load_run
from lstm_core.errors import StudioError
from lstm_core.store import runs
from lstm_core.training.train import create_run, train_run
from tests.helpers import demo_examples, tiny_config


def test_a_full_disk_fails_the_run_with_a_message_and_leaves_other_runs_alone(tmp_path,
                                                                               monkeypatch):
    other = create_run(tiny_config(epochs=1), demo_examples(), run_dir=tmp_path / "other")
    train_run(other)
    before = {p.name: p.read_bytes() for p in other.iterdir() if p.is_file()}
    run_dir = create_run(tiny_config(epochs=1), demo_examples(), run_dir=tmp_path / "full")

    def no_space(self, filepath, *args, **kwargs):
        open(filepath, "wb").close()  # the disk fills up part-way through the write
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(keras.Model, "save", no_space)
    status = train_run(run_dir)
    assert status["status"] == "failed"
    assert "No space left on device" in status["message"] and "Free disk space" in status["message"]
    assert not [p for p in run_dir.iterdir() if ".tmp" in p.name]  # no half-written model
    assert {p.name: p.read_bytes() for p in other.iterdir() if p.is_file()} == before


@pytest.mark.parametrize("damage", ["truncated model", "missing vocabulary", "broken config"])
def test_a_damaged_run_is_refused_by_load_run_and_listed_as_broken(tmp_path, damage):
    run_dir = create_run(tiny_config(epochs=1), demo_examples(), run_dir=tmp_path / "runs" / "r")
    train_run(run_dir)
    if damage == "truncated model":
        model = run_dir / runs.MODEL_FILE
        model.write_bytes(model.read_bytes()[:200])
    elif damage == "missing vocabulary":
        (run_dir / runs.VOCAB_FILE).unlink()
    else:
        (run_dir / runs.CONFIG_FILE).write_text('{"model": {"units": ')
    with pytest.raises(StudioError):
        load_run(run_dir)
    if damage == "broken config":
        [summary] = runs.list_runs(tmp_path / "runs")
        assert summary.status == "broken" and "config.json" in summary.message
