"""Who is training: a name kept for the browser session and recorded in each run it starts.

The name is who the person at this browser is, not run data: each run keeps its own author in
its status.json, and the Runs and Class pages read it from there.
"""

import streamlit as st

from lstm_core.store.runs import AUTHOR_MAX_CHARS

NAME_KEY = "author_name"  # session state that outlives the widget when another page is shown


def author_field(container) -> str:
    """A text box for the person's name, filled in again on every page of the session."""
    st.session_state.setdefault(NAME_KEY, "")
    name = container.text_input(
        "Your name", st.session_state[NAME_KEY], max_chars=AUTHOR_MAX_CHARS, key="author-field",
        placeholder="so the class can tell your runs apart",
        help="Recorded with every run you start in this browser; the Runs and Class pages show "
        "it. Kept until the browser tab is closed.")
    st.session_state[NAME_KEY] = name
    return name
