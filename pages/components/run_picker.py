"""Pick a trained run (kept in the ``run`` query parameter) and load it once for all sessions."""

from pathlib import Path

import streamlit as st

from lstm_core.errors import StudioError
from lstm_core.fileio import file_stamp
from lstm_core.store.runs import MODEL_FILE, resolve_run, runs_with_model

AT_PARAM = "at"  # a point of training; see timelapse_view.pick_moment


@st.cache_resource(max_entries=16, show_spinner="Loading the model...")
def _load(run_path: str, model_stamp: tuple[int, int]):
    """One loaded model per run and model file, shared by every session of this server."""
    from lstm_core.inspect.run import load_run
    from lstm_core.inspect.web_process import prepare_for_models

    prepare_for_models()
    return load_run(run_path)


def model_version(run_dir: Path) -> tuple[int, int]:
    """The model file's version: what keys everything cached from a run's model."""
    return file_stamp(run_dir / MODEL_FILE)


def loaded_run(run_dir: Path):
    """The run's saved (best) model, loaded once for all sessions."""
    return _load(str(run_dir), model_version(run_dir))


def pick_run(container) -> Path | None:
    """A run selector; the choice is written to the URL so a link opens the same run."""
    runs = runs_with_model()
    if not runs:
        container.info("No trained run yet: train one on the Train page first.")
        container.page_link("pages/train.py", label="Go to Train", icon="🏋")
        return None
    ids = [r.run_id for r in runs]
    wanted = st.query_params.get("run", ids[0])
    if wanted not in ids:
        try:
            resolve_run(wanted)
        except StudioError as exc:
            container.error(str(exc))
        else:
            container.warning(f"Run {wanted} has no saved model yet; showing {ids[0]}.")
        wanted = ids[0]
    labels = {r.run_id: f"{r.run_id} · {r.status} · {r.cell}"
              + (f" · test {r.test_accuracy:.1%}" if r.test_accuracy is not None else "")
              for r in runs}
    chosen = container.selectbox("Run", ids, index=ids.index(wanted), format_func=labels.get,
                                 help="Runs with a saved model; finished ones first.")
    if chosen != wanted:  # another run: a moment chosen in the last one means nothing here
        st.query_params.pop(AT_PARAM, None)
    st.query_params["run"] = chosen
    return next(r.path for r in runs if r.run_id == chosen)
