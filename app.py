"""LSTM Sentiment Studio: ``streamlit run app.py``.

Builds the navigation and runs the chosen page; every page is a short script in ``pages/`` that
calls into ``lstm_core``. Page config is set once, here.
"""

import streamlit as st

from lstm_core.jobs.scheduler import keep_warm_for_this_server
from lstm_core.tf_startup import silence_tensorflow_startup

silence_tensorflow_startup()  # before any page loads a model: the server's terminal stays clean
st.set_page_config(page_title="LSTM Sentiment Studio", page_icon="🧠", layout="wide")
keep_warm_for_this_server()  # a training process waits ready, so Train starts at once


def navigation() -> st.navigation:
    return st.navigation({
        "Build": [
            st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
            st.Page("pages/data.py", title="Data", icon=":material/table_chart:"),
            st.Page("pages/train.py", title="Train", icon=":material/model_training:"),
        ],
        "Inspect": [
            st.Page("pages/predict.py", title="Predict", icon=":material/chat:"),
            st.Page("pages/gates.py", title="Gates", icon=":material/grid_on:"),
            st.Page("pages/lesson.py", title="Why gates", icon=":material/school:"),
            st.Page("pages/runs.py", title="Runs", icon=":material/history:"),
            st.Page("pages/class.py", title="Class", icon=":material/leaderboard:"),
        ],
    })


navigation().run()
