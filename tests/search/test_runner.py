"""A real search end to end (``tests.helpers.run_stop_resume``): trials as job processes, a stop
and a resume from the command line, a poor trial pruned, the clock going on across sessions, the
winner tested once."""

import json

import pandas as pd
import pytest

from lstm_core.config import RunConfig
from lstm_core.fileio import read_json
from lstm_core.search.directory import read_examples, read_result, read_search_status
from lstm_core.search.study import read_trials
from lstm_core.search.table import trial_rows
from lstm_core.store import runs
from lstm_core.store.events import read_events
from tests.helpers import SEARCH_BUDGET_S, STOP_RESUME_TRIALS


@pytest.fixture
def search(finished_search, monkeypatch):
    monkeypatch.setenv("LSTM_STUDIO_RUNS", str(finished_search.root))
    return finished_search


def _summary(search) -> dict:
    return json.loads(search.resumed.stdout.strip().splitlines()[-1])


def _trial_runs(search) -> dict[int, list]:
    found: dict[int, list] = {}
    for run_dir in sorted(search.root.iterdir()):
        if (run_dir / runs.STATUS_FILE).is_file():
            status = runs.read_status(run_dir)
            if status.get("search") == search.search_dir.name:
                found.setdefault(status["search_trial"], []).append(run_dir)
    return found


def test_the_command_resumes_the_search_and_prints_one_json_line_last(search):
    assert search.resumed.returncode == 0, search.resumed.stderr
    summary = _summary(search)
    assert {"best_run_dir", "best_settings", "val_accuracy", "test_accuracy", "trials",
            "pruned", "wall_s", "search_dir", "status"} <= set(summary)
    assert summary["status"] == "finished" and summary["search_dir"] == str(search.search_dir)
    assert summary["trials"] == STOP_RESUME_TRIALS and summary["pruned"] == 1
    assert read_search_status(search.search_dir)["status"] == "finished"
    assert summary == {**read_result(search.search_dir), "status": "finished",
                       "message": read_search_status(search.search_dir)["message"]}
    lines = search.resumed.stderr.splitlines()
    closed = [line for line in lines if line.startswith("trial ") and " -> val " in line]
    # One line per trial this session closed: trial 0, which the first session left open, and 1.
    assert [line.split(":")[0] for line in closed] == ["trial 0", "trial 1"], \
        search.resumed.stderr
    # Every line the session says reaches stderr, those said while TensorFlow loads included.
    for start in ("resuming search ", "search directory: ", "budget: ",
                  "trial 0: resuming its run after epoch ", "test accuracy ", "winner: trial "):
        assert sum(line.startswith(start) for line in lines) == 1, (start, search.resumed.stderr)


def test_a_clearly_worse_trial_is_pruned_through_its_stop_file(search):
    assert read_trials(search.search_dir)[1].state.name == "PRUNED"
    [run_dir] = _trial_runs(search)[1]
    status = runs.read_status(run_dir)
    assert status["status"] == "stopped" and status["message"].startswith("Pruned by the search")
    assert (run_dir / runs.STOP_FILE).is_file()
    assert status["epochs_done"] < RunConfig.from_dict(read_json(run_dir / "config.json")) \
        .train.epochs
    assert any(line.startswith("trial 1:") and "pruned after epoch" in line
               for line in search.resumed.stderr.splitlines())


def test_stop_then_resume_goes_on_with_the_same_study(search):
    assert search.first_status["status"] == "stopped"
    assert search.first_trials == {0: "RUNNING", 1: "WAITING"}  # 0 left open, 1 not begun
    assert any(line.startswith("budget: ") for line in search.first_lines)
    assert not any(" -> val " in line for line in search.first_lines)
    trials = read_trials(search.search_dir)
    assert [t.number for t in trials] == [0, 1]
    by_trial = _trial_runs(search)
    assert all(len(found) == 1 for found in by_trial.values())  # no trial trained twice
    assert [e["event"] for e in read_events(by_trial[1][0])].count("start") == 1
    # Trial 0's run went on from its last epoch, in the same run.
    starts = [e for e in read_events(by_trial[0][0]) if e["event"] == "start"]
    assert len(starts) == 2 and starts[1]["initial_epoch"] >= 1
    assert runs.read_status(by_trial[0][0])["epochs_done"] > starts[1]["initial_epoch"]
    assert trials[0].state.name == "COMPLETE"
    assert "trial 0: resuming its run after epoch" in search.resumed.stderr


def test_trials_are_ordinary_runs_that_never_see_the_held_out_texts(search):
    pool, held_out = read_examples(search.search_dir)
    winner = runs.resolve_run(read_result(search.search_dir)["best_run_dir"].rsplit("/", 1)[1])
    val_texts = None
    for found in _trial_runs(search).values():
        run_dir = found[0]
        config = RunConfig.from_dict(read_json(run_dir / "config.json"))
        assert config.data.test_split == 0.0 and config.data.test_data is None
        data = pd.read_parquet(run_dir / runs.DATA_FILE)
        trained = data[data["split"] != "test"]
        assert sorted(trained["text"]) == sorted(pool["text"])
        val = sorted(trained.loc[trained["split"] == "val", "text"])
        assert val_texts in (None, val)  # one validation split for every trial
        val_texts = val
        tested = sorted(data.loc[data["split"] == "test", "text"])
        assert tested == (sorted(held_out["text"]) if run_dir == winner else [])
    assert not set(pool["text"]) & set(held_out["text"]) - set(pool["text"])


def test_the_winner_is_chosen_on_validation_and_tested_once(search):
    result = read_result(search.search_dir)
    rows = trial_rows(search.search_dir)
    finished = [r for r in rows if r.state == "finished" and r.val_accuracy is not None]
    best = max(finished, key=lambda r: (r.val_accuracy, -r.val_loss, -r.number))
    assert result["best_trial"] == best.number
    assert result["val_accuracy"] == best.val_accuracy
    tested = [run_dir for found in _trial_runs(search).values() for run_dir in found
              if (run_dir / runs.METRICS_FILE).exists()]
    assert [run_dir.name for run_dir in tested] == [best.run_id]
    metrics = read_json(tested[0] / runs.METRICS_FILE)
    assert result["test_accuracy"] == metrics["accuracy"]
    assert result["baseline_test_accuracy"] == metrics["baseline"]["accuracy"]
    config = read_json(tested[0] / "config.json")
    assert result["best_settings"] == {s: config[s] for s in ("model", "train", "text")}


def test_the_clock_goes_on_across_sessions(search):
    spent_first = search.first_status["spent_s"]
    result = read_result(search.search_dir)
    assert spent_first < result["wall_s"] <= spent_first + search.resumed_wall_s
    # The resumed session starts with the time the first one left, less its own so far.
    [left] = [line for line in search.resumed.stderr.splitlines() if line.startswith("budget: ")]
    minutes = float(left.split()[1])
    assert (SEARCH_BUDGET_S - result["wall_s"]) / 60 - 0.005 <= minutes \
        <= (SEARCH_BUDGET_S - spent_first) / 60 + 0.005
    assert read_search_status(search.search_dir)["spent_s"] >= result["wall_s"]
