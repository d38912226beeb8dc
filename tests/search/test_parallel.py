"""A real search that trains two trials at once: both seen running together, a stop while both
train, a resume that goes on with each, the winner tested once; and how many trials at once."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from lstm_core.search.directory import (
    read_result,
    read_search_status,
    read_settings,
    reopen_search,
    request_search_stop,
)
from lstm_core.search.executor import LocalProcesses
from lstm_core.search.runner import POLL_S, run_search, trials_at_once
from lstm_core.search.study import read_trials
from lstm_core.search.table import trial_rows
from lstm_core.store import runs
from lstm_core.store.events import read_events
from tests.helpers import tiny_search

PARALLEL_EPOCHS = 12


@dataclass
class TwoAtOnce:
    root: Path
    search_dir: Path
    seen_running: list[list[int] | None]  # status.json's running_trials at each look
    first_status: dict
    first_trials: dict[int, str]
    resumed_lines: list[str]
    resumed_status: dict


@pytest.fixture(scope="module")
def searched(tmp_path_factory) -> TwoAtOnce:
    """``tiny_search`` with 2 trials of the same settings, 2 at once and 2 training slots: its
    first session is stopped once both have trained an epoch, the second runs it to its end.

    The same settings learn the same first epoch, so neither prunes the other before the stop;
    12 epochs leave the first trial epochs to go even when the second starts seconds later."""
    root = tmp_path_factory.mktemp("parallel") / "runs"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LSTM_STUDIO_RUNS", str(root))
        patch.setenv("LSTM_STUDIO_MAX_JOBS", "2")
        patch.setenv("LSTM_STUDIO_WARM_WORKERS", "0")
        search_dir, _ = tiny_search(max_trials=2, parallel=2, poor_second=False,
                                    epochs=PARALLEL_EPOCHS)
        session = threading.Thread(target=run_search, args=(search_dir,))
        session.start()
        seen = []
        while session.is_alive() and not _both_trained_an_epoch(search_dir):
            seen.append(read_search_status(search_dir).get("running_trials"))
            time.sleep(0.2)
        request_search_stop(search_dir)
        session.join()
        first = read_search_status(search_dir)
        states = {t.number: t.state.name for t in read_trials(search_dir)}
        reopen_search(search_dir)
        lines: list[str] = []
        resumed = run_search(search_dir, progress=lines.append)
    return TwoAtOnce(root, search_dir, seen, first, states, lines, resumed)


@pytest.fixture
def two_at_once(searched, monkeypatch) -> TwoAtOnce:
    monkeypatch.setenv("LSTM_STUDIO_RUNS", str(searched.root))
    return searched


def _both_trained_an_epoch(search_dir: Path) -> bool:
    rows = trial_rows(search_dir)
    return len(rows) == 2 and all(row.epochs_done >= 1 for row in rows)


def _trial_run(search_dir: Path, number: int) -> Path:
    [row] = [row for row in trial_rows(search_dir) if row.number == number]
    return runs.resolve_run(row.run_id)


def test_two_trials_train_at_the_same_time(two_at_once):
    assert [0, 1] in two_at_once.seen_running, two_at_once.seen_running
    first_session = []
    for number in (0, 1):
        events = read_events(_trial_run(two_at_once.search_dir, number))
        starts = [i for i, e in enumerate(events) if e["event"] == "start"]
        first_session.append(events[:starts[1]])  # up to its resume
    assert max(e[0]["time"] for e in first_session) < min(e[-1]["time"] for e in first_session)


def test_a_stop_while_two_trials_train_leaves_both_open(two_at_once):
    status = two_at_once.first_status
    assert status["status"] == "stopped" and status["message"].startswith("Stopped after 0 ")
    assert status["running_trial"] is None and status["running_trials"] == []
    assert two_at_once.first_trials == {0: "RUNNING", 1: "RUNNING"}


def test_the_resumed_search_goes_on_with_both_and_tests_one_winner(two_at_once):
    search_dir, lines = two_at_once.search_dir, two_at_once.resumed_lines
    assert two_at_once.resumed_status["status"] == "finished", two_at_once.resumed_status
    assert two_at_once.resumed_status["running_trials"] == []
    for number in (0, 1):
        assert any(line.startswith(f"trial {number}: resuming its run after epoch ")
                   for line in lines), lines
        run_dir = _trial_run(search_dir, number)
        starts = [e for e in read_events(run_dir) if e["event"] == "start"]
        assert len(starts) == 2 and starts[1]["initial_epoch"] >= 1  # the same run, gone on
        assert runs.read_status(run_dir)["epochs_done"] > starts[1]["initial_epoch"]
    # Each ends finished, or pruned against the other once their curves part.
    states = [t.state.name for t in read_trials(search_dir)]
    assert "COMPLETE" in states and set(states) <= {"COMPLETE", "PRUNED"}, states
    result = read_result(search_dir)
    finished = [r for r in trial_rows(search_dir) if r.state == "finished"]
    best = max(finished, key=lambda r: (r.val_accuracy, -r.val_loss, -r.number))
    assert result["trials"] == 2 and result["best_trial"] == best.number
    tested = [n for n in (0, 1) if (_trial_run(search_dir, n) / runs.METRICS_FILE).exists()]
    assert tested == [best.number] and result["test_accuracy"] is not None


def test_at_the_deadline_every_running_trial_is_stopped_at_once(monkeypatch):
    monkeypatch.setenv("LSTM_STUDIO_MAX_JOBS", "2")
    search_dir, _ = tiny_search(budget_s=8.0, parallel=2, poor_second=False)
    status = run_search(search_dir)
    # One after another, two trials still starting would each take their whole grace.
    assert status["spent_s"] <= 8.0 * 1.1 + POLL_S
    assert status["running_trials"] == [] and status["running_trial"] is None
    started = [row for row in trial_rows(search_dir) if row.run_id]
    assert len(started) == 2
    for row in started:
        assert runs.read_status(runs.resolve_run(row.run_id))["status"] in ("stopped",
                                                                             "finished")
    if status["status"] == "failed":  # both were still starting: nothing to test
        assert status["message"].startswith("No trial finished a whole epoch")
    else:  # a fast machine trained an epoch in time and tested it
        assert status["status"] == "finished" and read_result(search_dir)["trials"] == 2


class _Cluster(LocalProcesses):
    """An executor with room for four trials at once, as a cluster's would say."""

    def capacity(self) -> int:
        return 4


def test_trials_at_once_are_the_searchs_setting_else_what_the_executor_can_train():
    search_dir, _ = tiny_search()
    assert read_settings(search_dir).parallel is None
    assert trials_at_once(read_settings(search_dir), LocalProcesses()) == 1
    assert trials_at_once(read_settings(search_dir), _Cluster()) == 4
    search_dir, _ = tiny_search(parallel=3)
    assert trials_at_once(read_settings(search_dir), _Cluster()) == 3
