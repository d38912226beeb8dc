"""Plotly figures for the app: training curves, test results, the data check, and the inside
of the network (gates, states, verdict per token, token importance, comparisons).

Every function is pure: it takes plain data (events, metrics.json's dict, predictions, a
``DataReport``'s fields, a ``LayerTrace``) and returns a ``plotly.graph_objects.Figure``; none
reads files or imports Streamlit. They share one layout (``_style``) and the Okabe-Ito palette,
which stays distinguishable under the common forms of colour blindness.

Class names come from the user's data, and Plotly renders a few HTML tags in titles,
annotations, tick labels and legend entries, so every user string passes through ``_esc``
before it goes into a figure.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots
from sklearn.metrics import auc, roc_curve

from lstm_core.inspect.gates import SATURATING, TRACE_FIELDS, LayerTrace

if TYPE_CHECKING:  # only for annotations: figures stay importable without the model code
    from lstm_core.inspect.run import Importance, Trajectory

# Okabe & Ito (2008), "Color Universal Design": safe for protan, deutan and tritan vision.
BLUE = "#0072B2"
ORANGE = "#E69F00"
GREEN = "#009E73"
VERMILLION = "#D55E00"
SKY = "#56B4E9"
PURPLE = "#CC79A7"
YELLOW = "#F0E442"
GREY = "#7F7F7F"
PALETTE = (BLUE, ORANGE, GREEN, VERMILLION, PURPLE, SKY, YELLOW)
# Sequential and single-hued, so it reads in grey scale and for every kind of colour vision.
HEATMAP_SCALE = "Blues"

TEMPLATE = "plotly_white"
# Constant, so Plotly keeps a user's zoom and hidden traces when the live chart is redrawn.
TRAINING_CURVES_REVISION = "training-curves"
WAITING_TEXT = "Waiting for the first batch..."

# Trace order of training_curves, the same on every redraw: (uid, legend name) per metric.
CURVE_TRACES = (
    ("batch", "train (per batch)"),
    ("epoch", "train (per epoch)"),
    ("val", "validation (per epoch)"),
)
# Per-batch values are noisy running means: thin and light, behind the per-epoch lines.
# Validation differs from training by colour, marker shape and dash, not by colour alone.
CURVE_LOOKS = {
    "batch": {"mode": "lines", "line": {"color": SKY, "width": 1}, "opacity": 0.7},
    "epoch": {"mode": "lines+markers", "line": {"color": BLUE, "width": 2}, "marker": {"size": 7}},
    "val": {"mode": "lines+markers", "marker": {"size": 7, "symbol": "diamond"},
            "line": {"color": VERMILLION, "width": 2, "dash": "dot"}},
}


def _esc(text) -> str:
    """``text`` as literal characters for Plotly: tags and entities are shown, not rendered."""
    return html.escape(str(text), quote=False)


def _style(fig: go.Figure, title: str, *, subtitle: str | None = None,
           x_title: str | None = None, y_title: str | None = None,
           height: int = 380) -> go.Figure:
    """The layout every figure shares: template, title, axis titles, legend right of the plot."""
    title_spec = {"text": title, "x": 0.0, "xanchor": "left"}
    if subtitle:
        title_spec["subtitle"] = {"text": subtitle}
    fig.update_layout(
        template=TEMPLATE,
        title=title_spec,
        height=height,
        margin={"l": 60, "r": 20, "t": 90 if subtitle else 60, "b": 50},
        # Plotly's default place, right of the plot: it never covers a title or a subplot.
        legend={"x": 1.02, "xanchor": "left", "y": 1.0, "yanchor": "top"},
        colorway=list(PALETTE),
    )
    if x_title is not None:
        fig.update_xaxes(title_text=x_title)
    if y_title is not None:
        fig.update_yaxes(title_text=y_title)
    return fig


def _note(fig: go.Figure, text: str) -> None:
    """A message in the middle of the plot area, for figures with nothing (yet) to show."""
    fig.add_annotation(text=text, xref="paper", yref="paper", x=0.5, y=0.5, showarrow=False,
                       font={"size": 15, "color": GREY})


def _finite(value) -> bool:
    """A real number, not null, NaN or infinite (events.jsonl writes missing values as null)."""
    try:
        return value is not None and math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


# --- Training -------------------------------------------------------------------------------


def _batches_per_epoch(events: list[dict]) -> int:
    """From the start event; without one, the most batches any logged epoch reached."""
    start = next((e for e in events if e.get("event") == "start"), None)
    if start is not None and start.get("batches_per_epoch"):
        return max(int(start["batches_per_epoch"]), 1)
    seen = [e.get("batch") or 0 for e in events if e.get("event") == "batch"]
    seen += [e.get("batches") or 0 for e in events if e.get("event") == "epoch"]
    return max([1, *seen])


def _epoch_x(event: dict, per_epoch: int) -> float:
    """Where an epoch ended: at its number, or part-way when it stopped early."""
    batches = event.get("batches")
    if batches is None or batches >= per_epoch:
        return float(event["epoch"])
    return event["epoch"] - 1 + batches / per_epoch


def _points(rows: list[tuple[float, object]]) -> tuple[list[float], list[float]]:
    """x and y lists with the missing (null or non-finite) values left out."""
    kept = [(x, y) for x, y in rows if _finite(y)]
    return [x for x, _ in kept], [float(y) for _, y in kept]


def _batch_points(batches: list[dict], per_epoch: int, metric: str) -> tuple[list, list]:
    """Per-batch points with a gap (None) between epochs.

    Keras restarts its running mean at each epoch, so joining the last batch of one epoch to the
    first of the next would draw a spike that is not in the data.
    """
    xs: list = []
    ys: list = []
    for index, event in enumerate(batches):
        if not _finite(event.get(metric)):
            continue
        if index and xs and event["epoch"] != batches[index - 1]["epoch"]:
            xs.append(None)
            ys.append(None)
        xs.append(event["epoch"] - 1 + event["batch"] / per_epoch)
        ys.append(float(event[metric]))
    return xs, ys


def training_curves(events: list[dict]) -> go.Figure:
    """Loss and accuracy against epochs, so a learner sees whether the model still improves.

    Two panels side by side (loss, accuracy); x is progress in epochs, so a batch half way
    through epoch 2 sits at 1.5. Each panel has three traces, always present and always in
    this order: the running mean of the epoch so far as logged per batch (thin, light), the
    training value per epoch, and the validation value per epoch. Missing values are left
    out. ``layout.uirevision`` is constant, so a live redraw keeps the user's zoom.

    Args:
        events: the run's events.jsonl records, oldest first (``events.read_events``).

    Returns:
        The figure; with no batch or epoch yet, empty panels that say so.

    Example:
        >>> fig = training_curves([])
        >>> [t.name for t in fig.data][:3]
        ['train (per batch)', 'train (per epoch)', 'validation (per epoch)']
    """
    per_epoch = _batches_per_epoch(events)
    batches = [e for e in events if e.get("event") == "batch"]
    epochs = [e for e in events if e.get("event") == "epoch"]
    epoch_x = [_epoch_x(e, per_epoch) for e in epochs]

    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.1)
    for col, metric in enumerate(("loss", "accuracy"), start=1):
        series = {
            "batch": _batch_points(batches, per_epoch, metric),
            "epoch": _points(list(zip(epoch_x, (e.get(metric) for e in epochs), strict=True))),
            "val": _points(list(zip(epoch_x, (e.get(f"val_{metric}") for e in epochs),
                                    strict=True))),
        }
        for key, name in CURVE_TRACES:
            x, y = series[key]
            fig.add_trace(
                go.Scatter(x=x, y=y, name=name, uid=f"{metric}-{key}", legendgroup=key,
                           showlegend=col == 1,
                           hovertemplate=f"epoch %{{x:.2f}}<br>{metric} %{{y:.4f}}<extra>"
                                         f"{name}</extra>",
                           **CURVE_LOOKS[key]),
                row=1, col=col,
            )
    _style(fig, "Training curves", x_title="Epoch")
    fig.update_xaxes(rangemode="tozero")
    fig.update_yaxes(title_text="Loss", row=1, col=1)
    fig.update_yaxes(title_text="Accuracy", tickformat=".0%", row=1, col=2)
    fig.update_layout(uirevision=TRAINING_CURVES_REVISION, hovermode="closest")
    if not batches and not epoch_x:
        _note(fig, WAITING_TEXT)
    return fig


# --- Test results ---------------------------------------------------------------------------


def confusion_matrix_figure(matrix: list[list[int]], labels: list[str],
                            title: str = "Confusion matrix (test set)") -> go.Figure:
    """Which classes the model confuses: counts of true class (rows) against prediction.

    Cells show counts; the hover adds the share of the true class (row-normalised), which is
    that class's recall on the diagonal. Row 0 is on top, as in metrics.json.

    Args:
        matrix: ``matrix[i][j]`` counts examples of ``labels[i]`` predicted as ``labels[j]``.
        labels: class names, in the order of the rows and columns.
        title: the figure's title (escaped like the labels).

    Raises:
        ValueError: if ``matrix`` is not ``len(labels)`` by ``len(labels)``.
    """
    size = len(labels)
    if len(matrix) != size or any(len(row) != size for row in matrix):
        raise ValueError(f"matrix must be {size} x {size} to match labels {list(labels)}, got "
                         f"{len(matrix)} rows of lengths {[len(row) for row in matrix]}.")
    counts = np.asarray(matrix, dtype=float).reshape(size, size)
    totals = counts.sum(axis=1, keepdims=True)
    shares = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
    names = [_esc(label) for label in labels]
    fig = go.Figure(go.Heatmap(
        z=[[int(c) for c in row] for row in matrix],
        x=names,
        y=names,
        text=[[str(int(c)) for c in row] for row in matrix],
        texttemplate="%{text}",
        customdata=shares.round(4).tolist(),
        hovertemplate="true %{y}, predicted %{x}<br>%{z} texts, %{customdata:.1%} of true %{y}"
                      "<extra></extra>",
        colorscale=HEATMAP_SCALE,
        colorbar={"title": {"text": "texts"}},
        xgap=2,
        ygap=2,
    ))
    _style(fig, _esc(title), x_title="Predicted", y_title="True", height=420)
    fig.update_xaxes(type="category", side="bottom")
    # Categories, even when class names look like numbers ("1" to "5" stars).
    fig.update_yaxes(type="category", autorange="reversed")
    return fig


def _as_matrix(probabilities, labels: list[str], argument: str) -> np.ndarray:
    """(texts, classes) array in ``labels`` order from an array or a DataFrame.

    A DataFrame may name its columns by class or as predictions.csv does (``p_<class>``).
    """
    if isinstance(probabilities, pd.DataFrame):
        columns = [label if label in probabilities.columns else f"p_{label}"
                   for label in labels]
        missing = [c for c in columns if c not in probabilities.columns]
        if missing:
            raise ValueError(f"{argument} lacks columns for classes {missing}; it has "
                             f"{list(probabilities.columns)}.")
        probabilities = probabilities[columns]
    array = np.asarray(probabilities, dtype="float64")
    if array.ndim != 2 or array.shape[1] != len(labels):
        raise ValueError(f"{argument} must have shape (texts, {len(labels)}) for labels "
                         f"{labels}, got {array.shape}.")
    return array


def _roc(is_class: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray, float] | None:
    """False and true positive rates and the area, or None when one side is absent."""
    if is_class.all() or not is_class.any():
        return None
    fpr, tpr, _ = roc_curve(is_class, scores)
    return fpr, tpr, float(auc(fpr, tpr))


def roc_figure(y_true: Sequence[str], probabilities: np.ndarray | pd.DataFrame,
               labels: list[str], baseline_probabilities=None) -> go.Figure:
    """How well the scores rank texts, at every threshold at once, with the AUC in the legend.

    The curves come from the predicted probabilities, not from the 0/1 predictions, so they
    show what another decision threshold would trade. Two classes give one curve with
    ``labels[1]`` as the positive class (as metrics.json's ``roc_auc``); more classes give one
    one-vs-rest curve per class. A class missing from ``y_true`` (or present in every row) has
    no curve. The dashed diagonal is chance.

    Args:
        y_true: the true class name per text.
        probabilities: shape (texts, classes), columns in ``labels`` order, or a DataFrame with
            columns named by class or ``p_<class>`` (predictions.csv).
        labels: class names.
        baseline_probabilities: the same for the bag-of-words baseline; drawn dashed, and only
            for two classes (one-vs-rest curves for two models would not be readable).

    Raises:
        ValueError: if the probabilities do not match ``labels`` or ``y_true`` in shape.
    """
    labels = [str(label) for label in labels]
    truth = np.asarray([str(value) for value in y_true])
    scores = _as_matrix(probabilities, labels, "probabilities")
    if len(scores) != len(truth):
        raise ValueError(f"probabilities has {len(scores)} rows but y_true has {len(truth)}.")
    fig = go.Figure(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="chance (AUC 0.500)",
                               line={"color": GREY, "dash": "dash", "width": 1},
                               hoverinfo="skip"))
    # No <extra> part: Plotly shows the trace's (escaped) name beside the rates.
    hover = "false positive rate %{x:.3f}<br>true positive rate %{y:.3f}"

    def add(curve, name: str, color: str, dash: str = "solid") -> None:
        fpr, tpr, area = curve
        full = f"{name} (AUC {area:.3f})"
        fig.add_trace(go.Scatter(x=fpr.tolist(), y=tpr.tolist(), mode="lines", name=full,
                                 meta={"auc": area}, hovertemplate=hover,
                                 line={"color": color, "dash": dash, "width": 2}))

    missing = []
    if len(labels) == 2:
        positive = truth == labels[1]
        subtitle = f"positive class: {_esc(labels[1])}"
        curve = _roc(positive, scores[:, 1])
        if curve is None:
            missing.append(labels[0] if positive.all() else labels[1])
        else:
            add(curve, "LSTM", BLUE)
            if baseline_probabilities is not None:
                base = _as_matrix(baseline_probabilities, labels, "baseline_probabilities")
                if len(base) != len(truth):
                    raise ValueError(f"baseline_probabilities has {len(base)} rows but y_true "
                                     f"has {len(truth)}.")
                add(_roc(positive, base[:, 1]), "bag-of-words baseline", ORANGE, "dash")
    else:
        subtitle = "one class against the rest"
        for i, label in enumerate(labels):
            curve = _roc(truth == label, scores[:, i])
            if curve is None:
                missing.append(label)
            else:
                add(curve, f"{_esc(label)} vs rest", PALETTE[i % len(PALETTE)])
    if missing:
        shown = ", ".join(_esc(label) for label in missing)
        subtitle += f"; no curve: the test set lacks both sides for {shown}"
    _style(fig, "ROC curve (test set)", subtitle=subtitle, x_title="False positive rate",
           y_title="True positive rate", height=420)
    fig.update_xaxes(range=[0, 1], constrain="domain")
    fig.update_yaxes(range=[0, 1.02], scaleanchor="x", scaleratio=1, constrain="domain")
    fig.update_layout(legend={"orientation": "v", "yanchor": "bottom", "y": 0.02,
                              "xanchor": "right", "x": 0.98})
    return fig


def accuracy_comparison(metrics: dict) -> go.Figure:
    """The LSTM beside the bag-of-words baseline on the test set, so the gap is plain to see.

    Grouped horizontal bars of accuracy and macro F1 for each model; the title states the
    accuracy gap in percentage points. A missing value (a run without a baseline) has no bar.

    Args:
        metrics: metrics.json's dict: ``accuracy``, ``macro_f1`` and ``baseline`` with the same.
    """
    baseline = metrics.get("baseline") or {}
    rows = (("accuracy", "Accuracy"), ("macro_f1", "Macro F1"))
    fig = go.Figure()
    for name, source, color in (("LSTM", metrics, BLUE),
                                ("bag-of-words baseline", baseline, ORANGE)):
        values = [source.get(key) if _finite(source.get(key)) else None for key, _ in rows]
        fig.add_trace(go.Bar(
            y=[label for _, label in rows], x=values, name=name, orientation="h",
            marker={"color": color}, text=[None if v is None else f"{v:.1%}" for v in values],
            textposition="outside", cliponaxis=False,
            hovertemplate=f"{name}<br>%{{y}} %{{x:.2%}}<extra></extra>",
        ))
    ours, theirs = metrics.get("accuracy"), baseline.get("accuracy")
    subtitle = None
    if _finite(ours) and _finite(theirs):
        gap = (ours - theirs) * 100
        subtitle = (f"accuracy: LSTM {ours:.1%}, bag-of-words {theirs:.1%} "
                    f"({gap:+.1f} points)")
    _style(fig, "LSTM vs bag-of-words baseline (test set)", subtitle=subtitle, x_title="Score",
           height=300)
    fig.update_xaxes(range=[0, 1.1], tickformat=".0%", tickvals=[0, 0.25, 0.5, 0.75, 1])
    # The first row (accuracy) on top, LSTM above the baseline within each row.
    fig.update_yaxes(type="category", autorange="reversed")
    fig.update_layout(barmode="group", legend={"traceorder": "normal"})
    return fig


# --- Data check -----------------------------------------------------------------------------


def class_balance_figure(class_counts: dict[str, int]) -> go.Figure:
    """Examples per class, with each class's share: accuracy flatters a model on unbalanced data.

    A dashed line marks the count every class would have if the data were balanced.

    Args:
        class_counts: class name -> number of examples (``DataReport.class_counts``).
    """
    names = [_esc(label) for label in class_counts]
    counts = [int(c) for c in class_counts.values()]
    total = sum(counts)
    shares = [c / total if total else 0.0 for c in counts]
    fig = go.Figure(go.Bar(
        x=names, y=counts, customdata=shares, name="examples",
        marker={"color": [PALETTE[i % len(PALETTE)] for i in range(len(counts))]},
        texttemplate="%{y:,} (%{customdata:.1%})", textposition="outside", cliponaxis=False,
        hovertemplate="%{x}: %{y:,} examples, %{customdata:.1%}<extra></extra>",
    ))
    _style(fig, "Examples per class", x_title="Class", y_title="Examples", height=340)
    fig.update_xaxes(type="category")
    fig.update_layout(showlegend=False)
    if total:
        fig.add_hline(y=total / len(counts), line={"dash": "dash", "color": GREY, "width": 1},
                      annotation_text="balanced", annotation_position="top right")
    else:
        _note(fig, "No examples")
    return fig


def length_histogram(lengths: Sequence[int], suggested_max_len: int | None = None,
                     max_len: int | None = None) -> go.Figure:
    """Tokens per text, and how many texts a given ``max_len`` would cut.

    A dashed line marks the suggested ``max_len`` and another the chosen one when it differs;
    each says what share of texts is longer and would lose its end.

    Args:
        lengths: tokens per text (``DataReport.lengths``).
        suggested_max_len: ``DataReport.suggested_max_len``, or None for no line.
        max_len: the ``max_len`` chosen in the settings, or None.
    """
    values = np.asarray(lengths, dtype=int)
    fig = go.Figure()
    if len(values):
        # Binned here, not in the browser: tens of thousands of raw lengths would travel to the
        # page on every rerun. Integer-aligned bins, at most about 60 of them.
        top = int(values.max()) + 1
        width = max(1, math.ceil(top / 60))
        edges = np.arange(0, top + width, width)
        counts, _ = np.histogram(values, bins=edges)
        fig.add_trace(go.Bar(
            x=(edges[:-1] + width / 2).tolist(), y=counts.tolist(), width=width,
            customdata=np.stack([edges[:-1], edges[1:] - 1], axis=1).tolist(),
            name="texts", marker={"color": BLUE, "line": {"width": 0}},
            hovertemplate="%{customdata[0]}-%{customdata[1]} tokens: %{y:,} texts"
                          "<extra></extra>",
        ))
    else:
        _note(fig, "No texts")
    lines = []
    if suggested_max_len is not None:
        lines.append((int(suggested_max_len), "suggested max_len", VERMILLION, "top right"))
    if max_len is not None and max_len != suggested_max_len:
        lines.append((int(max_len), "max_len", GREEN, "top left"))
    for x, name, color, position in lines:
        cut = float(np.mean(values > x)) if len(values) else 0.0
        fig.add_vline(x=x, line={"dash": "dash", "color": color, "width": 2},
                      annotation_text=f"{name} {x}: {cut:.0%} of texts cut",
                      annotation_position=position, annotation_font_color=color)
    _style(fig, "Tokens per text", x_title="Tokens", y_title="Texts", height=340)
    fig.update_layout(showlegend=False, bargap=0.05)
    fig.update_xaxes(rangemode="tozero")
    return fig


# --- Inside the network ---------------------------------------------------------------------
#
# Token axes use positions 1, 2, ... as x with the (escaped) tokens as tick labels, so a word
# that occurs twice keeps two columns. Units are rows labelled "unit 12", first chosen on top.

# Gates are fractions in [0, 1]: a sequential scale unlike the diverging one, so "high" never
# reads as "positive". States and the candidate are signed: diverging, white at 0, negative blue
# and positive red (ColorBrewer's RdBu, safe for the common colour-vision deficiencies).
GATE_SCALE = "Viridis"
DIVERGING_SCALE = "RdBu_r"
# The plain words for each field of a LayerTrace, for titles, legends and hovers.
FIELD_NAMES = {
    "input_gate": "input gate", "forget_gate": "forget gate", "candidate": "candidate",
    "output_gate": "output gate", "cell": "cell state", "hidden": "hidden state",
    "update_gate": "update gate", "reset_gate": "reset gate",
}
CELL_NAMES = {"lstm": "LSTM", "gru": "GRU", "simple_rnn": "SimpleRNN"}
NO_TOKENS_TEXT = "No tokens to show"
# importance_html: RdBu's ends, so the spans match importance_figure's colours.
TOWARDS_RGB = (178, 24, 43)
AGAINST_RGB = (33, 102, 172)
# Characters Markdown (and Streamlit's $...$ maths) would read as syntax, written as entities.
_MARKDOWN_ENTITIES = str.maketrans({c: f"&#{ord(c)};" for c in "\\`*_[]$~|"})


def _field_name(field: str) -> str:
    return FIELD_NAMES.get(field, field.replace("_", " "))


def _unit_name(unit: int) -> str:
    return f"unit {unit}"


def _positions(count: int) -> list[int]:
    """x of each token: its 1-based position in the text."""
    return list(range(1, count + 1))


def _token_ticks(fig: go.Figure, labels: Sequence[str]) -> None:
    """Token labels (escaped) under the positions 1..n of every x axis of ``fig``."""
    fig.update_xaxes(tickmode="array", tickvals=_positions(len(labels)),
                     ticktext=[_esc(label) for label in labels],
                     range=[0.5, len(labels) + 0.5], showgrid=False, zeroline=False)


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


def _flips(probabilities: np.ndarray) -> list[int]:
    """Token indices after which the predicted class differs from the one before."""
    predicted = np.asarray(probabilities).argmax(axis=1)
    return [t for t in range(1, len(predicted)) if predicted[t] != predicted[t - 1]]


def _mark_flips(fig: go.Figure, trajectory: Trajectory, **where) -> None:
    """An arrow at each token after which the verdict changes: "flips to negative at 'not'"."""
    probabilities = np.asarray(trajectory.probabilities)
    for t in _flips(probabilities):
        winner = int(probabilities[t].argmax())
        fig.add_annotation(
            x=t + 1, y=float(probabilities[t, winner]), showarrow=True, arrowhead=2, ax=0,
            ay=-30, font={"color": VERMILLION},
            text=f"flips to {_esc(trajectory.labels[winner])} at '{_esc(trajectory.tokens[t])}'",
            **where)


def _probability_traces(fig: go.Figure, trajectory: Trajectory, dash: str = "solid",
                        **where) -> None:
    """One line per class: its probability after each token."""
    positions = _positions(len(trajectory.tokens))
    tokens = [_esc(token) for token in trajectory.tokens]
    probabilities = np.asarray(trajectory.probabilities, dtype=float)
    for k, label in enumerate(trajectory.labels):
        name = f"p({_esc(label)})"
        fig.add_trace(go.Scatter(
            x=positions, y=probabilities[:, k].tolist(), text=tokens, name=name,
            mode="lines+markers", marker={"size": 7, "symbol": "diamond" if dash != "solid"
                                          else "circle"},
            line={"color": PALETTE[k % len(PALETTE)], "width": 2, "dash": dash},
            legendgroup="probability", cliponaxis=False,
            hovertemplate=f"after '%{{text}}' (position %{{x}})<br>{name} %{{y:.3f}}"
                          "<extra></extra>",
        ), **where)


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
    text = [[_esc(token) for token in tokens]] * len(chosen)
    for index, name in enumerate(fields):
        gate = _is_gate(trace.cell, name)
        fig.add_trace(go.Heatmap(
            z=rows_of[name].round(6).tolist(), x=_positions(len(tokens)), y=names, text=text,
            name=_field_name(name), coloraxis="coloraxis" if gate else "coloraxis2",
            hovertemplate=f"'%{{text}}' (position %{{x}})<br>%{{y}}<br>{_field_name(name)} "
                          "%{z:.4f}<extra></extra>",
            xgap=1, ygap=1,
        ), row=index // columns + 1, col=index % columns + 1)
    panel_height = max(150, 16 * len(chosen) + 70)
    _style(fig, f"Inside {_esc(trace.layer)} ({_esc(trace.direction)}), "
                f"{CELL_NAMES.get(trace.cell, _esc(trace.cell))}: each unit at each token",
           height=grid_rows * panel_height + 110)
    _token_ticks(fig, tokens)
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
        _note(fig, NO_TOKENS_TEXT if not len(tokens) else "No units chosen")
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
    escaped = [_esc(token) for token in tokens]
    for n, unit in enumerate(chosen):
        name = _unit_name(unit)
        fig.add_trace(go.Scatter(
            x=_positions(len(tokens)), y=values[:, unit].tolist(), text=escaped, name=name,
            mode="lines+markers", legendgroup="units", marker={"size": 6}, cliponaxis=False,
            line={"color": PALETTE[n % len(PALETTE)], "width": 2,
                  "dash": ("solid", "dash", "dot")[n // len(PALETTE) % 3]},
            hovertemplate=f"'%{{text}}' (position %{{x}})<br>{name} {words} %{{y:.4f}}"
                          "<extra></extra>",
        ), row=1, col=1)
    if trajectory is not None:
        # Dotted, with diamonds: the unit lines above use the same colours.
        _probability_traces(fig, trajectory, dash="dot", row=2, col=1)
        _mark_flips(fig, trajectory, row=2, col=1)
        fig.update_yaxes(title_text="probability", range=[0, 1], row=2, col=1)
    _style(fig, f"{words.capitalize()} of chosen units, {_esc(trace.layer)} "
                f"({_esc(trace.direction)})", height=420 if rows == 1 else 560)
    _token_ticks(fig, tokens)
    if _is_gate(trace.cell, field):
        fig.update_yaxes(range=[0, 1], row=1, col=1)
    else:
        fig.add_hline(y=0, line={"color": GREY, "width": 1}, row=1, col=1)
    fig.update_yaxes(title_text=words, row=1, col=1)
    if not len(tokens):
        _note(fig, NO_TOKENS_TEXT)
    return fig


def trajectory_figure(trajectory: Trajectory) -> go.Figure:
    """The verdict as the text goes on: each class's probability after each token.

    x ticks are the tokens, y is fixed to [0, 1], a dashed line marks 0.5 when there are two
    classes, and an arrow marks each token after which the predicted class flips ("flips to
    negative at 'not'"). The subtitle says what the curve means for this run
    (``Trajectory.meaning``).

    Args:
        trajectory: ``Run.trajectory(text)``; probabilities of shape (tokens, classes).

    Raises:
        ValueError: if the probabilities do not have one row per token and one column per class.
    """
    probabilities = np.asarray(trajectory.probabilities, dtype=float)
    shape = (len(trajectory.tokens), len(trajectory.labels))
    if probabilities.shape != shape and probabilities.size:
        raise ValueError(f"trajectory.probabilities must have shape (tokens, classes) = {shape}, "
                         f"got {probabilities.shape}.")
    fig = go.Figure()
    if probabilities.size:
        _probability_traces(fig, trajectory)
        _mark_flips(fig, trajectory)
    else:
        _note(fig, NO_TOKENS_TEXT)
    _style(fig, "Probability after each token", subtitle=_esc(trajectory.meaning),
           y_title="probability", height=380)
    _token_ticks(fig, trajectory.tokens)
    fig.update_yaxes(range=[0, 1])
    if len(trajectory.labels) == 2:
        fig.add_hline(y=0.5, line={"dash": "dash", "color": GREY, "width": 1})
    return fig


def importance_figure(importance: Importance) -> go.Figure:
    """The text as a row of coloured cells: how much each token argues for the verdict.

    A one-row heatmap whose cells read the tokens; red pushes towards the predicted class,
    blue against it (diverging, white at 0). The hover gives the exact score: how much the
    predicted class's probability drops when that token is removed.

    Args:
        importance: ``Run.importance(text)``; ``scores`` has shape (tokens,).
    """
    scores = np.asarray(importance.scores, dtype=float).reshape(-1)
    if len(scores) != len(importance.tokens):
        raise ValueError(f"importance.scores has {len(scores)} values but there are "
                         f"{len(importance.tokens)} tokens.")
    label = _esc(importance.label)
    fig = go.Figure(go.Heatmap(
        z=[scores.tolist()], x=_positions(len(scores)), y=["tokens"],
        text=[[_esc(token) for token in importance.tokens]], texttemplate="%{text}",
        colorscale=DIVERGING_SCALE, zmid=0.0, xgap=2, name="importance",
        colorbar={"title": {"text": "drop in p"}, "thickness": 14},
        hovertemplate=f"'%{{text}}' (position %{{x}})<br>without it p({label}) drops by "
                      "%{z:+.4f}<extra></extra>",
    ))
    _style(fig, f"Which tokens decided it: {label} ({importance.probability:.1%})",
           subtitle="red pushes towards the verdict, blue against (removing the token and "
                    "predicting again)", height=260)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    if not len(scores):
        _note(fig, NO_TOKENS_TEXT)
    return fig


def importance_html(importance: Importance) -> str:
    """The text as HTML spans shaded by importance, for ``st.markdown(unsafe_allow_html=True)``.

    Red shades push towards the verdict, blue against it, stronger for larger scores (scaled
    to the largest absolute score). Every token is HTML-escaped and Markdown's special
    characters are written as entities, so no token can inject markup. One ``<div>`` on one
    line, so Markdown leaves its inside alone; the exact score is in each span's tooltip.

    Args:
        importance: ``Run.importance(text)``.

    Returns:
        The HTML; an empty string when there are no tokens.

    Example:
        >>> st.markdown(importance_html(run.importance("not good")), unsafe_allow_html=True)
    """
    scores = np.asarray(importance.scores, dtype=float).reshape(-1)
    if len(scores) != len(importance.tokens):
        raise ValueError(f"importance.scores has {len(scores)} values but there are "
                         f"{len(importance.tokens)} tokens.")
    if not len(scores):
        return ""
    largest = float(np.abs(scores).max()) or 1.0
    label = html.escape(str(importance.label)).translate(_MARKDOWN_ENTITIES)
    spans = []
    for token, score in zip(importance.tokens, scores, strict=True):
        strength = min(abs(score) / largest, 1.0)
        red, green, blue = TOWARDS_RGB if score >= 0 else AGAINST_RGB
        alpha = round(0.85 * strength, 3)
        colour = "white" if alpha > 0.5 else "inherit"
        text = html.escape(str(token)).translate(_MARKDOWN_ENTITIES)
        spans.append(
            f'<span style="background-color: rgba({red}, {green}, {blue}, {alpha}); '
            f'color: {colour}; padding: 0.1em 0.25em; margin: 0 0.1em; border-radius: 0.25em" '
            f'title="without it p({label}) drops by {score:+.4f}">{text}</span>')
    return f'<div style="line-height: 2">{" ".join(spans)}</div>'


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
    where = f"{_esc(entry.get('layer', ''))} ({_esc(entry.get('direction', direction))})"
    _style(fig, f"Gate saturation, {where}",
           subtitle=None if tokens is None else f"over {int(tokens):,} tokens",
           x_title="fraction of tokens left-saturated (< 0.1)",
           y_title="fraction of tokens right-saturated (> 0.9)", height=480)
    fig.update_xaxes(range=[0, 1], constrain="domain")
    fig.update_yaxes(range=[0, 1], scaleanchor="x", scaleratio=1, constrain="domain")
    if not entry.get("gates"):
        _note(fig, "This cell has no gates")
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
    x = _positions(len(pairs))

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
            name = f"{side}: p({_esc(labels[k])})"
            positions = [pair[index] for pair in pairs]
            fig.add_trace(go.Scatter(
                x=x, y=[None if t is None else float(array[t, k]) for t in positions],
                text=[None if t is None else _esc(tokens[t]) for t in positions], name=name,
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
    escaped_ticks = [_esc(tick) for tick in ticks]
    fig.add_trace(go.Heatmap(
        z=z, x=x, y=[_unit_name(u) for u in range(units)], text=[escaped_ticks] * units,
        name="B - A", colorscale=DIVERGING_SCALE, zmin=-bound, zmax=bound, zmid=0.0,
        hoverongaps=False, xgap=1, ygap=1,
        colorbar={"title": {"text": "B - A"}, "thickness": 14, "len": 0.55, "y": 0.0,
                  "yanchor": "bottom"},
        hovertemplate=f"%{{text}}<br>%{{y}}<br>{_field_name(field)} B - A %{{z:+.4f}}"
                      "<extra></extra>",
    ), row=2, col=1)
    _style(fig, f"B against A, {_esc(layer)} ({_esc(direction)})",
           height=420 + max(0, 16 * units - 120))
    _token_ticks(fig, ticks)
    fig.update_yaxes(title_text="probability", range=[0, 1], row=1, col=1)
    fig.update_yaxes(type="category", autorange="reversed", showgrid=False, row=2, col=1)
    if len(labels) == 2:
        fig.add_hline(y=0.5, line={"dash": "dash", "color": GREY, "width": 1}, row=1, col=1)
    if not pairs:
        _note(fig, NO_TOKENS_TEXT)
    return fig


# --- Comparing runs -------------------------------------------------------------------------

# The per-epoch values events.jsonl records, and how the overlay names them.
OVERLAY_METRICS = {
    "loss": "Training loss",
    "accuracy": "Training accuracy",
    "val_loss": "Validation loss",
    "val_accuracy": "Validation accuracy",
}
# With the colour, a marker shape and a dash per run, so lines stay apart in grey scale too.
OVERLAY_SYMBOLS = ("circle", "diamond", "square", "triangle-up", "x", "star", "cross")
OVERLAY_DASHES = ("solid", "dot", "dash", "dashdot")


def overlay_curves(runs: dict[str, list[dict]], metric: str = "val_accuracy") -> go.Figure:
    """One metric of several runs on one chart, one line per run, a point per epoch.

    x is the epoch (part-way for an epoch stopped early, as in ``training_curves``); missing
    values are left out. Accuracies are drawn in percent on a 0 to 100% axis, losses from 0.

    Args:
        runs: run name (shown in the legend, escaped) to that run's events.jsonl records.
        metric: one of ``OVERLAY_METRICS``: loss, accuracy, val_loss, val_accuracy.

    Returns:
        The figure: one trace per run, in the order of ``runs``; a note when no run has a
        finished epoch.

    Raises:
        ValueError: if ``metric`` is not one of ``OVERLAY_METRICS``.

    Example:
        >>> fig = overlay_curves({"a": read_events(run_a), "b": read_events(run_b)}, "val_loss")
    """
    if metric not in OVERLAY_METRICS:
        raise ValueError(f"metric must be one of {list(OVERLAY_METRICS)}, got {metric!r}.")
    title = OVERLAY_METRICS[metric]
    is_accuracy = metric.endswith("accuracy")
    fig = go.Figure()
    for index, (name, events) in enumerate(runs.items()):
        per_epoch = _batches_per_epoch(events)
        epochs = [e for e in events if e.get("event") == "epoch"]
        x, y = _points([(_epoch_x(e, per_epoch), e.get(metric)) for e in epochs])
        # No <extra> part: Plotly shows the trace's (escaped) name beside the value.
        fig.add_trace(go.Scatter(
            x=x, y=y, name=_esc(name), uid=f"run-{index}", mode="lines+markers",
            line={"color": PALETTE[index % len(PALETTE)], "width": 2,
                  "dash": OVERLAY_DASHES[index // len(PALETTE) % len(OVERLAY_DASHES)]},
            marker={"size": 7, "symbol": OVERLAY_SYMBOLS[index % len(OVERLAY_SYMBOLS)]},
            hovertemplate=f"epoch %{{x:.2f}}<br>{title.lower()} "
                          f"%{{y:{'.1%' if is_accuracy else '.4f'}}}",
        ))
    _style(fig, f"{title} per epoch", x_title="Epoch", y_title=title)
    fig.update_xaxes(rangemode="tozero")
    if is_accuracy:
        fig.update_yaxes(range=[0, 1.02], tickformat=".0%")
    else:
        fig.update_yaxes(rangemode="tozero")
    if not any(len(trace.x) for trace in fig.data):
        _note(fig, "No finished epoch to show yet" if runs else "Choose runs to compare")
    return fig
