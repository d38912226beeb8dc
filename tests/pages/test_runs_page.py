"""AppTest tests of the Runs page on copies of one real tiny run."""

import json
import os
import shutil
import socket
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from lstm_core.fileio import atomic_write_json, read_json
from lstm_core.store import runs

ROOT = Path(__file__).resolve().parents[2]
OLD, NEW = "20260101-000000-small", "20260102-000000-wide"


@pytest.fixture(autouse=True)
def store(trained, tmp_path, monkeypatch) -> Path:
    """A fresh run store with two finished runs that differ in their units."""
    root = tmp_path / "store"
    for run_id, created, units in ((OLD, "2026-01-01T00:00:00+00:00", 8),
                                   (NEW, "2026-01-02T00:00:00+00:00", 16)):
        run_dir = shutil.copytree(trained, root / run_id)
        config = read_json(run_dir / runs.CONFIG_FILE)
        config["model"]["units"] = units
        atomic_write_json(run_dir / runs.CONFIG_FILE, config)
        runs.write_status(run_dir, created=created)
    monkeypatch.setenv("LSTM_STUDIO_RUNS", str(root))
    st.cache_data.clear()
    st.cache_resource.clear()
    return root


def page(**query) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params.update(query)
    at.switch_page("pages/runs.py")
    return at.run()


def chosen(at: AppTest) -> list[str]:
    return at.multiselect[0].value


def overlay_traces(at: AppTest) -> list[str]:
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    return [trace["name"] for trace in spec["data"]]


def labels(at: AppTest, kind: str) -> list[str]:
    return [element.label for element in at.get(kind)]


def test_the_table_lists_every_run_newest_first_and_nothing_is_chosen_yet():
    at = page()
    assert not at.exception
    assert list(at.dataframe[0].value["run"]) == [NEW, OLD]
    assert chosen(at) == [] and not at.get("plotly_chart")
    assert "Choose runs to compare" in at.caption[0].value


def test_two_chosen_runs_get_overlaid_curves_their_settings_and_downloads():
    at = page()
    at.multiselect[0].set_value([OLD, NEW]).run()
    assert not at.exception
    assert at.query_params["runs"] == f"{OLD},{NEW}"
    assert overlay_traces(at) == [OLD, NEW]
    settings = at.dataframe[1].value
    assert list(settings.columns) == [OLD, NEW]
    assert settings.loc["model.units"].tolist() == ["8", "16"]
    assert any(c.value.startswith("1 of") for c in at.caption)
    at.toggle(key="only-differences").set_value(True).run()
    assert list(at.dataframe[1].value.index) == ["model.units"]
    assert labels(at, "download_button") == ["Download (zip)", "Report (HTML)"] * 2
    assert not any(button.proto.disabled for button in at.get("download_button"))
    at.radio(key="overlay-metric").set_value("loss").run()
    assert at.query_params["metric"] == "loss"
    assert "Training loss" in json.loads(at.get("plotly_chart")[0].proto.spec)["layout"][
        "title"]["text"]


def test_a_link_opens_the_same_choice_and_says_when_a_run_is_gone():
    at = page(runs=f"{NEW},gone-run", metric="val_loss")
    assert not at.exception
    assert chosen(at) == [NEW] and at.query_params["runs"] == NEW
    assert at.radio(key="overlay-metric").value == "val_loss"
    assert "no longer in the run store" in at.warning[0].value


def test_delete_asks_for_confirmation_then_removes_the_run_and_its_link(store):
    at = page(runs=f"{OLD},{NEW}")
    assert [p.proto.popover.label for p in at.get("popover")] == ["Delete", "Delete"]
    assert (store / OLD).is_dir()  # showing the delete control deletes nothing
    at.button(key=f"confirm-{OLD}").click().run()
    assert not at.exception
    assert not (store / OLD).exists() and (store / NEW).is_dir()
    assert at.query_params["runs"] == NEW and chosen(at) == [NEW]
    assert list(at.dataframe[0].value["run"]) == [NEW]


def test_a_running_run_cannot_be_downloaded_or_deleted(store):
    pid = os.getpid()  # this test process stands in for the training job: it is alive
    runs.write_status(store / NEW, status="running", pid=pid, host=socket.gethostname(),
                      pid_created=runs.process_started(pid))
    at = page(runs=NEW)
    assert not at.exception
    popover = at.get("popover")[0]
    assert popover.proto.popover.disabled
    zip_button = next(b for b in at.get("download_button") if b.label == "Download (zip)")
    assert zip_button.proto.disabled
    assert any("This run is running" in c.value for c in at.caption)
    # Even a confirmation that reaches the server is refused: the engine checks again.
    at.button(key=f"confirm-{NEW}").click().run()
    assert (store / NEW).is_dir()
    assert "stop it before deleting it" in at.error[0].value


def test_runs_tested_on_other_texts_are_compared_apart_and_the_page_says_so(store):
    runs.write_status(store / NEW, test_set="0123456789ab")
    at = page(runs=f"{OLD},{NEW}")
    assert not at.exception
    assert "2 different sets of texts" in at.warning[0].value
    assert f"Left out: {NEW}" in at.warning[0].value
    assert len(overlay_traces(at)) == 1 and len(at.radio(key="compare-test-set").options) == 2
    at.radio(key="compare-test-set").set_value("0123456789ab").run()
    assert overlay_traces(at) == [NEW] and f"Left out: {OLD}" in at.warning[0].value
    assert list(at.dataframe[0].value["test set"]) == ["012345", runs.summarize_run(
        store / OLD).test_set[:6]]


def test_runs_on_one_test_set_are_compared_and_the_page_says_so():
    at = page(runs=f"{OLD},{NEW}")
    assert not at.warning and overlay_traces(at) == [OLD, NEW]
    assert any("tested on the same texts" in c.value for c in at.caption)
