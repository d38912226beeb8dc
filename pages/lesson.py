"""Why gates: a built-in lesson. A SimpleRNN, a GRU and an LSTM learn the same long-range
reviews; accuracy by the deciding word's distance from the end and the gradient flow of one
sentence show the vanishing gradient, and what gates do about it."""

import streamlit as st

from pages.components.entry import ensure_app_navigation
from pages.components.lesson_view import queue_lesson, show_lesson

ensure_app_navigation()

st.title("Why gates")
st.markdown(
    "Point at the SimpleRNN's line in the first figure: as the deciding word moves away from the "
    "end, its accuracy falls towards guessing, while the GRU and the LSTM, whose gates can hold "
    "the verdict unchanged, stay high. The second figure shows why: the SimpleRNN's gradient "
    "shrinks step by step towards the start of the sentence (the vanishing gradient), so it "
    "never learns from words far from the end, while the gated cells pass it back almost whole."
)
queue_lesson(st.container())
show_lesson()
