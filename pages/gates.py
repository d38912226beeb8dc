"""Gates: inside the LSTM, token by token, for any run and any sentence.

Run, training time (``at``), sentence, layer and direction are query parameters: a link opens
the same view.
"""

import streamlit as st

from pages.components.entry import ensure_app_navigation
from pages.components.gates_view import (
    choose_layer,
    choose_sentence,
    choose_units,
    show_comparison,
    show_heatmaps,
    show_sample_statistics,
    show_timelapse,
    show_unit_lines,
)
from pages.components.run_picker import pick_run
from pages.components.timelapse_view import pick_moment, run_at

ensure_app_navigation()

st.title("Gates")
run_dir = pick_run(st.container())
if run_dir is None:
    st.stop()
run = run_at(run_dir, pick_moment(st.container(), run_dir))

sentence = choose_sentence(st.container(), run)
trace = run.gates(sentence)
if not trace.tokens:
    st.info("This sentence has no tokens left after preprocessing; try another one.")
    st.stop()
layer = choose_layer(st.container(), trace)
units = choose_units(st.container(), run, layer)

show_heatmaps(st.container(), run, sentence, layer, trace.tokens, units)
show_unit_lines(st.container(), run, sentence, layer, trace.tokens, units)
show_timelapse(st.container(), run_dir, run, sentence, layer)

st.header("Over many texts")
show_sample_statistics(st.container(), run, layer)

st.header("Compare two sentences")
show_comparison(st.container(), run, layer)
