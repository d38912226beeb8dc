"""A search directory: the held-out texts, its settings, its status, finding and reopening it."""

import socket
from dataclasses import replace

import pandas as pd
import pytest

from lstm_core.config import DataConfig, RunConfig
from lstm_core.errors import StudioError
from lstm_core.fileio import atomic_write_json, read_json
from lstm_core.search.directory import (
    ORPHAN_MESSAGE,
    SETTINGS_FILE,
    SearchSettings,
    create_search,
    find_search,
    read_examples,
    read_search_status,
    read_settings,
    reopen_search,
    resolve_search,
)
from lstm_core.search.space import SearchSpace, params_of
from lstm_core.search.study import read_trials
from lstm_core.store import runs
from lstm_core.training.split import split_examples
from tests.helpers import demo_examples


def settings(**data) -> SearchSettings:
    base = RunConfig(data=DataConfig(**{"split_seed": 5, **data}))
    return SearchSettings(base=base, space=SearchSpace.around(base), budget_s=90.0)


def test_the_test_texts_are_held_out_once_as_a_run_with_that_seed_would_test_on():
    examples = demo_examples(300)
    search_dir = create_search(settings(), examples)
    pool, held_out = read_examples(search_dir)
    split = split_examples(examples["label"], 0.1, 0.1, 5)
    assert sorted(held_out["text"]) == sorted(examples["text"][split == "test"])
    assert sorted(pool["text"]) == sorted(examples["text"][split != "test"])
    assert read_settings(search_dir) == settings()
    assert read_settings(search_dir).trial_base().data.test_split == 0.0
    status = read_search_status(search_dir)
    assert status["status"] == "queued" and status["budget_s"] == 90.0
    [first] = read_trials(search_dir)  # the suggestion, waiting to be trial 0
    assert first.state.name == "WAITING"
    assert first.system_attrs["fixed_params"] == params_of(settings().base)


def test_a_test_file_is_held_out_whole_and_every_example_is_searched_on():
    examples, test = demo_examples(300), demo_examples(40).assign(text=lambda f: f.text + "!")
    search_dir = create_search(settings(test_split=0.0), examples, test)
    pool, held_out = read_examples(search_dir)
    assert len(pool) == 300 and sorted(held_out["text"]) == sorted(test["text"])


@pytest.mark.parametrize("case, message", [
    ("no test", "tests its winner on texts no trial has seen"),
    ("new label", "labels the training data lacks"),
    ("outside", "outside the search space"),
])
def test_a_search_that_cannot_be_honest_is_refused(case, message):
    examples = demo_examples(300)
    if case == "no test":
        args = (settings(test_split=0.0), examples)
    elif case == "new label":
        args = (settings(), examples, pd.DataFrame({"text": ["x"], "label": ["neutral"]}))
    else:
        args = (SearchSettings(base=RunConfig(), space=SearchSpace(units=(8,)), budget_s=60),
                examples)
    with pytest.raises(StudioError, match=message):
        create_search(*args)


@pytest.mark.parametrize("budget", [0, -1, float("nan"), "10"])
def test_a_budget_must_be_a_positive_number(budget):
    with pytest.raises(StudioError, match="budget must be a number of minutes above 0"):
        SearchSettings(base=RunConfig(), space=SearchSpace(), budget_s=budget)


@pytest.mark.parametrize("parallel", [0, -2, 1.5, True, "2"])
def test_trials_at_once_must_be_a_whole_number_of_at_least_1(parallel):
    with pytest.raises(StudioError, match="parallel must be a whole number of at least 1"):
        SearchSettings(base=RunConfig(), space=SearchSpace(), budget_s=60, parallel=parallel)


def test_trials_at_once_are_saved_and_a_search_saved_before_them_loads():
    search_dir = create_search(replace(settings(), parallel=2), demo_examples(300))
    assert read_settings(search_dir).parallel == 2
    saved = read_json(search_dir / SETTINGS_FILE)
    del saved["parallel"]  # search.json as written before searches ran trials at once
    atomic_write_json(search_dir / SETTINGS_FILE, saved)
    assert read_settings(search_dir) == settings()


def test_searches_are_found_by_id_or_directory_and_nothing_else(tmp_path):
    search_dir = create_search(settings(), demo_examples(300))
    assert resolve_search(search_dir.name) == search_dir.resolve()
    assert find_search(search_dir) == search_dir.resolve()
    assert find_search(search_dir.name) == search_dir.resolve()
    with pytest.raises(StudioError, match="not a valid search id"):
        resolve_search("../x")
    with pytest.raises(StudioError, match="There is no search"):
        find_search("nope")
    with pytest.raises(StudioError, match="not a search directory"):
        find_search(tmp_path)


def test_a_search_whose_process_died_reads_interrupted_and_can_be_reopened():
    search_dir = create_search(settings(), demo_examples(300))
    with pytest.raises(StudioError, match="is queued; only a stopped, failed or interrupted"):
        reopen_search(search_dir)
    runs.write_status(search_dir, status="running", pid=2**22 + 7, host=socket.gethostname(),
                      spent_s=30.0)
    status = read_search_status(search_dir)
    assert status["status"] == "interrupted" and status["message"] == ORPHAN_MESSAGE
    (search_dir / runs.STOP_FILE).write_text("stop")
    assert reopen_search(search_dir) == 60.0  # seconds left of 90
    assert read_search_status(search_dir)["status"] == "queued"
    assert not (search_dir / runs.STOP_FILE).exists()
