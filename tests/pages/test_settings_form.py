"""The Train form, drawn from the config declarations: labels, keys, ranges, and the config back."""

import pytest
from streamlit.testing.v1 import AppTest

from lstm_core.config import ModelConfig, RunConfig, settings_of
from pages.components.settings_form import form_layout
from tests.test_config import Throwaway

# The labels people (and the browser tests) find the settings by, by column.
LABELS = {
    "model": ["Cell", "Embedding size", "Word dropout", "Embedding dropout", "Units", "Layers",
              "Bidirectional", "Pooling", "Dropout", "Recurrent dropout"],
    "training": ["Epochs", "Batch size", "Learning rate", "Learning-rate schedule", "Optimizer",
                 "Early stopping patience", "Class weights", "Seed"],
    "text": ["Vocabulary size", "Max length (tokens)", "Validation share", "Test share",
             "Device", "Mixed precision", "Group batches by length"],
}
ELEMENTS = {"select": "selectbox", "toggle": "toggle", "steps": "select_slider",
            "slider": "slider", "number": "number_input"}


def _form(suggested):  # runs as a script: no names from this module
    import streamlit as st

    from pages.components.settings_form import settings_form

    report = {"vocab_size": 500, "class_counts": {"negative": 10, "positive": 10}}
    st.session_state["config"] = settings_form(st.container(), suggested, report, key="t")


def _drawn(suggested: RunConfig) -> AppTest:
    at = AppTest.from_function(_form, args=(suggested,), default_timeout=30).run()
    assert not at.exception
    return at


def test_every_form_setting_is_drawn_with_its_label_key_help_and_range():
    at = _drawn(RunConfig())
    layout = form_layout()
    assert {column: [item.spec.label for _, item in items]
            for column, items in layout.items()} == LABELS
    assert [h.value for h in at.subheader] == ["Model", "Training", "Text and data"]
    for items in layout.values():
        for _, item in items:
            widget = getattr(at, ELEMENTS[item.spec.widget])(key=f"t-{item.name}")
            assert (widget.label, widget.help) == (item.spec.label, item.spec.help)
            if item.spec.widget in ("slider", "number"):
                assert (widget.min, widget.max) == pytest.approx(item.form_range())
            if item.spec.widget == "steps":
                assert [float(o) for o in widget.options] == list(item.spec.steps)


def test_an_untouched_form_gives_back_the_suggested_config():
    suggested = RunConfig.from_dict({"model": {"units": 16, "dropout": 0.5},
                                     "train": {"seed": 3, "batch_size": 64},
                                     "data": {"seed": 3}})
    assert _drawn(suggested).session_state["config"] == suggested


def test_the_ends_of_every_slider_give_a_valid_config():
    at = _drawn(RunConfig())
    at.slider(key="t-dropout").set_value(0.9)
    at.slider(key="t-recurrent_dropout").set_value(0.5)
    at.slider(key="t-val_split").set_value(0.05)
    at.number_input(key="t-epochs").set_value(1000)
    at.number_input(key="t-seed").set_value(11)
    at.run()
    assert not at.error
    config = at.session_state["config"]
    assert (config.model.dropout, config.model.recurrent_dropout) == (0.9, 0.5)
    assert (config.data.val_split, config.train.epochs) == (0.05, 1000)
    assert config.train.seed == config.data.seed == 11


def test_a_value_beyond_the_slider_is_kept_not_clamped():
    suggested = RunConfig(model=ModelConfig(recurrent_dropout=0.8, units=48))
    at = _drawn(suggested)
    assert at.slider(key="t-recurrent_dropout").max == pytest.approx(0.8)
    assert "48" in at.select_slider(key="t-units").options  # AppTest shows options as text
    assert at.session_state["config"] == suggested


def test_a_refused_combination_is_an_error_not_a_traceback():
    at = _drawn(RunConfig())
    at.slider(key="t-val_split").set_value(0.5).run()
    at.slider(key="t-test_split").set_value(0.5).run()
    assert not at.exception
    assert "at least 40% for training" in at.error[0].value
    assert at.session_state["config"] is None


def _throwaway_widgets(items):
    import streamlit as st

    from pages.components.settings_form import setting_widget

    st.session_state["values"] = {item.name: setting_widget(st, item, item.default, "x")
                                  for item in items if item.spec.widget}


def test_a_new_declared_field_gets_a_widget():
    items = settings_of(Throwaway)
    at = AppTest.from_function(_throwaway_widgets, args=(items,)).run()
    assert not at.exception
    momentum = at.slider(key="x-momentum")
    assert (momentum.label, momentum.min, momentum.max) == ("Momentum", 0.1, 1.0)
    assert at.toggle(key="x-nesterov").label == "Nesterov"
    momentum.set_value(0.5).run()
    assert at.session_state["values"] == {"momentum": 0.5, "nesterov": False}
