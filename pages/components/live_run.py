"""One run: live progress and curves while it trains, results once it has ended.

Everything is read from the run directory on each redraw; a fragment redraws once a second
without rerunning the page, and the chart keeps the user's zoom (``uirevision``).
"""

from pathlib import Path

import streamlit as st

from lstm_core.errors import StudioError
from lstm_core.figures.curves import training_curves
from lstm_core.jobs.launch import resume
from lstm_core.store.events import read_events, training_progress
from lstm_core.store.runs import ACTIVE_STATES, read_status, stop_requested
from lstm_core.training.train import request_stop, resume_point
from pages.components.run_results import show_results
from pages.components.teacher import NOT_YOURS, may_manage
from pages.components.timelapse_view import inside_as_it_learns, show_when_learned

REFRESH_S = 1.0


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


def _progress_text(progress: dict) -> str:
    if not progress["started"]:
        return "Starting: loading TensorFlow and preparing the data..."
    rate = progress["samples_per_s"]
    return (f"Epoch {progress['epoch']}/{progress['epochs']} · batch {progress['batch']}/"
            f"{progress['batches_per_epoch']} · "
            f"{f'{rate:,.0f} texts/s' if rate else '-'} · "
            f"{_duration(progress['eta_s'])} left")


def show_run(container, run_dir: Path) -> None:
    status = read_status(run_dir)
    container.subheader(f"Run {run_dir.name}")
    if status["status"] in ACTIVE_STATES:
        with container:
            _live(str(run_dir))
        return
    _show_ended(container, run_dir, status)


@st.fragment(run_every=REFRESH_S)
def _live(run_dir: str) -> None:
    path = Path(run_dir)
    status = read_status(path)
    if status["status"] not in ACTIVE_STATES:
        st.rerun()  # the job ended: redraw the whole page with its results
    events = read_events(path)
    progress = training_progress(events)
    if status["status"] == "queued":
        place = status.get("queue_position")
        st.info(f"Queued: number {place} in line for a training slot." if place else
                status.get("message") if status.get("executor") == "ray" else
                "Queued: starting the training process...", icon="⏳")
    st.progress(progress["fraction"], text=_progress_text(progress))
    st.caption(f"Device: {status.get('device') or progress.get('device') or 'starting'}"
               + (f" · node {status['node']}" if status.get("executor") == "ray"
                  and status.get("node") else ""))
    curves, inside = st.columns(2)
    curves.plotly_chart(training_curves(events), key=f"curves-{path.name}")
    inside_as_it_learns(inside, path, live=True)
    allowed = may_manage(status.get("owner"))
    if st.button("Stop", icon=":material/stop:", disabled=stop_requested(path) or not allowed,
                 help="Stops after the current batch and keeps the best model so far."
                 if allowed else NOT_YOURS):
        request_stop(path)
        st.toast("Stopping after the current batch...")


def _show_ended(container, run_dir: Path, status: dict) -> None:
    state = status["status"]
    message = status.get("message", "")
    if state == "finished":
        container.success(f"Finished on {status.get('device', '?')}: {status.get('epochs_done')} "
                          f"epochs, best epoch {status.get('best_epoch')}.", icon="✅")
    elif state == "stopped":
        container.warning(message or "Stopped.", icon="⏹")
    else:
        container.error(f"This run {state}: {message}")
    _offer_resume(container, run_dir)
    events = read_events(run_dir)
    curves, inside = container.columns(2)
    if events:
        curves.plotly_chart(training_curves(events), key=f"curves-{run_dir.name}")
    inside_as_it_learns(inside, run_dir, live=False)
    show_when_learned(container, run_dir)
    show_results(container, run_dir)


def _offer_resume(container, run_dir: Path) -> None:
    epoch = resume_point(run_dir)
    if epoch is None:
        return
    if not container.button(f"Resume after epoch {epoch}", icon=":material/play_arrow:",
                            key=f"resume-{run_dir.name}",
                            help="Goes on with the weights, optimizer state and curves saved "
                            "after that epoch, in the same run."):
        return
    try:
        resume(run_dir)
    except StudioError as exc:
        container.error(str(exc))
        return
    st.rerun()
