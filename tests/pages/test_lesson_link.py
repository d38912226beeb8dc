"""Lessons by link: every Train setting from the URL, a link to the chosen settings, presets."""

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from lstm_core.config import form_fields
from lstm_core.store.presets import list_presets
from tests.pages.test_settings_form import ELEMENTS

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _fresh_caches():
    st.cache_data.clear()
    st.cache_resource.clear()


def train_page(**query) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params.update(query)
    at.switch_page("pages/train.py")
    return at.run()


def widget(at: AppTest, label: str, kind: str):
    return next(w for w in getattr(at, ELEMENTS[kind]) if w.label == label)


def another_value(item) -> str:
    """A valid value other than the default, as a link writes it."""
    if item.kind is bool:
        return str(not item.default).lower()
    if item.spec.choices is not None:
        return next(choice for choice in item.spec.choices if choice != item.default)
    if item.spec.steps:
        return str(next(step for step in item.spec.steps if step != item.default))
    low, high = item.form_range()
    value = item.kind(low + (high - low) / 4) if item.kind is float else item.default + 1
    return str(round(value, 2) if item.kind is float else value)


def test_every_train_setting_opens_filled_in_from_the_link():
    query = {name: another_value(item) for name, (_, item) in form_fields().items()}
    query["device"] = "cpu"  # "gpu" is valid but would warn that no GPU is seen
    at = train_page(dataset="demo-en", **query)
    assert not at.exception and not [w for w in at.warning if "left out" in w.value]
    for name, (_, item) in form_fields().items():
        shown = widget(at, item.spec.label, item.spec.widget).value
        if item.kind is float:
            assert float(shown) == pytest.approx(float(query[name])), name
        else:
            assert str(shown).lower() == query[name], name
    assert f"{len(query)} setting(s) from the link" in at.caption[1].value


def test_bad_values_in_the_link_are_left_out_with_a_note_never_an_exception():
    at = train_page(dataset="demo-en", units="many", cell="transformer", dropout="2",
                    bidirectional="maybe", learning_rate="nan", colour="red", layers="2")
    assert not at.exception
    [note] = at.warning
    for words in ("units must be a whole number", "cell must be one of", "dropout must be a",
                  "bidirectional must be true or false", "learning_rate must be a finite",
                  "'colour' is not a Train setting"):
        assert words in note.value
    assert widget(at, "Layers", "slider").value == 2  # the good value still counts
    assert widget(at, "Cell", "select").value == "lstm"
    assert widget(at, "Dropout", "slider").value != 2


def test_copy_link_carries_the_changed_settings_and_opens_them_again():
    at = train_page()
    widget(at, "Cell", "select").set_value("gru")
    both_ways = not widget(at, "Bidirectional", "toggle").value
    widget(at, "Bidirectional", "toggle").set_value(both_ways)
    at.run()
    link = urlsplit(next(c.value for c in at.code if "dataset=" in c.value))
    query = {name: values[0] for name, values in parse_qs(link.query).items()}
    assert (query["dataset"], query["cell"]) == ("demo-en", "gru")
    assert query["bidirectional"] == str(both_ways).lower() and "units" not in query
    again = train_page(**query)
    assert not again.warning and widget(again, "Cell", "select").value == "gru"
    assert widget(again, "Bidirectional", "toggle").value is both_ways


def test_a_teacher_saves_a_preset_and_a_student_starts_from_it():
    at = train_page()
    widget(at, "Units", "steps").set_value(16)
    at.run()
    at.text_input(key="preset-name").input("Lesson 1: small GRU")
    widget(at, "Cell", "select").set_value("gru")
    at.run()
    next(b for b in at.button if b.label == "Save preset").click().run()
    assert not at.exception
    [preset] = list_presets()
    assert (preset.name, preset.dataset) == ("Lesson 1: small GRU", "demo-en")
    assert preset.settings["cell"] == "gru" and preset.settings["units"] == "16"

    student = train_page()
    student.selectbox(key="preset-choice").set_value("Lesson 1: small GRU").run()
    assert not student.exception
    assert student.query_params["cell"] == ["gru"] or student.query_params["cell"] == "gru"
    assert widget(student, "Cell", "select").value == "gru"
    assert widget(student, "Units", "steps").value == 16

