"""Inside the network: one layer's gates and states, gate saturation, two texts compared.

Heatmaps and unit lines take a ``LayerTrace``; saturation and comparison take the plain data of
``Run.gate_stats`` and ``Run.compare``. Units are rows labelled "unit 12", the first chosen on
top.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from lstm_core.config import CELL_NAMES
from lstm_core.figures.style import (
    BLUE,
    DIVERGING_SCALE,
    GATE_SCALE,
    GREY,
    NO_TOKENS_TEXT,
    PALETTE,
    VERMILLION,
    add_note,
    esc,
    style_figure,
    token_positions,
    token_ticks,
)
from lstm_core.figures.tokens import mark_flips, probability_traces
from lstm_core.inspect.gates import SATURATING, TRACE_FIELDS, LayerTrace

if TYPE_CHECKING:  # only for annotations: figures stay importable without the model code
    from lstm_core.inspect.run import Trajectory


# The plain words for each field of a LayerTrace, for titles, legends and hovers.
FIELD_NAMES = {
    "input_gate": "input gate", "forget_gate": "forget gate", "candidate": "candidate",
    "output_gate": "output gate", "cell": "cell state", "hidden": "hidden state",
    "update_gate": "update gate", "reset_gate": "reset gate",
}


def _field_name(field: str) -> str:
    return FIELD_NAMES.get(field, field.replace("_", " "))


def _unit_name(unit: int) -> str:
    return f"unit {unit}"


def _check_tokens(tokens: Sequence[str], rows: int) -> None:
    if len(tokens) != rows:
        raise ValueError(f"tokens has {len(tokens)} entries but trace has {rows} "
                         f"tokens; pass the tokens the trace was computed on (GateTrace.tokens).")


def _check_units(units: Sequence[int] | None, total: int) -> list[int]:
    """The chosen units as ints in range, all of them when ``units`` is None."""
    if units is None:
        return list(range(total))
    chosen = [int(u) for u in units]
    bad = [u for u in chosen if not 0 <= u < total]
    if bad:
        raise ValueError(f"units must be unit numbers from 0 to {total - 1}, got {bad}.")
    if len(set(chosen)) != len(chosen):
        raise ValueError(f"units must not repeat a unit, got {chosen}.")
    return chosen


def _check_field(trace: LayerTrace, field: str, argument: str = "field") -> None:
    if field not in trace.values:
        raise ValueError(f"{argument} must be one of {list(trace.values)} for this "
                         f"{CELL_NAMES.get(trace.cell, trace.cell)} layer, got {field!r}.")


def _is_gate(cell: str, field: str) -> bool:
    """A sigmoid gate, in [0, 1], rather than a signed state or candidate."""
    return field in SATURATING.get(cell, ())


def gate_heatmaps(trace: LayerTrace, tokens: list[str], units: list[int] | None = None,
                  fields: tuple[str, ...] | None = None) -> go.Figure:
    """Every gate and state of one layer and direction as heatmaps: units (rows) by tokens.

    One panel per field, two panels a row, titled in plain words ("input gate", "cell state").
    Gates share one sequential colour scale fixed at [0, 1]; states and the candidate share
    one diverging scale centred on 0, from -m to m where m is the largest absolute value among
    them (at least 1), because an LSTM's cell state can grow past ±1. The hover gives token,
    position, unit and the exact value.

    Args:
        trace: one layer and direction (``GateTrace.layer(name, direction)``); each field
            has shape (tokens, units).
        tokens: the text's tokens (``GateTrace.tokens``), shown under the columns.
        units: which units to show, in this order from the top; all when None.
        fields: which fields, in this order; all of the cell's (``TRACE_FIELDS``) when None.

    Returns:
        The figure; traces are named by field.

    Raises:
        ValueError: if the tokens, units or fields do not fit the trace.

    Example:
        >>> fig = gate_heatmaps(gate_trace.layer("recurrent_1"), gate_trace.tokens, [0, 3])
    """
    fields = tuple(fields) if fields is not None else tuple(
        f for f in TRACE_FIELDS.get(trace.cell, tuple(trace.values)) if f in trace.values)
    if not fields:
        raise ValueError("fields must name at least one field, got none.")
    for name in fields:
        _check_field(trace, name, "fields")
    total_tokens, total_units = np.asarray(trace.values[fields[0]]).shape
    _check_tokens(tokens, total_tokens)
    chosen = _check_units(units, total_units)
    rows_of = {name: np.asarray(trace.values[name], dtype=float)[:, chosen].T
               for name in fields}  # (units, tokens)
    states = [rows_of[f] for f in fields if not _is_gate(trace.cell, f)]
    bound = max([1.0, *(float(np.abs(z).max()) for z in states if z.size)])

    columns = 1 if len(fields) == 1 else 2
    grid_rows = math.ceil(len(fields) / columns)
    fig = make_subplots(rows=grid_rows, cols=columns, shared_yaxes=True,
                        subplot_titles=[_field_name(f) for f in fields],
                        horizontal_spacing=0.06, vertical_spacing=0.3 / grid_rows)
    names = [_unit_name(u) for u in chosen]
    text = [[esc(token) for token in tokens]] * len(chosen)
    for index, name in enumerate(fields):
        gate = _is_gate(trace.cell, name)
        fig.add_trace(go.Heatmap(
            z=rows_of[name].round(6).tolist(), x=token_positions(len(tokens)), y=names, text=text,
            name=_field_name(name), coloraxis="coloraxis" if gate else "coloraxis2",
            hovertemplate=f"'%{{text}}' (position %{{x}})<br>%{{y}}<br>{_field_name(name)} "
                          "%{z:.4f}<extra></extra>",
            xgap=1, ygap=1,
        ), row=index // columns + 1, col=index % columns + 1)
    panel_height = max(150, 16 * len(chosen) + 70)
    style_figure(fig, f"Inside {esc(trace.layer)} ({esc(trace.direction)}), "
                      f"{CELL_NAMES.get(trace.cell, esc(trace.cell))}: each unit at each token",
                 height=grid_rows * panel_height + 110)
    token_ticks(fig, tokens)
    fig.update_yaxes(type="category", autorange="reversed", showgrid=False)
    has_gates = any(_is_gate(trace.cell, f) for f in fields)
    bar = {"len": 0.45 if has_gates and states else 1.0, "thickness": 14}
    if has_gates:
        fig.update_layout(coloraxis={
            "colorscale": GATE_SCALE, "cmin": 0.0, "cmax": 1.0,
            "colorbar": {**bar, "title": {"text": "gate"}, "y": 1.0, "yanchor": "top"}})
    if states:
        fig.update_layout(coloraxis2={
            "colorscale": DIVERGING_SCALE, "cmin": -bound, "cmax": bound, "cmid": 0.0,
            "colorbar": {**bar, "title": {"text": "state"}, "y": 0.0, "yanchor": "bottom"}})
    if not len(tokens) or not chosen:
        add_note(fig, NO_TOKENS_TEXT if not len(tokens) else "No units chosen")
    return fig


def unit_lines(trace: LayerTrace, tokens: list[str], units: list[int], field: str = "hidden",
               trajectory: Trajectory | None = None) -> go.Figure:
    """A few units' values token by token, with the verdict below: does a unit switch at "but"?

    One line per unit (legend "unit 12"); gates are drawn on a fixed [0, 1] axis, states
    around a zero line. With a ``trajectory``, a second panel below (same x) shows each class's
    probability after each token, with an arrow where the predicted class flips.

    Args:
        trace: one layer and direction; ``trace.values[field]`` has shape (tokens, units).
        tokens: the text's tokens, shown under the x axis.
        units: the units to draw, in legend order.
        field: which gate or state (a key of ``trace.values``).
        trajectory: ``Run.trajectory`` of the same text, or None for one panel.

    Raises:
        ValueError: if the field, units or tokens do not fit the trace, or the trajectory has
            other tokens.
    """
    _check_field(trace, field)
    values = np.asarray(trace.values[field], dtype=float)
    _check_tokens(tokens, values.shape[0])
    chosen = _check_units(units, values.shape[1])
    if trajectory is not None and list(trajectory.tokens) != list(tokens):
        raise ValueError(f"trajectory has tokens {list(trajectory.tokens)} but tokens are "
                         f"{list(tokens)}; pass the trajectory of the same text.")
    rows = 1 if trajectory is None else 2
    fig = make_subplots(rows=rows, cols=1, shared_xaxes=True, vertical_spacing=0.08,
                        row_heights=[1.0] if rows == 1 else [0.6, 0.4])
    words = _field_name(field)
    escaped = [esc(token) for token in tokens]
    for n, unit in enumerate(chosen):
        name = _unit_name(unit)
        fig.add_trace(go.Scatter(
            x=token_positions(len(tokens)), y=values[:, unit].tolist(), text=escaped, name=name,
            mode="lines+markers", legendgroup="units", marker={"size": 6}, cliponaxis=False,
            line={"color": PALETTE[n % len(PALETTE)], "width": 2,
                  "dash": ("solid", "dash", "dot")[n // len(PALETTE) % 3]},
            hovertemplate=f"'%{{text}}' (position %{{x}})<br>{name} {words} %{{y:.4f}}"
                          "<extra></extra>",
        ), row=1, col=1)
    if trajectory is not None:
        # Dotted, with diamonds: the unit lines above use the same colours.
        probability_traces(fig, trajectory, dash="dot", row=2, col=1)
        mark_flips(fig, trajectory, row=2, col=1)
        fig.update_yaxes(title_text="probability", range=[0, 1], row=2, col=1)
    style_figure(fig, f"{words.capitalize()} of chosen units, {esc(trace.layer)} "
                      f"({esc(trace.direction)})", height=420 if rows == 1 else 560)
    token_ticks(fig, tokens)
    if _is_gate(trace.cell, field):
        fig.update_yaxes(range=[0, 1], row=1, col=1)
    else:
        fig.add_hline(y=0, line={"color": GREY, "width": 1}, row=1, col=1)
    fig.update_yaxes(title_text=words, row=1, col=1)
    if not len(tokens):
        add_note(fig, NO_TOKENS_TEXT)
    return fig



def _pick_stats(stats: list[dict] | dict, layer: str | None, direction: str) -> dict:
    """The ``gate_stats`` entry for ``layer`` (default: the last) and ``direction``."""
    if isinstance(stats, dict):
        return stats
    matching = [s for s in stats if s.get("direction") == direction
                and (layer is None or s.get("layer") == layer)]
    if not matching:
        raise ValueError(f"stats has no entry for layer {layer!r} and direction {direction!r}; "
                         f"it has {[(s.get('layer'), s.get('direction')) for s in stats]}.")
    return matching[-1]


def saturation_figure(stats: list[dict] | dict, layer: str | None = None,
                      direction: str = "forward") -> go.Figure:
    """How often each unit's gates are nearly shut or wide open (Karpathy et al. 2015, fig. 3).

    One point per unit and gate: x is the fraction of tokens where the gate is below 0.1
    (left-saturated, shut), y the fraction above 0.9 (right-saturated, open). No point can lie
    beyond the dashed line x + y = 1. Points near (0, 0) are gates that act gradually; a point
    high on the y axis is a gate almost always open, e.g. a forget gate that keeps its memory.

    Args:
        stats: ``Run.gate_stats(texts)`` (a list), or one of its entries (a dict).
        layer: which layer of the list; the last one when None.
        direction: forward or backward.

    Raises:
        ValueError: if the list has no entry for ``layer`` and ``direction``.
    """
    entry = _pick_stats(stats, layer, direction)
    fig = go.Figure(go.Scatter(
        x=[0, 1], y=[1, 0], mode="lines", name="x + y = 1 (the limit)", hoverinfo="skip",
        line={"color": GREY, "dash": "dash", "width": 1}))
    symbols = ("circle", "diamond", "square", "triangle-up")
    for k, (gate, sides) in enumerate(entry.get("gates", {}).items()):
        left, right = list(sides["left"]), list(sides["right"])
        if len(left) != len(right):
            raise ValueError(f"stats for {gate} have {len(left)} left and {len(right)} right "
                             f"fractions; each unit needs one of each.")
        name = _field_name(gate)
        fig.add_trace(go.Scatter(
            x=left, y=right, customdata=list(range(len(left))), name=name, mode="markers",
            cliponaxis=False, marker={"color": PALETTE[k % len(PALETTE)], "size": 9,
                                      "symbol": symbols[k % len(symbols)], "opacity": 0.8},
            hovertemplate=f"{name}, unit %{{customdata}}<br>shut (< 0.1) %{{x:.1%}} of tokens"
                          "<br>open (> 0.9) %{y:.1%} of tokens<extra></extra>",
        ))
    tokens = entry.get("tokens")
    where = f"{esc(entry.get('layer', ''))} ({esc(entry.get('direction', direction))})"
    style_figure(fig, f"Gate saturation, {where}",
                 subtitle=None if tokens is None else f"over {int(tokens):,} tokens",
                 x_title="fraction of tokens left-saturated (< 0.1)",
                 y_title="fraction of tokens right-saturated (> 0.9)", height=480)
    fig.update_xaxes(range=[0, 1], constrain="domain")
    fig.update_yaxes(range=[0, 1], scaleanchor="x", scaleratio=1, constrain="domain")
    if not entry.get("gates"):
        add_note(fig, "This cell has no gates")
    return fig


def _pair_label(tokens_a: list[str], tokens_b: list[str], i, j) -> str:
    """ "good" when both texts have the same token, "good / bad" when not, "— / not" for a gap."""
    a = "—" if i is None else tokens_a[i]
    b = "—" if j is None else tokens_b[j]
    return a if a == b and i is not None else f"{a} / {b}"


def comparison_figure(result: dict, labels: list[str], field: str = "hidden",
                      layer: str = "recurrent_1", direction: str = "forward") -> go.Figure:
    """Two texts aligned token by token: the verdicts, and where the network's state differs.

    Top: the probability after each token for text A (dotted) and B (solid) on the aligned
    pairs; with two classes only the second class (the positive one, as elsewhere), with more
    every class. A token only one text has leaves the other's line with a gap. Bottom: B - A of
    ``field`` per unit (rows) and pair (columns), diverging around 0; a pair without a partner
    is an empty column. x ticks: the token when both texts have it, "a / b" where they differ,
    "— / not" for an inserted token.

    Args:
        result: ``Run.compare(text_a, text_b)``.
        labels: class names, in the order of the probability columns.
        field: the gate or state whose difference to show.
        layer: which recurrent layer.
        direction: forward or backward.

    Raises:
        ValueError: if the layer, direction or field is not in ``result`` or the probabilities
            do not match ``labels``.
    """
    tokens_a, tokens_b = list(result["tokens_a"]), list(result["tokens_b"])
    pairs = [(None if i is None else int(i), None if j is None else int(j))
             for i, j in result["pairs"]]
    entry = next((e for e in result["layers"]
                  if (e["layer"], e["direction"]) == (layer, direction)), None)
    if entry is None:
        raise ValueError(f"result has no layer {layer!r} with direction {direction!r}; it has "
                         f"{[(e['layer'], e['direction']) for e in result['layers']]}.")
    if field not in entry["diff"]:
        raise ValueError(f"field must be one of {list(entry['diff'])}, got {field!r}.")
    trajectories = {}
    for side, tokens in (("a", tokens_a), ("b", tokens_b)):
        array = np.asarray(result[f"trajectory_{side}"], dtype=float).reshape(len(tokens), -1)
        if len(tokens) and array.shape[1] != len(labels):
            raise ValueError(f"trajectory_{side} has {array.shape[1]} classes but labels are "
                             f"{list(labels)}.")
        trajectories[side] = array
    ticks = [_pair_label(tokens_a, tokens_b, i, j) for i, j in pairs]
    x = token_positions(len(pairs))

    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.12,
                        row_heights=[0.4, 0.6],
                        subplot_titles=["probability after each token",
                                        f"{_field_name(field)}: B minus A"])
    classes = [len(labels) - 1] if len(labels) == 2 else list(range(len(labels)))
    for side, index, tokens, dash in (("A", 0, tokens_a, "dot"), ("B", 1, tokens_b, "solid")):
        array = trajectories[side.lower()]
        for k in classes:
            # One class: a colour per text; several: a colour per class, the dash tells A and B.
            color = ((BLUE, VERMILLION)[index] if len(classes) == 1
                     else PALETTE[k % len(PALETTE)])
            name = f"{side}: p({esc(labels[k])})"
            positions = [pair[index] for pair in pairs]
            fig.add_trace(go.Scatter(
                x=x, y=[None if t is None else float(array[t, k]) for t in positions],
                text=[None if t is None else esc(tokens[t]) for t in positions], name=name,
                mode="lines+markers", connectgaps=False, cliponaxis=False,
                line={"color": color, "dash": dash, "width": 2},
                marker={"symbol": "circle-open" if side == "A" else "circle", "size": 7},
                hovertemplate=f"{side}, after '%{{text}}'<br>{name} %{{y:.3f}}<extra></extra>",
            ), row=1, col=1)

    columns = entry["diff"][field]
    units = next((len(column) for column in columns if column is not None), 0)
    z = [[None if column is None else float(column[u]) for column in columns]
         for u in range(units)]
    finite = [abs(v) for row in z for v in row if v is not None]
    bound = max(finite) if finite and max(finite) > 0 else 1.0
    escaped_ticks = [esc(tick) for tick in ticks]
    fig.add_trace(go.Heatmap(
        z=z, x=x, y=[_unit_name(u) for u in range(units)], text=[escaped_ticks] * units,
        name="B - A", colorscale=DIVERGING_SCALE, zmin=-bound, zmax=bound, zmid=0.0,
        hoverongaps=False, xgap=1, ygap=1,
        colorbar={"title": {"text": "B - A"}, "thickness": 14, "len": 0.55, "y": 0.0,
                  "yanchor": "bottom"},
        hovertemplate=f"%{{text}}<br>%{{y}}<br>{_field_name(field)} B - A %{{z:+.4f}}"
                      "<extra></extra>",
    ), row=2, col=1)
    style_figure(fig, f"B against A, {esc(layer)} ({esc(direction)})",
                 height=420 + max(0, 16 * units - 120))
    token_ticks(fig, ticks)
    fig.update_yaxes(title_text="probability", range=[0, 1], row=1, col=1)
    fig.update_yaxes(type="category", autorange="reversed", showgrid=False, row=2, col=1)
    if len(labels) == 2:
        fig.add_hline(y=0.5, line={"dash": "dash", "color": GREY, "width": 1}, row=1, col=1)
    if not pairs:
        add_note(fig, NO_TOKENS_TEXT)
    return fig
