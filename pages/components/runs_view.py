"""The Runs page's pieces: choose runs, overlay their curves, line up their settings, and per run
a zip download, an HTML report and a guarded delete.

The chosen runs are the ``runs`` query parameter (ids joined by commas) and the compared metric
is ``metric``, so a link opens the same comparison. Downloads are built only when clicked.
"""

from __future__ import annotations

import zlib
from functools import partial
from pathlib import Path

import streamlit as st

from lstm_core.errors import StudioError
from lstm_core.figures.curves import OVERLAY_METRICS, overlay_curves
from lstm_core.fileio import file_stamp
from lstm_core.store.archive import (
    differing_rows,
    format_setting,
    hyperparameter_table,
    run_archive,
)
from lstm_core.store.events import read_events
from lstm_core.store.runs import (
    ACTIVE_STATES,
    EVENTS_FILE,
    MODEL_FILE,
    STATUS_FILE,
    RunSummary,
    delete_run,
)
from lstm_core.store.testset import by_test_set, short
from pages.components.run_table import STATUS_ICONS
from pages.components.teacher import NOT_YOURS, is_teacher, may_manage

RUNS_PARAM = "runs"
METRIC_PARAM = "metric"
DEFAULT_METRIC = "val_accuracy"
# Okabe-Ito orange, light: the rows where the chosen runs' settings differ.
DIFFERS_STYLE = "background-color: rgba(230, 159, 0, 0.2)"


def _wanted() -> list[str]:
    return [run_id for run_id in st.query_params.get(RUNS_PARAM, "").split(",") if run_id]


def _remember(run_ids: list[str]) -> None:
    if run_ids:
        st.query_params[RUNS_PARAM] = ",".join(run_ids)
    elif RUNS_PARAM in st.query_params:
        del st.query_params[RUNS_PARAM]


def choose_runs(container, summaries: list[RunSummary]) -> list[RunSummary]:
    """A multiselect of runs, initialised from the URL and written back to it."""
    by_id = {s.run_id: s for s in summaries}
    wanted = _wanted()
    gone = [run_id for run_id in wanted if run_id not in by_id]
    if gone:
        container.warning(f"{len(gone)} run(s) named in the link are no longer in the run "
                          "store; they were deleted or the link is wrong.")
    # Keyed by the runs there are: when one is deleted or added, the widget starts again from
    # the URL instead of holding a choice that names a run no longer offered.
    key = f"runs-{zlib.crc32(','.join(by_id).encode()):08x}"
    chosen = container.multiselect(
        "Runs to compare", list(by_id), default=[r for r in wanted if r in by_id], key=key,
        format_func=lambda run_id: f"{STATUS_ICONS.get(by_id[run_id].status, '')} {run_id}",
        placeholder="Choose one run or several",
        help="Their curves are drawn on one chart and their settings side by side; each one "
        "can be downloaded, written up as a report, or deleted.",
    )
    _remember(chosen)
    return [by_id[run_id] for run_id in chosen]


def same_test_set(container, chosen: list[RunSummary]) -> list[RunSummary]:
    """The chosen runs that were tested on the same texts, so their scores can be compared.

    When the chosen runs were tested on different texts (another split seed, share or test file),
    the person picks which test set to compare on and is told which runs are left out.
    """
    groups = by_test_set(chosen)
    if len(groups) <= 1:
        if groups and len(groups[0]) > 1:
            container.caption(f"{len(groups[0])} of these runs were tested on the same texts "
                              f"(test set `{short(groups[0][0].test_set)}`).")
        return chosen
    names = {group[0].test_set: group for group in groups}
    picked = container.radio(
        "Test set", list(names), horizontal=True, key="compare-test-set",
        format_func=lambda key: f"{short(key)} ({len(names[key])} runs)",
        help="Runs tested on different texts cannot be ranked against each other: the split "
        "seed, the test share or the test file differed. Compare the runs of one test set.")
    group = names[picked]
    others = [s.run_id for s in chosen if s not in group]
    container.warning(f"These runs were tested on {len(groups)} different sets of texts; "
                      f"comparing the {len(group)} tested on test set `{short(picked)}`. Left "
                      f"out: {', '.join(others)}.", icon=":material/balance:")
    return group


@st.cache_data(max_entries=64, show_spinner=False)
def _epoch_events(run_path: str, events_stamp: tuple[int, int]) -> list[dict]:
    """The start and epoch events (all the overlay needs), parsed once per version of the file."""
    return [e for e in read_events(Path(run_path)) if e.get("event") in ("start", "epoch")]


