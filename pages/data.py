"""Data: pick or upload a labelled data set, map its columns, check it, set the preprocessing.

The chosen data set is the ``dataset`` query parameter and its settings are saved on disk
(``lstm_core.data.datasets``), so a refresh, a new tab or a shared link shows the same data set.
"""

import streamlit as st

from lstm_core.data.datasets import load_selection
from lstm_core.errors import StudioError
from pages.components.data_view import (
    cached_table,
    data_check,
    map_columns,
    pick_encoding,
    pick_source,
    preprocessing_options,
    show_active,
    show_preview,
    show_token_preview,
)
from pages.components.entry import ensure_app_navigation

ensure_app_navigation()

st.title("Data")
st.markdown(
    "Choose the texts to learn from. The data check shows what the model will really see: how "
    "many rows are kept, how the classes are balanced, how long the texts are in tokens and how "
    "many distinct tokens there are, after the preprocessing you pick."
)

dataset_id = pick_source(st.container(), st.query_params.get("dataset", "demo-en"))
if dataset_id is None:
    st.stop()
try:
    selection = load_selection(dataset_id)
    table = cached_table(dataset_id, selection)
except StudioError as exc:
    st.error(str(exc))
    st.stop()

show_active(st.container(), dataset_id, selection, table)
if selection.file:
    pick_encoding(st.container(), dataset_id, selection, table)
    selection = map_columns(st.container(), dataset_id, selection, table)

# The preprocessing is read (and saved) before the check runs, so the check uses it at once.
check_tab, preview_tab, text_tab = st.tabs(["Data check", "Preview", "Preprocessing"])
selection = preprocessing_options(text_tab, dataset_id, selection)
show_token_preview(text_tab, table, selection)
show_preview(preview_tab, table)
checked = data_check(check_tab, dataset_id, selection)

if st.button("Continue to Train →", type="primary", disabled=not checked,
             help="Train on this data set with settings suggested by its data check."):
    st.switch_page("pages/train.py", query_params={"dataset": dataset_id})
