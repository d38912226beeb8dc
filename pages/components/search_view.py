"""A settings search: start one for the chosen data set, watch its trials live, read the winner.

Everything is read from the search directory and its trials' runs on each redraw; while the
search runs, a fragment redraws once a second without rerunning the page.
"""

from pathlib import Path

import streamlit as st

from lstm_core.errors import StudioError
from lstm_core.figures.curves import overlay_curves
from lstm_core.figures.search import search_parallel_coordinates
from lstm_core.search.directory import (
    read_result,
    read_search_status,
    read_settings,
    request_search_stop,
    resumable,
)
from lstm_core.search.launch import launch_search, resume_search
from lstm_core.search.table import trial_events, trial_rows, trials_frame
from lstm_core.store.results import run_verdict
from lstm_core.store.runs import ACTIVE_STATES, STOP_FILE
from pages.components.teacher import NOT_YOURS, may_manage, session_owner

REFRESH_S = 1.0
NOT_YOURS_SEARCH = NOT_YOURS.replace("run", "search")
DEFAULT_BUDGET_MIN = 10.0


def search_launcher(container, dataset_id: str) -> None:
    """Budget and Start: a search of this data set's settings in a process of its own."""
    box = container.expander("Find good settings", icon=":material/travel_explore:")
    box.caption("Tries settings around the suggested ones (cell, size, layers, pooling, "
                "dropout, learning rate, batch size, epochs) for a time you choose. Each trial is "
                "an ordinary run; poor ones are stopped early. The best one on validation is "
                "tested once, on texts no trial has seen.")
    budget = box.number_input("Budget (minutes)", min_value=0.1, max_value=24 * 60.0,
                              value=DEFAULT_BUDGET_MIN, step=1.0, key=f"{dataset_id}-budget",
                              help="The whole search, the winner's test included, ends within "
                              "this time.")
    if not box.button("Start search", icon=":material/travel_explore:",
                      key=f"{dataset_id}-search"):
        return
    try:
        search_dir = launch_search(dataset_id, budget, owner=session_owner())
    except StudioError as exc:
        box.error(str(exc))
        return
    st.switch_page("pages/train.py", query_params={"search": search_dir.name,
                                                   "dataset": dataset_id})


def show_search(container, search_dir: Path) -> None:
    status = read_search_status(search_dir)
    container.subheader(f"Search {search_dir.name}")
    if status["status"] in ACTIVE_STATES:
        with container:
            _live(str(search_dir))
        return
    _show_ended(container, search_dir, status)


def _clock(status: dict, budget_s: float) -> tuple[float, str]:
    spent = float(status.get("spent_s") or 0.0)
    running = status.get("running_trials")
    if running is None:  # written by a search from before trials ran at once
        running = [] if status.get("running_trial") is None else [status["running_trial"]]
    text = f"{spent / 60:.1f} of {budget_s / 60:.1f} min"
    if running:
        text += f" · trial{'s' if len(running) > 1 else ''} " \
                f"{', '.join(map(str, running))} training"
    return min(spent / budget_s, 1.0), text


@st.fragment(run_every=REFRESH_S)
def _live(search_dir: str) -> None:
    path = Path(search_dir)
    status = read_search_status(path)
    if status["status"] not in ACTIVE_STATES:
        st.rerun()  # the search ended: redraw the whole page with its winner
    fraction, text = _clock(status, read_settings(path).budget_s)
    st.progress(fraction, text=text if status["status"] == "running" else
                "Starting the search...")
    _trials(st.container(), path)
    allowed = may_manage(status.get("owner"))
    if st.button("Stop search", icon=":material/stop:",
                 disabled=(path / STOP_FILE).exists() or not allowed,
                 help="Stops the running trials after their current batch; resume later to "
                 "go on with the time left." if allowed else NOT_YOURS_SEARCH):
        if not may_manage(read_search_status(path).get("owner")):  # a click that got through
            st.error(NOT_YOURS_SEARCH)
            return
        request_search_stop(path)
        st.toast("Stopping the search...")


def _show_ended(container, search_dir: Path, status: dict) -> None:
    state, message = status["status"], status.get("message", "")
    if state == "finished":
        container.success(message, icon="✅")
    elif state == "stopped":
        container.warning(message or "Stopped.", icon="⏹")
    else:
        container.error(f"This search {state}: {message}")
    allowed = may_manage(status.get("owner"))
    if resumable(search_dir) and container.button(
            "Resume search", icon=":material/play_arrow:", key=f"resume-{search_dir.name}",
            disabled=not allowed, help=None if allowed else NOT_YOURS_SEARCH):
        try:
            if not allowed:
                raise StudioError(NOT_YOURS_SEARCH)
            resume_search(search_dir)
        except StudioError as exc:
            container.error(str(exc))
        else:
            st.rerun()
    _winner(container, read_result(search_dir))
    _trials(container, search_dir)


def _winner(container, result: dict | None) -> None:
    if result is None:
        return
    container.markdown(f"**Winner: trial {result['best_trial']}**, chosen on validation alone, "
                       "then tested once on held-out texts.")
    cols = container.columns(3)
    test, baseline = result["test_accuracy"], result["baseline_test_accuracy"]
    cols[0].metric("Validation accuracy", f"{result['val_accuracy']:.1%}")
    cols[1].metric("Test accuracy (LSTM)", f"{test:.1%}",
                   delta=f"{(test - baseline) * 100:+.1f} points vs bag-of-words")
    cols[2].metric("Bag-of-words baseline", f"{baseline:.1%}")
    run_id = Path(result["best_run_dir"]).name
    verdict = run_verdict(result["best_run_dir"])
    if verdict is not None:
        (container.success if verdict.outcome == "better" else container.warning)(verdict.summary)
    container.page_link("pages/train.py", label=f"Open the winning run {run_id}",
                        query_params={"run": run_id}, icon=":material/model_training:")
    settings = result["best_settings"]
    container.dataframe([{"section": section, "setting": name, "value": str(value)}
                         for section in ("model", "train") for name, value
                         in settings[section].items()], hide_index=True, width="stretch")


def _trials(container, search_dir: Path) -> None:
    rows = trial_rows(search_dir)
    if not rows:
        container.info("No trial yet: the first one is the data check's suggestion.")
        return
    container.dataframe(trials_frame(rows), hide_index=True, width="stretch",
                        column_config={"val accuracy": st.column_config.NumberColumn(
                            format="percent")})
    left, right = container.columns(2)
    left.plotly_chart(overlay_curves(trial_events(rows), "val_accuracy"),
                      key=f"search-curves-{search_dir.name}")
    right.plotly_chart(search_parallel_coordinates([row.to_dict() for row in rows]),
                       key=f"search-parallel-{search_dir.name}")
