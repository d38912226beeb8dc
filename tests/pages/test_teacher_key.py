"""The teacher's key in AppTest: a student manages only their own runs, the teacher any run."""

import shutil
import time
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from lstm_core.settings import TEACHER_KEY
from lstm_core.store import runs
from lstm_core.store.access import WRONG_KEY_DELAY_S, owner_tag
from pages.components.teacher import TOKEN

ROOT = Path(__file__).resolve().parents[2]
KEY = "correct horse battery staple"
MINE, THEIRS, WAITING = "20260101-000000-mine", "20260102-000000-theirs", "20260103-000000-waits"


@pytest.fixture(autouse=True)
def store(trained, tmp_path, monkeypatch) -> Path:
    root = tmp_path / "store"
    for run_id, token in ((MINE, "student"), (THEIRS, "someone else")):
        runs.write_status(shutil.copytree(trained, root / run_id), owner=owner_tag(token))
    waiting = shutil.copytree(trained, root / WAITING)
    runs.write_status(waiting, status="queued", owner=owner_tag("someone else"))
    monkeypatch.setenv("LSTM_STUDIO_RUNS", str(root))
    st.cache_data.clear()
    return root


def student_page(page: str, secrets: dict | None = None, **query) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.secrets.update(secrets or {})
    at.session_state[TOKEN] = "student"  # the session that started MINE
    at.query_params.update(query)
    at.switch_page(page)
    return at.run()


def delete_allowed(at: AppTest) -> dict[str, bool]:
    return {key: not p.proto.popover.disabled
            for key, p in zip((MINE, THEIRS), at.get("popover"), strict=True)}


def unlock(at: AppTest, key: str) -> AppTest:
    at.sidebar.text_input(key="teacher-key-input").input(key)
    return at.sidebar.button[0].click().run()


def test_with_no_key_everyone_may_do_everything(store, monkeypatch):
    monkeypatch.delenv(TEACHER_KEY.name, raising=False)
    at = student_page("pages/runs.py", runs=f"{MINE},{THEIRS}")
    assert not at.exception and not at.sidebar.text_input
    assert delete_allowed(at) == {MINE: True, THEIRS: True}
    assert not at.button(key="clear-queue").disabled
    at.button(key=f"confirm-{THEIRS}").click().run()
    assert not (store / THEIRS).exists()


@pytest.mark.parametrize("where", ["environment", "secrets"])
def test_a_student_deletes_only_their_own_run_and_cannot_clear_the_queue(store, monkeypatch,
                                                                       where):
    secrets = {}
    if where == "environment":
        monkeypatch.setenv(TEACHER_KEY.name, KEY)
    else:
        monkeypatch.delenv(TEACHER_KEY.name, raising=False)
        secrets[TEACHER_KEY.name] = KEY
    at = student_page("pages/runs.py", secrets=secrets, runs=f"{MINE},{THEIRS}")
    assert not at.exception
    assert delete_allowed(at) == {MINE: True, THEIRS: False}
    assert at.button(key="clear-queue").disabled
    at.button(key=f"confirm-{THEIRS}").click().run()  # a click that reaches the server anyway
    assert (store / THEIRS).is_dir() and "Only the person who started" in at.error[0].value
    at.button(key=f"confirm-{MINE}").click().run()
    assert not (store / MINE).exists()


def test_a_wrong_key_is_refused_after_a_delay_and_the_right_one_unlocks(store, monkeypatch):
    monkeypatch.setenv(TEACHER_KEY.name, KEY)
    at = student_page("pages/runs.py", runs=f"{MINE},{THEIRS}")
    started = time.monotonic()
    unlock(at, "guess")
    assert time.monotonic() - started >= WRONG_KEY_DELAY_S
    assert "not the teacher's key" in at.sidebar.error[0].value
    assert delete_allowed(at)[THEIRS] is False
    unlock(at, KEY)
    assert not at.exception and delete_allowed(at) == {MINE: True, THEIRS: True}
    assert KEY not in str(dict(at.query_params)) and KEY not in repr(at.session_state)
    at.button(key="clear-queue").click().run()
    assert (store / WAITING / runs.STOP_FILE).exists()
    at.button(key=f"confirm-{THEIRS}").click().run()
    assert not (store / THEIRS).exists()
    assert not any(KEY in path.read_text(errors="ignore") for path in store.rglob("*.json"))


def test_presets_and_hiding_need_the_key(monkeypatch):
    monkeypatch.setenv(TEACHER_KEY.name, KEY)
    at = student_page("pages/train.py")
    assert not any(e.label.startswith("Teacher: keep") for e in at.expander)
    board = student_page("pages/class.py")
    assert not board.exception and not any(s.key == "class-hide" for s in board.selectbox)
    unlock(at, KEY)
    assert any(e.label.startswith("Teacher: keep") for e in at.expander)


def test_a_student_resumes_only_their_own_search_the_teacher_any(monkeypatch):
    from lstm_core.config import RunConfig
    from lstm_core.search.directory import SearchSettings, create_search
    from lstm_core.search.space import SearchSpace
    from tests.helpers import demo_examples

    monkeypatch.setenv(TEACHER_KEY.name, KEY)
    base = RunConfig()
    searches = {}
    for token in ("student", "someone else"):
        search_dir = create_search(SearchSettings(base=base, space=SearchSpace.around(base),
                                                  budget_s=60), demo_examples(200))
        runs.write_status(search_dir, status="stopped", owner=owner_tag(token))
        searches[token] = search_dir.name

    def resume_button(at: AppTest):
        return next(b for b in at.button if b.label == "Resume search")

    assert not resume_button(student_page("pages/train.py", search=searches["student"])).disabled
    at = student_page("pages/train.py", search=searches["someone else"])
    assert resume_button(at).disabled and "Only the person who started" in resume_button(at).help
    at = unlock(at, KEY)
    assert not resume_button(at).disabled
