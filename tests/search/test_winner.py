"""Choosing and testing the winner, and a budget too short for any trial, in this process."""

import json
import time

from lstm_core.search.budget import measure
from lstm_core.search.directory import read_examples, read_result, read_settings, reopen_search
from lstm_core.search.runner import POLL_S, TIMING, run_search
from lstm_core.search.space import apply_params
from lstm_core.search.study import open_study
from lstm_core.search.table import RUN_ID, choose_winner, trial_rows
from lstm_core.store import runs
from lstm_core.store.events import read_events
from lstm_core.training.evaluate import evaluate_held_out
from lstm_core.training.train import create_run, train_run
from tests.helpers import tiny_search


def test_a_trial_whose_run_was_deleted_cannot_win():
    search_dir, _ = tiny_search()
    study = open_study(search_dir, seed=3)
    trial = study.ask()
    read_settings(search_dir).space.sample(trial)
    trial.set_user_attr(RUN_ID, "20260101-000000-deleted")
    study.tell(trial, 0.99)
    [row] = [r for r in trial_rows(search_dir) if r.number == trial.number]
    assert row.state == "finished" and row.val_accuracy == 0.99
    assert row.run_id is None and row.note == "its run was deleted"
    assert choose_winner([row]) is None


def test_a_search_that_ended_right_after_testing_its_winner_does_not_test_it_again():
    search_dir, _ = tiny_search(max_trials=1)
    settings = read_settings(search_dir)
    study = open_study(search_dir, settings.seed)
    trial = study.ask()  # trial 0, the base settings, trained here as the search would
    config = apply_params(settings.trial_base(), settings.space.sample(trial))
    pool, held_out = read_examples(search_dir)
    run_dir = create_run(config, pool, name="t0")
    launched = time.time()
    train_run(run_dir)
    trial.set_user_attr(RUN_ID, run_dir.name)
    # Its timing, which the next session reads back for what still fits.
    trial.set_user_attr(TIMING, measure(read_events(run_dir), launched, time.time()).to_dict())
    study.tell(trial, runs.read_status(run_dir)["best_val_accuracy"])
    evaluate_held_out(run_dir, held_out)  # then the session was killed
    tested = (run_dir / runs.METRICS_FILE).read_bytes()
    runs.write_status(search_dir, status="interrupted")

    reopen_search(search_dir)
    assert run_search(search_dir)["status"] == "finished"
    assert (run_dir / runs.METRICS_FILE).read_bytes() == tested
    result = read_result(search_dir)
    assert result["best_trial"] == 0 and result["trials"] == 1
    assert result["test_accuracy"] == json.loads(tested)["accuracy"]


def test_a_budget_shorter_than_a_trials_start_is_kept():
    search_dir, _ = tiny_search(budget_s=8.0)
    status = run_search(search_dir)
    assert status["spent_s"] <= 8.0 * 1.1 + POLL_S
    if status["status"] == "failed":  # the trial was still starting: ended, nothing to test
        assert status["message"].startswith("No trial finished a whole epoch")
        [row] = [r for r in trial_rows(search_dir) if r.run_id]
        assert runs.read_status(runs.resolve_run(row.run_id))["status"] == "stopped"
    else:  # a fast machine trained an epoch in time and tested it
        assert status["status"] == "finished" and read_result(search_dir)["trials"] == 1
