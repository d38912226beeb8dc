"""The teacher's key in the app: unlock once per browser session, and who may change what.

The key comes from ``LSTM_STUDIO_TEACHER_KEY`` or, under the same name, Streamlit's secrets.
It is typed into a password box inside a form that clears itself, so it stays out of the URL,
the session's widget state and every log and run file; only "this session gave the key" is
kept. Each session also holds a random token; runs it starts record a hash of it as their
owner (``lstm_core.store.access``), so its person may stop and delete those runs without the key.
"""

from __future__ import annotations

import secrets
import time

import streamlit as st

from lstm_core import settings
from lstm_core.store.access import (
    WRONG_KEY_DELAY_S,
    key_matches,
    may_manage_run,
    may_teach,
    owner_tag,
)

UNLOCKED = "teacher_unlocked"
TOKEN = "session_owner_token"


def teacher_key() -> str | None:
    """The configured key: the environment variable first, then Streamlit's secrets."""
    key = settings.teacher_key()
    if key is None and st.secrets.load_if_toml_exists():  # False: no (readable) secrets file
        key = st.secrets.get(settings.TEACHER_KEY.name)
    return str(key) if key and str(key).strip() else None


def is_teacher() -> bool:
    """Teacher's actions are allowed in this session (always, when no key is set)."""
    return may_teach(teacher_key(), bool(st.session_state.get(UNLOCKED)))


def session_owner() -> str:
    """This browser session's owner tag, as the runs it starts record it."""
    if TOKEN not in st.session_state:
        st.session_state[TOKEN] = secrets.token_hex(16)
    return owner_tag(st.session_state[TOKEN])


def may_manage(run_owner: str | None) -> bool:
    """Whether this session may stop or delete a run that ``run_owner`` started."""
    return may_manage_run(teacher_key(), bool(st.session_state.get(UNLOCKED)), run_owner,
                          session_owner())


NOT_YOURS = ("Only the person who started this run (in their own browser session) or the "
             "teacher can do that; the teacher unlocks it with the key in the sidebar.")


def teacher_unlock(container) -> None:
    """The key box (the pages with guarded actions draw it in the sidebar); nothing at all when
    no key is configured."""
    key = teacher_key()
    if key is None:
        return
    if st.session_state.get(UNLOCKED):
        container.caption("Teacher mode: you may manage every run, presets and the queue.")
        if container.button("Lock", icon=":material/lock:", key="teacher-lock"):
            st.session_state[UNLOCKED] = False
            st.rerun()
        return
    with container.form("teacher-key", clear_on_submit=True, border=False):
        given = st.text_input("Teacher's key", type="password", key="teacher-key-input",
                              help="Lets you stop or delete anyone's run, edit presets, hide "
                              "runs from the Class page and clear the queue in this browser "
                              "session.")
        if not st.form_submit_button("Unlock", icon=":material/key:"):
            return
    if key_matches(given, key):
        st.session_state[UNLOCKED] = True
        st.rerun()
    time.sleep(WRONG_KEY_DELAY_S)
    container.error("That is not the teacher's key.")
