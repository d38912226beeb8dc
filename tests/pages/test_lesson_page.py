"""AppTest of the "why gates" page on the lesson's three tiny trained runs."""

import json
from pathlib import Path

import streamlit as st
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]


def test_the_page_shows_each_cell_and_both_figures(trained_lesson, monkeypatch):
    root, run_dirs = trained_lesson
    monkeypatch.setenv("LSTM_STUDIO_RUNS", str(root))
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.switch_page("pages/lesson.py")
    at.run()
    assert not at.exception
    assert [m.label for m in at.metric] == ["SimpleRNN", "GRU", "LSTM"]
    assert "vanishing gradient" in at.markdown[0].value
    assert at.button[0].disabled is False  # nothing of the lesson is training
    figures = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
    assert [[trace["name"] for trace in fig["data"]] for fig in figures] == [
        ["SimpleRNN", "GRU", "LSTM"]] * 2
    at.text_input(key="lesson-sentence").input("The soup was cold, and we discussed the news.")
    at.run()
    flow = json.loads(at.get("plotly_chart")[1].proto.spec)
    assert all(len(trace["y"]) == 9 for trace in flow["data"])
