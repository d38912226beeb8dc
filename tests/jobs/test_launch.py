"""Starting runs from the app: a second click on Train never starts a twin."""

import dataclasses

from lstm_core.data.datasets import save_builtin
from lstm_core.jobs.launch import launch, suggested_config
from lstm_core.jobs.process import stop_job
from lstm_core.store import runs


def test_train_clicked_twice_starts_one_run_and_a_changed_setting_starts_another():
    dataset_id = save_builtin("demo-en")
    config, _ = suggested_config(dataset_id)
    config = dataclasses.replace(config, train=dataclasses.replace(config.train, epochs=200))
    first = launch(dataset_id, config)
    try:
        assert launch(dataset_id, config) == first
        assert len(runs.list_runs()) == 1
        other = dataclasses.replace(config, train=dataclasses.replace(config.train, seed=7))
        second = launch(dataset_id, other)
        assert second != first and len(runs.list_runs()) == 2
        assert runs.read_status(second)["status"] == "queued"  # behind the first, in order
    finally:
        for summary in runs.list_runs():
            stop_job(summary.path, grace_s=60)
