"""Train: set the hyperparameters, launch a job, watch it learn live, then read the results;
or let a settings search find them within a time budget.

The run being watched is the ``run`` query parameter and a search the ``search`` one, so a
refresh, a shared link or a job started from the command line all show the same live view.
"""

import streamlit as st

from lstm_core.errors import StudioError
from lstm_core.search.directory import resolve_search
from lstm_core.store.runs import resolve_run
from pages.components.author import author_field
from pages.components.entry import ensure_app_navigation
from pages.components.lesson_link import settings_from_link, share_settings
from pages.components.live_run import show_run
from pages.components.search_view import search_launcher, show_search
from pages.components.settings_form import cached_suggestions, settings_form
from pages.components.teacher import is_teacher, session_owner, teacher_unlock

ensure_app_navigation()
teacher_unlock(st.sidebar)  # nothing unless a teacher's key is set

st.title("Train")

search_id = st.query_params.get("search")
if search_id:
    try:
        show_search(st.container(), resolve_search(search_id))
    except StudioError as exc:
        st.error(str(exc))
    st.page_link("pages/train.py", label="Back to the settings", icon=":material/arrow_back:",
                 query_params={"dataset": st.query_params.get("dataset", "demo-en")})
    st.stop()

run_id = st.query_params.get("run")
if run_id:
    try:
        run_dir = resolve_run(run_id)
    except StudioError as exc:
        st.error(str(exc))
        st.stop()
    show_run(st.container(), run_dir)
    if st.button("New training run", icon=":material/add:"):
        st.switch_page("pages/train.py", query_params={"dataset": st.query_params.get(
            "dataset", "demo-en")})
    st.stop()

dataset_id = st.query_params.get("dataset", "demo-en")
try:
    suggested, report = cached_suggestions(dataset_id)
except StudioError as exc:
    st.error(str(exc))
    st.page_link("pages/data.py", label="Choose a data set on the Data page", icon="📄")
    st.stop()

st.caption(f"Data set: **{suggested.data.source}** - {report['rows_kept']} texts, classes "
           f"{', '.join(report['class_counts'])}. Defaults come from its data check.")
start, form_key = settings_from_link(st.container(), suggested, dataset_id)
config = settings_form(st.container(), start, report, key=form_key)
author = author_field(st.container())
if config is not None and st.button("Train", type="primary", icon=":material/play_arrow:"):
    from lstm_core.jobs.launch import launch

    try:
        run_dir = launch(dataset_id, config, author=author, owner=session_owner())
    except StudioError as exc:
        st.error(str(exc))
    else:
        st.switch_page("pages/train.py", query_params={"run": run_dir.name,
                                                       "dataset": dataset_id})
if config is not None:
    share_settings(st.container(), dataset_id, suggested, config, may_edit_presets=is_teacher())
search_launcher(st.container(), dataset_id)
