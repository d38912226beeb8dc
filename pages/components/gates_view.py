"""The Gates page's pieces: choosers kept in the URL, heatmaps, unit lines, statistics, compare."""

from pathlib import Path

import pandas as pd
import streamlit as st

from lstm_core.figures.gates import comparison_figure, gate_heatmaps, saturation_figure, unit_lines
from lstm_core.inspect.examples import example_sentences, negation_pair
from lstm_core.inspect.gates import (
    EXPLANATIONS,
    TRACE_FIELDS,
    most_active_units,
    most_correlated_units,
)
from pages.components.run_picker import model_version
from pages.components.shared_figures import shared_figure
from pages.components.timelapse_view import run_at, snapshots, timelapse_chart

SAMPLE_TEXTS = 200
UNIT_CHOICES = ("most active in this sentence", "most correlated with the label", "hand-picked")


def _query_choice(name: str, options: list[str], default: str) -> str:
    value = st.query_params.get(name, default)
    return value if value in options else default


def choose_sentence(container, run) -> str:
    examples = example_sentences(run.language)
    if "gate-sentence" not in st.session_state:
        st.session_state["gate-sentence"] = st.query_params.get("sentence",
                                                                 examples["contrast"])
    container.caption("Examples: " + " · ".join(examples.values()))
    sentence = container.text_input("Sentence", key="gate-sentence")
    st.query_params["sentence"] = sentence
    return sentence


def choose_layer(container, trace):
    """Layer and direction selectors (query params ``layer``, ``direction``)."""
    layers = sorted({t.layer for t in trace.layers})
    left, right = container.columns(2)
    layer = left.selectbox("Layer", layers,
                           index=layers.index(_query_choice("layer", layers, layers[0])))
    directions = [t.direction for t in trace.layers if t.layer == layer]
    direction = right.selectbox(
        "Direction", directions,
        index=directions.index(_query_choice("direction", directions, directions[0])),
        help="A bidirectional layer also reads the sentence right to left; its values are "
        "shown under the token they were computed at.")
    st.query_params["layer"], st.query_params["direction"] = layer, direction
    return trace.layer(layer, direction)


@st.cache_data(max_entries=32, show_spinner="Reading many texts through the network...")
def _sample_statistics(run_path: str, model_stamp: tuple[int, int], step: int | None,
                       layer: str, direction: str) -> tuple:
    snapshot = None if step is None else next(s for s in snapshots(Path(run_path))
                                              if s.step == step)
    run = run_at(Path(run_path), snapshot)
    texts, labels = run.sample_texts(SAMPLE_TEXTS)
    stats = run.gate_stats(texts)
    units = run.unit_dictionary(texts, labels, layer=layer, direction=direction)
    return stats, units


def _statistics(run, layer) -> tuple:
    step = None if run.snapshot is None else run.snapshot.step
    return _sample_statistics(str(run.path), model_version(run.path), step, layer.layer,
                              layer.direction)


def choose_units(container, run, layer) -> list[int]:
    total = layer.values["hidden"].shape[1]
    left, middle = container.columns([2, 1])
    how = left.radio("Units to show", UNIT_CHOICES, horizontal=True)
    count = middle.slider("How many", 1, total, min(total, 16))
    if how == UNIT_CHOICES[0]:
        return most_active_units(layer, count)
    if how == UNIT_CHOICES[1]:
        _, units = _statistics(run, layer)
        return most_correlated_units(units, run.labels[-1], count)
    return container.multiselect("Units", list(range(total)), default=list(range(min(4, total))))


def show_heatmaps(container, run, sentence: str, layer, tokens: list[str],
                  units: list[int]) -> None:
    figure = shared_figure(run, ("heatmaps", sentence, layer.layer, layer.direction, *units),
                           lambda: gate_heatmaps(layer, tokens, units=units))
    container.plotly_chart(figure, key="heatmaps")
    with container.expander("What each gate does"):
        for field in TRACE_FIELDS[layer.cell]:
            st.markdown(f"**{field.replace('_', ' ')}**: {EXPLANATIONS[field]}")


def show_unit_lines(container, run, sentence: str, layer, tokens, units: list[int]) -> None:
    fields = list(TRACE_FIELDS[layer.cell])
    field = container.selectbox("Follow the units' value of", fields,
                                index=fields.index("hidden"))
    figure = shared_figure(
        run, ("unit-lines", sentence, layer.layer, layer.direction, field, *units[:8]),
        lambda: unit_lines(layer, tokens, units[:8], field=field,
                           trajectory=run.trajectory(sentence)))
    container.plotly_chart(figure, key="unit-lines")


def show_sample_statistics(container, run, layer) -> None:
    stats, units = _statistics(run, layer)
    container.caption(f"{SAMPLE_TEXTS} held-out texts of this run. Left: how often each unit's "
                      "gates are nearly shut or wide open (Karpathy, Johnson & Fei-Fei 2015). "
                      "Right: the tokens that drive each unit highest.")
    left, right = container.columns(2)
    figure = shared_figure(
        run, ("saturation", layer.layer, layer.direction),
        lambda: saturation_figure(stats, layer=layer.layer, direction=layer.direction))
    left.plotly_chart(figure, key="saturation")
    right.dataframe(pd.DataFrame([{
        "unit": u["unit"],
        "top tokens": " · ".join(token for token, _ in u["top_tokens"]),
        "lowest tokens": " · ".join(token for token, _ in u["bottom_tokens"]),
        f"r with {run.labels[-1]}": u["correlation"][run.labels[-1]],
    } for u in units]), hide_index=True, width="stretch")


def show_comparison(container, run, layer) -> None:
    pair = negation_pair(run.language)
    left, right = container.columns(2)
    text_a = left.text_input("Sentence A", pair.plain, key="compare-a")
    text_b = right.text_input("Sentence B", pair.negated, key="compare-b")
    fields = list(TRACE_FIELDS[layer.cell])
    field = container.selectbox("Difference in", fields, index=fields.index("hidden"),
                                key="compare-field")
    figure = shared_figure(
        run, ("comparison", text_a, text_b, field, layer.layer, layer.direction),
        lambda: comparison_figure(run.compare(text_a, text_b), run.labels, field=field,
                                  layer=layer.layer, direction=layer.direction))
    container.plotly_chart(figure, key="comparison")


def show_timelapse(container, run_dir: Path, run, sentence: str, layer) -> None:
    """The sentence through training, one gate or state of the chosen layer: Play runs it from
    the first snapshot to the last."""
    if len(snapshots(run_dir)) < 2:
        return
    fields = list(TRACE_FIELDS[layer.cell])
    field = container.selectbox("Play through training, showing", fields, key="timelapse-field",
                                index=fields.index("forget_gate") if "forget_gate" in fields
                                else 0, format_func=lambda f: f.replace("_", " "))
    timelapse_chart(container, run_dir, sentence, layer=layer.layer, direction=layer.direction,
                    field=field, start=run.snapshot)
