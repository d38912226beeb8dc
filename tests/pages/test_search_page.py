"""AppTest tests of the Train page's settings search, with real search and trial processes."""

import json
import time
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from lstm_core.data.datasets import save_upload
from lstm_core.search.directory import (
    read_result,
    read_search_status,
    request_search_stop,
    resolve_search,
    searches_root,
)
from lstm_core.store.runs import ACTIVE_STATES
from tests.helpers import demo_examples

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 60


@pytest.fixture(autouse=True)
def _fresh_caches():
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def no_search_left_running():
    """Stop any search a failed test left running, and wait for it, so no process outlives it."""
    yield
    for search_dir in searches_root().iterdir():
        if read_search_status(search_dir)["status"] in ACTIVE_STATES:
            request_search_stop(search_dir)
            deadline = time.monotonic() + 60
            while (read_search_status(search_dir)["status"] in ACTIVE_STATES
                   and time.monotonic() < deadline):
                time.sleep(0.5)


def app(page: str, **query) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.query_params.update(query)
    at.switch_page(page)
    return at.run()


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [e.value for e in at.error] + [w.value for w in at.warning]
    parts += [s.value for s in at.success] + [i.value for i in at.info]
    parts += [str(m.value) for m in at.metric] + [m.label for m in at.metric]
    return "\n".join(parts)


def follow(at: AppTest, until, timeout: float = 120.0) -> AppTest:
    """Rerun the page (as the live fragment does each second) until ``until(at)`` holds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        at.run()
        if until(at):
            return at
        time.sleep(1.0)
    raise AssertionError(f"page never reached the expected state:\n{texts(at)}")


def trial_table(at: AppTest):
    tables = [d.value for d in at.dataframe if "settings" in d.value.columns]
    return tables[0] if tables else None


def test_a_search_starts_from_the_train_page_runs_live_and_stops_resumable(
        no_search_left_running):
    csv = demo_examples(300).to_csv(index=False).encode()
    dataset_id = save_upload(csv, "reviews.csv")
    at = app("pages/train.py", dataset=dataset_id)
    assert "Find good settings" in [e.label for e in at.expander]
    at.number_input(key=f"{dataset_id}-budget").set_value(2.0)
    next(b for b in at.button if b.label == "Start search").click().run()
    assert not at.exception
    search_id = at.query_params["search"]
    search_dir = resolve_search(search_id if isinstance(search_id, str) else search_id[0])
    assert f"Search {search_dir.name}" in [h.value for h in at.subheader]

    follow(at, lambda a: trial_table(a) is not None
           and trial_table(a).iloc[-1]["state"] in ("queued", "running"))
    table = trial_table(at)
    assert table.iloc[-1]["trial"] == 0
    assert "lstm 64x1 bi max" in table.iloc[-1]["settings"]  # trial 0: the suggestion
    next(b for b in at.button if b.label == "Stop search").click().run()
    follow(at, lambda a: read_search_status(search_dir)["status"] not in ACTIVE_STATES
           and any(b.label == "Resume search" for b in a.button))
    assert read_search_status(search_dir)["status"] == "stopped"
    assert "resume" in texts(at).lower()


def test_a_finished_search_shows_its_winner_tested_against_the_baseline(finished_search,
                                                                        monkeypatch):
    monkeypatch.setenv("LSTM_STUDIO_RUNS", str(finished_search.root))
    search_dir = finished_search.search_dir
    result = read_result(search_dir)
    at = app("pages/train.py", search=search_dir.name)
    assert not at.exception
    shown = texts(at)
    assert f"Winner: trial {result['best_trial']}" in shown
    assert f"{result['test_accuracy']:.1%}" in shown and "Bag-of-words baseline" in shown
    assert not any(b.label == "Resume search" for b in at.button)
    assert len(trial_table(at)) == result["trials"]
    kinds = [[trace["type"] for trace in json.loads(chart.proto.spec)["data"]]
             for chart in at.get("plotly_chart")]
    assert kinds == [["scatter"] * result["trials"], ["parcoords"]]  # curves, parallel axes
    links = at.get("page_link")
    assert any(Path(result["best_run_dir"]).name in link.proto.label for link in links)


def test_an_unknown_search_is_an_error_not_a_traceback():
    at = app("pages/train.py", search="../../etc")
    assert not at.exception and "not a valid search id" in texts(at)


@pytest.mark.parametrize("status, says", [
    ({"spent_s": 30.0, "running_trial": 2, "running_trials": [2, 3]}, " · trials 2, 3 training"),
    ({"spent_s": 30.0, "running_trial": 1}, " · trial 1 training"),  # a search from before
    ({"spent_s": 30.0, "running_trial": None, "running_trials": []}, ""),
])
def test_the_clock_names_every_trial_training(status, says):
    from pages.components.search_view import _clock

    assert _clock(status, 60.0) == (0.5, "0.5 of 1.0 min" + says)
