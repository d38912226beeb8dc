"""The run as it learned: a slider through training time (the ``at`` query parameter), the
timelapse of one sentence with Play, and the Train page's live panel "Inside, as it learns".

The training process only writes snapshots; this web process reads each snapshot once, reads
each sentence at it once, and shares both with every session (``st.cache_resource``), so a class
watching one run costs one forward pass per snapshot and sentence.
"""

from pathlib import Path

import pandas as pd
import streamlit as st

from lstm_core.errors import StudioError
from lstm_core.fileio import file_stamp
from lstm_core.inspect.examples import example_sentences
from lstm_core.inspect.gates import TRACE_FIELDS
from lstm_core.store.runs import CONFIG_FILE, SNAPSHOT_DIR
from lstm_core.store.snapshots import Snapshot, format_epoch, list_snapshots, snapshot_at
from pages.components.run_picker import AT_PARAM, loaded_run

PROBE_PARAM = "probe"
PROBE_EXAMPLES = ("negation", "contrast")


@st.cache_data(max_entries=64, show_spinner=False)
def _snapshots(run_path: str, folder_stamp: tuple[int, int]) -> list[Snapshot]:
    return list_snapshots(Path(run_path))


def snapshots(run_dir: Path) -> list[Snapshot]:
    """The run's snapshots, read again only when the folder changed (a snapshot landed)."""
    return _snapshots(str(run_dir), file_stamp(Path(run_dir) / SNAPSHOT_DIR))


@st.cache_resource(max_entries=48, show_spinner="Loading the weights of that moment...")
def _snapshot_run(run_path: str, step: int, epoch: float, stamp: tuple[int, int]):
    from lstm_core.inspect.run import load_snapshot
    from lstm_core.inspect.web_process import prepare_for_models

    prepare_for_models()
    return load_snapshot(run_path, epoch)  # the snapshot of ``step``: the last by its epoch


def snapshot_run(run_dir: Path, snapshot: Snapshot):
    """The run at ``snapshot``, loaded once for all sessions (no saved model needed)."""
    return _snapshot_run(str(run_dir), snapshot.step, snapshot.epoch, file_stamp(snapshot.path))


@st.cache_resource(max_entries=16, show_spinner=False)
def _reader(run_path: str, first_epoch: float, config_stamp: tuple[int, int]):
    """One snapshot reader per run, shared by every session."""
    from lstm_core.inspect.timelapse import SnapshotReader
    from lstm_core.inspect.web_process import prepare_for_models

    prepare_for_models()
    return SnapshotReader(run_path, first_epoch)


@st.cache_resource(max_entries=512, show_spinner=False)
def _frame(run_path: str, step: int, epoch: float, stamp: tuple[int, int], text: str):
    kept = snapshots(Path(run_path))
    snapshot = next(s for s in kept if s.step == step)
    reader = _reader(run_path, kept[0].epoch, file_stamp(Path(run_path) / CONFIG_FILE))
    return reader.read(snapshot, text)


def frames(run_dir: Path, text: str) -> list:
    """``text`` read at every snapshot so far; each reading computed once per server."""
    return [_frame(str(run_dir), s.step, s.epoch, file_stamp(s.path), text)
            for s in snapshots(run_dir)]


@st.cache_resource(max_entries=128, show_spinner=False)
def _figure(key: tuple, _frames: list, layer: str, direction: str, field: str, start: int):
    from lstm_core.figures.timelapse import timelapse_figure

    return timelapse_figure(_frames, layer=layer, direction=direction, field=field, start=start)


def timelapse_chart(container, run_dir: Path, text: str, *, layer: str = "recurrent_1",
                    direction: str = "forward", field: str | None = None,
                    start: Snapshot | None = None, key: str = "timelapse") -> list:
    """The timelapse figure of ``text`` (Play runs it from the first snapshot to the last),
    starting at ``start`` (default: the last); returns the frames drawn."""
    read = frames(run_dir, text)
    if not read:
        return read
    cell = read[0].gates.layer(layer, direction).cell
    fields = TRACE_FIELDS[cell]
    field = field if field in fields else ("forget_gate" if "forget_gate" in fields
                                          else fields[0])
    steps = [frame.snapshot.step for frame in read]
    index = steps.index(start.step) if start is not None and start.step in steps else len(read) - 1
    figure = _figure((str(run_dir), tuple((f.snapshot.step, f.snapshot.best) for f in read),
                      text), read, layer, direction, field, index)
    container.plotly_chart(figure, key=key)
    return read


def at_value(kept: list[Snapshot], snapshot: Snapshot) -> str:
    """The ``at`` parameter of ``snapshot``: its epoch, short, yet read back as this snapshot."""
    short = format_epoch(snapshot.epoch)
    later = [s.epoch for s in kept if s.step > snapshot.step]
    return short if snapshot.epoch <= float(short) < min(later, default=float("inf")) \
        else repr(snapshot.epoch)