def show_overlay(container, chosen: list[RunSummary]) -> None:
    """One metric of every chosen run on one chart (the metric is the ``metric`` parameter)."""
    metrics = list(OVERLAY_METRICS)
    current = st.query_params.get(METRIC_PARAM, DEFAULT_METRIC)
    metric = container.radio(
        "Curve", metrics, index=metrics.index(current if current in metrics else DEFAULT_METRIC),
        format_func=OVERLAY_METRICS.get, horizontal=True, key="overlay-metric",
        help="Validation curves show how each run does on texts it does not train on; a loss "
        "that keeps falling while validation accuracy stalls is overfitting.")
    st.query_params[METRIC_PARAM] = metric
    events = {s.run_id: _epoch_events(str(s.path), file_stamp(s.path / EVENTS_FILE))
              for s in chosen}
    container.plotly_chart(overlay_curves(events, metric), key="overlay")


def _highlight(differs):
    return lambda row: [DIFFERS_STYLE if differs[row.name] else ""] * len(row)


def show_hyperparameters(container, chosen: list[RunSummary]) -> None:
    """Every setting of the chosen runs side by side, the ones that differ highlighted."""
    table = hyperparameter_table(chosen)
    differs = differing_rows(table)
    only = container.toggle("Only the settings that differ", key="only-differences",
                            disabled=len(chosen) < 2)
    if only and len(chosen) > 1:
        table = table[differs]
    container.caption(f"{int(differs.sum())} of {len(differs)} settings differ between the "
                      "chosen runs (highlighted)." if len(chosen) > 1 else
                      "Choose a second run to see what differs.")
    shown = table.map(format_setting)
    container.dataframe(shown.style.apply(_highlight(differs), axis=1), width="stretch",
                        key="hyperparameters")


@st.cache_data(max_entries=8, show_spinner=False)
def _report(run_path: str, stamps: tuple, with_model: bool) -> str:
    """The run's HTML report, built once per run and version of its status and model files."""
    from lstm_core.figures.report import build_report
    from pages.components.run_picker import loaded_run

    path = Path(run_path)
    return build_report(path, run=loaded_run(path) if with_model else None)


def run_actions(container, summary: RunSummary) -> None:
    """Download the run (zip), download its report (HTML), or delete it."""
    run_id, active = summary.run_id, summary.status in ACTIVE_STATES
    container.markdown(f"**`{run_id}`** · {STATUS_ICONS.get(summary.status, '')} "
                       f"{summary.status}")
    stamps = tuple(file_stamp(summary.path / name) for name in (STATUS_FILE, MODEL_FILE))
    left, middle, right = container.columns(3)
    left.download_button(
        "Download (zip)", data=partial(run_archive, summary.path), file_name=f"{run_id}.zip",
        mime="application/zip", on_click="ignore", disabled=active, key=f"zip-{run_id}",
        icon=":material/folder_zip:",
        help="Model, vocabulary, config, baseline, metrics, test predictions and training log.")
    middle.download_button(
        "Report (HTML)", file_name=f"{run_id}-report.html", mime="text/html",
        data=partial(_report, str(summary.path), stamps, summary.has_model and not active),
        on_click="ignore", key=f"report-{run_id}", icon=":material/description:",
        help="One file for people who will not open this app: data, settings, curves, test "
        "results, predictions and the gates of one sentence. Opens offline in any browser.")
    _delete(right, summary, active)
    if active:
        container.caption(f"This run is {summary.status}: download it or delete it once it has "
                          "ended, or stop it on the Train page.")


def _delete(container, summary: RunSummary, active: bool) -> None:
    allowed = may_manage(summary.owner)
    popover = container.popover("Delete", icon=":material/delete:",
                                disabled=active or not allowed, key=f"delete-{summary.run_id}",
                                help=None if allowed else NOT_YOURS)
    popover.markdown(f"Delete run **`{summary.run_id}`** and all its files? This cannot be "
                     "undone.")
    if not popover.button("Confirm delete", type="primary", key=f"confirm-{summary.run_id}"):
        return
    if not may_manage(summary.owner):  # checked again: the key may have been locked meanwhile
        container.error(NOT_YOURS)
        return
    try:
        delete_run(summary.path)
    except (StudioError, OSError) as exc:
        container.error(str(exc))
        return
    _remember([run_id for run_id in _wanted() if run_id != summary.run_id])
    st.toast(f"Deleted run {summary.run_id}.", icon=":material/delete:")
    st.rerun()


def queue_actions(container, summaries: list[RunSummary]) -> None:
    """"Clear the queue": every run still waiting for a training slot is stopped (teacher)."""
    waiting = [s for s in summaries if s.status == "queued"]
    if not waiting:
        return
    allowed = is_teacher()
    if container.button(f"Clear the queue ({len(waiting)} waiting)", icon=":material/clear_all:",
                        disabled=not allowed, key="clear-queue",
                        help="Stops every run still waiting for a training slot; running ones "
                        "train on." if allowed else "Only the teacher can clear the queue."):
        from lstm_core.jobs.process import clear_queue

        stopped = clear_queue()
        st.toast(f"Asked {len(stopped)} queued run(s) to stop.", icon=":material/clear_all:")
