"""Home: what the studio does, one click to a trained demo model, and the runs so far."""

import contextlib

import streamlit as st

from lstm_core.errors import StudioError
from lstm_core.jobs.launch import launch_demo, prepare_demo
from lstm_core.model.device import describe_default_device
from lstm_core.store.runs import list_runs
from pages.components.entry import ensure_app_navigation
from pages.components.run_table import show_run_table

ensure_app_navigation()

st.title("🧠 LSTM Sentiment Studio")
st.markdown(
    "Train a recurrent neural network to tell positive from negative text, watch it learn, then "
    "look inside it: the input, forget and output gates, the cell and hidden state, token by "
    "token."
)
st.markdown(
    "1. **Data** - use the built-in demo reviews (English or Chinese) or upload your own "
    "labelled file; the data check shows what the model will see.\n"
    "2. **Train** - choose the hyperparameters and watch loss and accuracy live.\n"
    "3. **Inspect** - predict sentences and see how each token moves the gates and the verdict."
)

left, right = st.columns([2, 1])
with contextlib.suppress(StudioError):  # the click says what is wrong, if anything is
    prepare_demo()  # the demo's data check, once per server: a click then only starts the job
if left.button("▶ Train the demo model", type="primary",
               help="English demo reviews with negation and contrast, default settings."):
    try:
        run_dir = launch_demo()
    except StudioError as exc:
        st.error(str(exc))
    else:
        st.switch_page("pages/train.py", query_params={"run": run_dir.name})
right.metric("Training device", describe_default_device())

st.subheader("Runs")
show_run_table(st.container(), list_runs())
