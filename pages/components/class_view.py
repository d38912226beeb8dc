"""The Class page's pieces: the data set chooser (kept in the URL), the ranking, which redraws
itself as runs finish, and the teacher's hide and show-again controls.

Everything is read from the run store on each redraw; the page keeps no copy of any run.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lstm_core.errors import StudioError
from lstm_core.store.leaderboard import Leaderboard, datasets, leaderboard, set_hidden
from lstm_core.store.runs import list_runs
from lstm_core.store.testset import short

DATA_PARAM = "data"
REFRESH_S = 5.0  # a finished run appears within this many seconds


def choose_dataset(container, names: list[str]) -> str:
    """A data set of those with tested runs, from the URL and written back to it."""
    wanted = st.query_params.get(DATA_PARAM)
    chosen = container.selectbox(
        "Data set", names, index=names.index(wanted) if wanted in names else 0, key="class-data",
        help="Runs are ranked only against runs of the same data set, tested on the same texts.")
    st.query_params[DATA_PARAM] = chosen
    return chosen


def _rows(board: Leaderboard) -> pd.DataFrame:
    return pd.DataFrame([{
        "rank": e.rank,
        "author": e.author or "(no name)",
        "model": e.model,
        "test accuracy": e.accuracy,
        "beats bag of words": ("-" if board.line_to_beat is None
                               else "yes" if e.accuracy > board.line_to_beat else "no"),
        "training time": "-" if e.train_s is None else f"{e.train_s / 60:.1f} min",
        "started": e.created.replace("T", " ")[:16],
        "run": e.run_id,
    } for e in board.entries])


@st.fragment(run_every=REFRESH_S)
def show_board(dataset: str, may_hide: bool) -> None:
    """The ranking of ``dataset``, redrawn every few seconds so finished runs join it."""
    summaries = list_runs()
    first = leaderboard(summaries, dataset)
    test_set = first.test_set
    if len(first.test_sets) > 1:
        counts = dict(first.test_sets)
        test_set = st.radio(
            "Test set", list(counts), horizontal=True, key="class-test-set",
            format_func=lambda key: f"{short(key)} ({counts[key]} runs)",
            help="Runs tested on different texts (another split seed or test share) are ranked "
            "apart: their scores cannot be compared.")
    board = leaderboard(summaries, dataset, test_set)
    if board.elsewhere:
        st.warning(f"{board.elsewhere} run(s) of {dataset} were tested on other texts and are "
                   "ranked apart; choose their test set above to see them.",
                   icon=":material/balance:")
    if board.line_to_beat is not None:
        st.metric("Bag of words: the line to beat", f"{board.line_to_beat:.1%}",
                  help="A logistic regression on word counts, trained and tested on the same "
                  "texts as every run here.")
    st.caption(f"Every run below was tested on the same texts (test set "
               f"`{short(board.test_set)}`); best test accuracy first.")
    if not board.entries:
        st.info("No run to rank on this test set yet.")
    else:
        st.dataframe(_rows(board), hide_index=True, width="stretch", key="class-board",
                     column_config={"test accuracy": st.column_config.ProgressColumn(
                         format="percent", min_value=0.0, max_value=1.0)})
    if may_hide:
        _hide_controls(board, {s.run_id: s for s in summaries})


def _hide_controls(board: Leaderboard, by_id: dict) -> None:
    left, right = st.columns(2)
    shown = [e.run_id for e in board.entries]
    gone = left.selectbox("Hide a run from the class", shown, index=None, key="class-hide",
                          placeholder="Choose a run", help="It stays in the run store and on "
                          "the Runs page; only this ranking leaves it out.")
    if gone and left.button("Hide", key="class-hide-button", icon=":material/visibility_off:"):
        _set(by_id[gone], True)
    if board.hidden:
        back = right.selectbox("Hidden runs", list(board.hidden), index=None, key="class-unhide",
                               placeholder=f"{len(board.hidden)} hidden")
        if back and right.button("Show again", key="class-unhide-button",
                                 icon=":material/visibility:"):
            _set(by_id[back], False)


def _set(summary, hidden: bool) -> None:
    try:
        set_hidden(summary.path, hidden)
    except (StudioError, OSError) as exc:
        st.error(str(exc))
        return
    st.rerun()


def tested_datasets() -> list[str]:
    return datasets(list_runs())
