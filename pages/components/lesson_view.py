"""The "why gates" lesson page's pieces: queue the three runs, follow them, and draw accuracy by
distance and the gradient flow of one sentence once they are trained.

The lesson's runs are found in the run store on every redraw (``jobs.lesson.lesson_runs``); the
page keeps no list of them.
"""

from __future__ import annotations

import streamlit as st

from lstm_core.config import CELL_NAMES
from lstm_core.errors import StudioError
from lstm_core.figures.lesson import distance_figure, flow_figure
from lstm_core.inspect.lesson import accuracy_by_distance
from lstm_core.jobs.lesson import LESSON_CELLS, lesson_runs
from lstm_core.store.runs import ACTIVE_STATES, list_runs
from pages.components.author import NAME_KEY
from pages.components.run_picker import loaded_run, model_version
from pages.components.teacher import session_owner

REFRESH_S = 5.0
EXAMPLE = ("The soup was cold, and then we talked about the weather, and we discussed the "
           "news, and later we chatted about the parking.")


def queue_lesson(container) -> None:
    """One button that queues a SimpleRNN, a GRU and an LSTM on the long-range reviews."""
    busy = any(s.status in ACTIVE_STATES for s in lesson_runs(list_runs()).values())
    if container.button("Queue the lesson: SimpleRNN, GRU and LSTM", type="primary",
                        icon=":material/play_arrow:", disabled=busy,
                        help="Three small models, alike but for the cell, on 1,600 reviews "
                        "whose deciding word stands 0 to 40 tokens from the end. They take "
                        "their turns in the training queue."):
        from lstm_core.jobs.lesson import launch_lesson

        try:
            launch_lesson(author=st.session_state.get(NAME_KEY) or None, owner=session_owner())
        except StudioError as exc:
            container.error(str(exc))
        else:
            st.toast("Queued the lesson's three runs.", icon=":material/school:")
            st.rerun()


@st.cache_data(max_entries=64, show_spinner=False)
def _input_norms(run_path: str, model_stamp: tuple[int, int], sentence: str
                 ) -> tuple[list[str], list[float]]:
    """The tokens and the gradient norm at each token's vector, once per model and sentence."""
    from pathlib import Path

    flow = loaded_run(Path(run_path)).gradient_flow(sentence)
    return flow.tokens, flow.layers[0].norms


@st.fragment(run_every=REFRESH_S)
def show_lesson() -> None:
    """The runs' progress, then the two figures, redrawn as the runs train."""
    found = lesson_runs(list_runs())
    if not found:
        st.info("Queue the lesson to train the three cells; the figures fill in as they finish.")
        return
    columns = st.columns(len(LESSON_CELLS))
    for column, cell in zip(columns, LESSON_CELLS, strict=True):
        summary = found.get(cell)
        column.metric(CELL_NAMES[cell], "-" if summary is None or summary.test_accuracy is None
                      else f"{summary.test_accuracy:.1%}",
                      help="Test accuracy over all distances.")
        if summary is not None:
            column.caption(f"{summary.status}, epoch {summary.epochs_done} - `{summary.run_id}`")
    table = accuracy_by_distance({cell: s.path for cell, s in found.items()
                                  if s.test_accuracy is not None})
    st.plotly_chart(distance_figure(table), key="lesson-distance")
    sentence = st.text_input("A sentence for the gradient flow", EXAMPLE, key="lesson-sentence")
    norms, tokens = {}, []
    for cell, summary in found.items():
        if not summary.has_model:
            continue
        try:
            tokens, norms[cell] = _input_norms(str(summary.path), model_version(summary.path),
                                               sentence)
        except StudioError as exc:
            st.error(str(exc))
            return
    st.plotly_chart(flow_figure(tokens, norms), key="lesson-flow")
