"""Every hyperparameter as a widget with a help text, defaults from the data check."""

from dataclasses import replace

import pandas as pd
import streamlit as st

from lstm_core.config import SECTIONS, RunConfig, Setting, form_settings
from lstm_core.data.datasets import SELECTION_FILE, dataset_dir
from lstm_core.errors import StudioError
from lstm_core.fileio import file_stamp
from lstm_core.model.plan import model_plan

COLUMN_TITLES = {"model": "Model", "training": "Training", "text": "Text and data"}
# Within a column, widgets follow this section order, then the fields' declaration order.
FORM_ORDER = ("model", "text", "data", "train")


@st.cache_data(show_spinner="Checking the data...", max_entries=32)
def _suggestions(dataset_id: str, selection_stamp: tuple[int, int]) -> tuple[dict, dict]:
    from lstm_core.jobs.launch import suggested_config

    config, report = suggested_config(dataset_id)
    return config.to_dict(), report.to_dict()


def cached_suggestions(dataset_id: str) -> tuple[RunConfig, dict]:
    """Suggested settings and the data check, recomputed when the data set's selection changes."""
    stamp = file_stamp(dataset_dir(dataset_id) / SELECTION_FILE)
    config, report = _suggestions(dataset_id, stamp)
    return RunConfig.from_dict(config), report


def form_layout() -> dict[str, list[tuple[str, Setting]]]:
    """(section, setting) pairs by form column, in the order they are drawn."""
    return form_settings({name: SECTIONS[name] for name in FORM_ORDER})


def setting_widget(container, item: Setting, value, key: str, disabled: bool = False):
    """Draw one declared setting as its widget (keyed ``{key}-{name}``) and return its value.

    A value outside the widget's range or steps (one typed into config.json) is added to them,
    so the form never changes a setting the user did not touch.
    """
    spec = item.spec
    common = {"help": spec.help, "key": f"{key}-{item.name}", "disabled": disabled}
    if spec.widget == "select":
        return container.selectbox(spec.label, spec.choices, index=spec.choices.index(value),
                                   **common)
    if spec.widget == "toggle":
        return container.toggle(spec.label, value, **common)
    if spec.widget == "steps":
        options = sorted({*spec.steps, value})
        return container.select_slider(spec.label, options=options, value=value, **common)
    low, high = item.form_range()
    low, high, value = item.kind(min(low, value)), item.kind(max(high, value)), item.kind(value)
    if spec.widget == "slider":
        step = item.kind(spec.step) if spec.step is not None else None
        return item.kind(container.slider(spec.label, low, high, value, step, **common))
    return item.kind(container.number_input(spec.label, low, high, value, **common))


def settings_form(container, suggested: RunConfig, report: dict, key: str) -> RunConfig | None:
    """Draw the settings and return the chosen config (None when a value is invalid)."""
    layout = form_layout()
    data = suggested.data
    fixed = {"test_split"} if data.test_split == 0.0 and data.source == "keras-imdb" else set()
    chosen: dict[str, dict] = {section: {} for section in FORM_ORDER}
    for column, (name, settings) in zip(container.columns(len(layout)), layout.items(),
                                        strict=True):
        column.subheader(COLUMN_TITLES[name])
        for section, item in settings:
            value = getattr(getattr(suggested, section), item.name)
            chosen[section][item.name] = setting_widget(column, item, value, key,
                                                        disabled=item.name in fixed)
    try:
        config = RunConfig(**{section: replace(getattr(suggested, section), **values)
                              for section, values in chosen.items()})
    except StudioError as exc:
        container.error(str(exc))
        return None
    _show_plan(container, config, report)
    return config


def _show_plan(container, config: RunConfig, report: dict) -> None:
    """The model's layers and parameter count, and what a setting gives up on a GPU."""
    vocab = min(config.text.vocab_size, report["vocab_size"] + 2)
    plan = pd.DataFrame(model_plan(config.model, vocab, len(report["class_counts"])))
    with container.expander(f"Model summary: {plan['parameters'].sum():,} parameters",
                            expanded=False):
        st.dataframe(plan, hide_index=True, width="stretch")
    for reason in config.model.cudnn_blockers():
        container.warning(f"On a GPU: {reason}.", icon="🐢")
