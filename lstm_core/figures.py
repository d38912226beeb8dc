"""Plotly figures for the app: training curves, test results and the data check.

Every function is pure: it takes plain data (events, metrics.json's dict, predictions, a
``DataReport``'s fields) and returns a ``plotly.graph_objects.Figure``; none reads files or
imports Streamlit. They share one layout (``_style``) and the Okabe-Ito palette, which stays
distinguishable under the common forms of colour blindness.

Class names come from the user's data, and Plotly renders a few HTML tags in titles,
annotations, tick labels and legend entries, so every user string passes through ``_esc``
before it goes into a figure.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots
from sklearn.metrics import auc, roc_curve

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