def pick_moment(container, run_dir: Path) -> Snapshot | None:
    """A slider through training time, over the snapshots; the best one is the default.

    Returns None for the saved best model, else the snapshot to look at. Any other choice is
    the ``at`` query parameter (an epoch, 0.1 = a tenth of the first), so a link opens the
    same moment; an ``at`` between snapshots opens the last one before it.
    """
    kept = snapshots(run_dir)
    wanted = st.query_params.get(AT_PARAM)
    if not kept:
        if wanted is not None:
            container.info(f"Run {run_dir.name} kept no weights through training; showing its "
                           "best model.")
            del st.query_params[AT_PARAM]
        return None
    best = next((s for s in kept if s.best), None)
    default = best or kept[-1]
    if wanted is not None:
        try:
            default = snapshot_at(run_dir, wanted)
        except StudioError as exc:
            container.warning(f"{exc} Showing epoch {format_epoch(default.epoch)}.")
    labels = {s.step: format_epoch(s.epoch) + (" (best)" if s.best else "") for s in kept}
    step = container.select_slider(
        "Training time (epochs)", [s.step for s in kept], value=default.step,
        format_func=labels.get, key=f"at-{run_dir.name}",
        help="Look at the model as it was at this point of training: 0 is before it learned "
             "anything. The best epoch (lowest validation loss) is the saved model.")
    chosen = next(s for s in kept if s.step == step)
    if chosen.val_accuracy is not None and chosen.val_loss is not None:
        container.caption(f"At epoch {labels[step]}: validation accuracy "
                          f"{chosen.val_accuracy:.1%}, loss {chosen.val_loss:.3f}.")
    if chosen.best:
        st.query_params.pop(AT_PARAM, None)
        return None
    st.query_params[AT_PARAM] = at_value(kept, chosen)
    return chosen


def run_at(run_dir: Path, snapshot: Snapshot | None):
    """The run to show: its saved best model, or the run at ``snapshot``; shared by sessions."""
    return loaded_run(run_dir) if snapshot is None else snapshot_run(run_dir, snapshot)


def _set_probe(text: str) -> None:
    st.session_state["probe"] = text
    st.query_params[PROBE_PARAM] = text


def _language(run_dir: Path, kept: list[Snapshot]) -> str:
    return snapshot_run(run_dir, kept[-1]).language


def probe_input(container, run_dir: Path, kept: list[Snapshot]) -> str:
    """The probe sentence: the data set's negation example unless the URL or the user says
    otherwise; one click puts the negation or contrast example back."""
    examples = example_sentences(_language(run_dir, kept))
    shown = {name: examples[name] for name in PROBE_EXAMPLES if name in examples}
    if "probe" not in st.session_state:
        st.session_state["probe"] = st.query_params.get(PROBE_PARAM, next(iter(shown.values())))
    text = container.text_input("Probe sentence", key="probe")
    columns = container.columns(len(shown))
    for column, (name, sentence) in zip(columns, shown.items(), strict=True):
        column.button(name, help=sentence, on_click=_set_probe, args=(sentence,),
                      key=f"probe-{name}", width="stretch")
    if text:
        st.query_params[PROBE_PARAM] = text
    return text or next(iter(shown.values()))


def _layer_and_field(container, traces: list) -> tuple[str, str, str]:
    """Which layer, direction and gate or state the heatmap shows (forget gate by default)."""
    options = [(t.layer, t.direction) for t in traces]
    if len(options) > 1:
        layer, direction = container.selectbox(
            "Layer", options, format_func=lambda o: f"{o[0]} ({o[1]})", key="inside-layer")
    else:
        layer, direction = options[0]
    fields = list(TRACE_FIELDS[traces[0].cell])
    field = container.selectbox("Heatmap of", fields, key="inside-field",
                                index=fields.index("forget_gate") if "forget_gate" in fields
                                else 0, format_func=lambda f: f.replace("_", " "))
    return layer, direction, field


def inside_as_it_learns(container, run_dir: Path, *, live: bool) -> None:
    """The probe sentence read at every snapshot so far, the latest shown (live: redrawn when
    a snapshot lands), with Play through them."""
    container.markdown("**Inside, as it learns**")
    kept = snapshots(run_dir)
    if not kept:
        container.caption("The first snapshot of the weights comes as training starts.")
        return
    start = None
    if not live:  # afterwards: a moment to start from, kept in the URL as on Predict and Gates
        start = pick_moment(container, run_dir) or next((s for s in kept if s.best), None)
    text = probe_input(container, run_dir, kept)
    layer, direction, field = _layer_and_field(container, frames(run_dir, text)[0].gates.layers)
    read = timelapse_chart(container, run_dir, text, layer=layer, direction=direction,
                           field=field, start=start, key=f"inside-{run_dir.name}")
    last = read[-1]
    container.caption(f"{len(read)} snapshots so far, the latest at epoch "
                      f"{format_epoch(last.snapshot.epoch)}: {last.verdict or 'no tokens'}."
                      if live else f"{len(read)} snapshots, from the initial weights to the end.")


def show_when_learned(container, run_dir: Path) -> None:
    """"When did it learn this": the first snapshot at which each example sentence was right."""
    kept = snapshots(run_dir)
    if not kept:
        return
    rows = _when_learned(str(run_dir), tuple((s.step, s.epoch, file_stamp(s.path)) for s in kept))
    if not rows:
        return
    container.markdown("**When did it learn this?** The first point of training at which each "
                       "example got its verdict right.")
    container.dataframe(pd.DataFrame([{
        "example": row.name, "sentence": row.text, "right answer": row.expected,
        "first right at epoch": "never" if row.first_epoch is None
        else format_epoch(row.first_epoch),
        "still right at the end": "yes" if row.right_at_the_end else "no",
    } for row in rows]), hide_index=True, width="stretch")


@st.cache_resource(max_entries=32, show_spinner="Reading the examples at every snapshot...")
def _when_learned(run_path: str, kept: tuple):
    from lstm_core.inspect.timelapse import when_learned

    step, epoch, stamp = kept[-1]
    return when_learned(_snapshot_run(run_path, step, epoch, stamp))
