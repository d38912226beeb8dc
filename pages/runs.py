"""Runs: every run in the store; compare several, download one, write its report, delete it.

The chosen runs and the compared curve are query parameters (``runs``, ``metric``), so a link
opens the same comparison.
"""

import streamlit as st

from lstm_core.store.runs import list_runs
from pages.components.entry import ensure_app_navigation
from pages.components.run_table import show_run_table
from pages.components.runs_view import (
    choose_runs,
    queue_actions,
    run_actions,
    same_test_set,
    show_hyperparameters,
    show_overlay,
)
from pages.components.teacher import teacher_unlock

ensure_app_navigation()
teacher_unlock(st.sidebar)  # nothing unless a teacher's key is set

st.title("Runs")
summaries = list_runs()
if not summaries:
    st.info("No runs yet: train one first.")
    st.page_link("pages/train.py", label="Go to Train", icon=":material/model_training:")
    st.stop()
show_run_table(st.container(), summaries)
queue_actions(st.container(), summaries)

chosen = choose_runs(st.container(), summaries)
if not chosen:
    st.caption("Choose runs to compare their curves and settings, download them, write a "
               "report or delete them.")
    st.stop()

st.header("Compare")
compared = same_test_set(st.container(), chosen)
show_overlay(st.container(), compared)
st.subheader("Settings side by side")
show_hyperparameters(st.container(), compared)

st.header("Download, report, delete")
for summary in chosen:
    run_actions(st.container(border=True), summary)
