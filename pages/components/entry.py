"""Make every page run under app.py's navigation, even when a link opens it first.

Streamlit treats a folder named ``pages/`` next to the entry point as an old-style page folder
until some session has run ``app.py`` (and its ``st.navigation``). So the first visitor after a
server start who opens a shared link such as ``/train?run=...`` would get the page script alone:
no page config, a sidebar listing the raw file names. Each page calls ``ensure_app_navigation``
first; in that case it switches the server to ``st.navigation`` mode and reruns, which runs
``app.py`` for the same URL. Only a session's first run does this: a rerun drops the widget
event that caused a run, and AppTest puts the old mode back before each of its runs.
"""

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

_CHECKED = "_app_navigation_checked"


def ensure_app_navigation() -> None:
    if PagesManager.uses_pages_directory and not st.session_state.get(_CHECKED):
        st.session_state[_CHECKED] = True
        PagesManager.uses_pages_directory = False
        st.rerun()
