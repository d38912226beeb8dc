"""Class: the runs of one data set ranked by test accuracy, against the bag-of-words line.

Only runs tested on the same texts are ranked together. The ranking redraws itself as runs
finish; the teacher can hide a run from it. The data set is the ``data`` query parameter.
"""

import streamlit as st

from pages.components.class_view import choose_dataset, show_board, tested_datasets
from pages.components.entry import ensure_app_navigation
from pages.components.teacher import is_teacher, teacher_unlock

ensure_app_navigation()
teacher_unlock(st.sidebar)  # nothing unless a teacher's key is set

st.title("Class")
names = tested_datasets()
if not names:
    st.info("No tested runs yet: the ranking fills in as runs finish.")
    st.page_link("pages/train.py", label="Go to Train", icon=":material/model_training:")
    st.stop()
dataset = choose_dataset(st.container(), names)
show_board(dataset, may_hide=is_teacher())
