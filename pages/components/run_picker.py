"""Pick a trained run and an epoch of it (kept in the ``run`` and ``epoch`` query parameters),
and load each once for all sessions."""

from pathlib import Path

import streamlit as st

from lstm_core.errors import StudioError
from lstm_core.fileio import file_stamp
from lstm_core.store.runs import MODEL_FILE, resolve_run, runs_with_model
from lstm_core.store.snapshots import list_snapshots

EPOCH_PARAM = "epoch"


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


@st.cache_resource(max_entries=32, show_spinner="Loading the epoch's weights...")
def _load_epoch(run_path: str, model_stamp: tuple[int, int], epoch: int):
    """A run with an earlier epoch's weights, shared like the run itself."""
    return _load(run_path, model_stamp).at_epoch(epoch)


def loaded_run(run_dir: Path, epoch: int | None = None):
    """The run's best model, or with ``epoch``'s weights (``Run.at_epoch``)."""
    if epoch is None:
        return _load(str(run_dir), model_version(run_dir))
    return _load_epoch(str(run_dir), model_version(run_dir), epoch)


def pick_epoch(container, run_dir: Path) -> int | None:
    """An epoch slider for a run that kept its weights per epoch; the best epoch is the default.

    Returns None for the best model (model.keras), else the epoch to load with ``loaded_run``.
    The ``epoch`` query parameter holds any other choice, so a link opens the same epoch.
    """
    snapshots = list_snapshots(run_dir)
    wanted = st.query_params.get(EPOCH_PARAM)
    if not snapshots:
        if wanted is not None:
            container.info(f"Run {run_dir.name} kept no weights per epoch; showing its best model.")
            del st.query_params[EPOCH_PARAM]
        return None
    epochs = [s.epoch for s in snapshots]
    best = next((s.epoch for s in snapshots if s.best), None)
    default = best if best is not None else epochs[-1]
    if wanted is not None and (not wanted.isdigit() or int(wanted) not in epochs):
        container.warning(f"Run {run_dir.name} has no snapshot of epoch {wanted}; showing "
                          f"epoch {default}.")
        wanted = None
    chosen = container.select_slider(
        "Epoch", epochs, value=default if wanted is None else int(wanted),
        format_func=lambda epoch: f"{epoch} (best)" if epoch == best else str(epoch),
        help="Look at the model as it was after this epoch. The best one (lowest validation "
             "loss) is the saved model.")
    shown = snapshots[epochs.index(chosen)]
    if shown.val_accuracy is not None and shown.val_loss is not None:
        container.caption(f"After epoch {chosen}: validation accuracy {shown.val_accuracy:.1%}, "
                          f"loss {shown.val_loss:.3f}.")
    if chosen == best:
        st.query_params.pop(EPOCH_PARAM, None)
        return None
    st.query_params[EPOCH_PARAM] = str(chosen)
    return chosen


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
    if chosen != wanted:  # another run: an epoch chosen for the last one means nothing here
        st.query_params.pop(EPOCH_PARAM, None)
    st.query_params["run"] = chosen
    return next(r.path for r in runs if r.run_id == chosen)
