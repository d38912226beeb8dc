"""Predict: sentences in, sentiment out, and how the verdict builds up token by token.

The run, the training time (``at``) and the sentences are query parameters, so a teacher can
send a link to this view.
"""

import streamlit as st

from pages.components.entry import ensure_app_navigation
from pages.components.predict_view import (
    example_buttons,
    score_file,
    sentence_input,
    show_predictions,
    show_sentence,
)
from pages.components.run_picker import pick_run
from pages.components.timelapse_view import pick_moment, run_at

ensure_app_navigation()

st.title("Predict")
run_dir = pick_run(st.container())
if run_dir is None:
    st.stop()
run = run_at(run_dir, pick_moment(st.container(), run_dir))

example_buttons(st.container(), run)
sentences = sentence_input(st.container())
if sentences:
    chosen = show_predictions(st.container(), run, sentences)
    show_sentence(st.container(), run, chosen)

with st.expander("Score a whole file"):
    score_file(st.container(), run)
