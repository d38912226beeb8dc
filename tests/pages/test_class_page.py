"""AppTest tests of the Class page on copies of one real tiny run, and one run split otherwise."""

import shutil
from dataclasses import replace
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from lstm_core.config import DataConfig
from lstm_core.fileio import atomic_write_json, read_json
from lstm_core.store import runs
from lstm_core.training.train import create_run
from tests.helpers import demo_examples, tiny_config

ROOT = Path(__file__).resolve().parents[2]
PEOPLE = (("20260101-000000-ada", "Ada", 0.70), ("20260101-000100-bo", "Bo", 0.90),
          ("20260101-000200-cy", None, 0.80))


def _copy(trained: Path, root: Path, run_id: str, author, accuracy: float) -> Path:
    run_dir = shutil.copytree(trained, root / run_id)
    metrics = read_json(run_dir / runs.METRICS_FILE)
    atomic_write_json(run_dir / runs.METRICS_FILE, {**metrics, "accuracy": accuracy})
    runs.write_status(run_dir, author=author, created=f"2026-01-01T00:0{len(run_id) % 9}:00")
    return run_dir


@pytest.fixture(autouse=True)
def store(trained, tmp_path, monkeypatch) -> Path:
    root = tmp_path / "store"
    for run_id, author, accuracy in PEOPLE:
        _copy(trained, root, run_id, author, accuracy)
    monkeypatch.setenv("LSTM_STUDIO_RUNS", str(root))
    st.cache_data.clear()
    return root


def class_page(**query) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params.update(query)
    at.switch_page("pages/class.py")
    return at.run()


def board(at: AppTest):
    return at.dataframe[0].value


def test_runs_are_ranked_by_test_accuracy_against_the_bag_of_words_line(trained):
    at = class_page()
    assert not at.exception
    table = board(at)
    assert list(table["author"]) == ["Bo", "(no name)", "Ada"]
    assert list(table["test accuracy"]) == [0.90, 0.80, 0.70]
    assert list(table["model"]) == ["LSTM 8 x 1"] * 3
    assert all(time.endswith(" min") for time in table["training time"])
    baseline = read_json(trained / runs.METRICS_FILE)["baseline"]["accuracy"]
    assert at.metric[0].value == f"{baseline:.1%}"
    assert list(table["beats bag of words"]) == ["yes" if a > baseline else "no"
                                                 for a in (0.9, 0.8, 0.7)]
    assert at.query_params["data"] in ("demo-en", ["demo-en"])


def test_another_split_seed_is_ranked_apart_and_the_page_says_so(store, trained):
    config = tiny_config(epochs=1)
    moved = replace(config, data=DataConfig(split_seed=config.data.split_seed + 1))
    other = create_run(moved, demo_examples(300), run_dir=store / "20260102-000000-dee",
                       author="Dee")
    shutil.copy(trained / runs.METRICS_FILE, other / runs.METRICS_FILE)
    runs.write_status(other, status="finished")
    assert runs.summarize_run(other).test_set != runs.summarize_run(store / PEOPLE[0][0]).test_set
    at = class_page()
    assert "Dee" not in list(board(at)["author"]) and len(board(at)) == 3
    assert "1 run(s) of demo-en were tested on other texts" in at.warning[0].value
    at.radio(key="class-test-set").set_value(runs.summarize_run(other).test_set).run()
    assert list(board(at)["author"]) == ["Dee"]


def test_the_teacher_hides_a_run_and_shows_it_again_and_new_runs_join(store, trained):
    at = class_page()
    at.selectbox(key="class-hide").set_value(PEOPLE[1][0]).run()
    next(b for b in at.button if b.label == "Hide").click().run()
    assert not at.exception and list(board(at)["author"]) == ["(no name)", "Ada"]
    assert runs.read_status(store / PEOPLE[1][0])["hidden"] is True
    _copy(trained, store, "20260101-000300-eve", "Eve", 0.95)  # finishes while the page is open
    at.run()
    assert list(board(at)["author"]) == ["Eve", "(no name)", "Ada"]
    at.selectbox(key="class-unhide").set_value(PEOPLE[1][0]).run()
    next(b for b in at.button if b.label == "Show again").click().run()
    assert list(board(at)["author"]) == ["Eve", "Bo", "(no name)", "Ada"]


def test_no_tested_run_yet_says_so(store):
    shutil.rmtree(store)
    store.mkdir()
    at = class_page()
    assert not at.exception and "No tested runs yet" in at.info[0].value
