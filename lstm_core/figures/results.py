"""Test results: the confusion matrix, ROC curves and the LSTM beside its bag-of-words baseline.

Each takes metrics.json's values or predictions.csv's columns (``store.results``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from sklearn.metrics import auc, roc_curve

from lstm_core.figures.style import (
    BLUE,
    GREY,
    HEATMAP_SCALE,
    ORANGE,
    PALETTE,
    esc,
    is_finite,
    style_figure,
)


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
    names = [esc(label) for label in labels]
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
    style_figure(fig, esc(title), x_title="Predicted", y_title="True", height=420)
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
        subtitle = f"positive class: {esc(labels[1])}"
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
                add(curve, f"{esc(label)} vs rest", PALETTE[i % len(PALETTE)])
    if missing:
        shown = ", ".join(esc(label) for label in missing)
        subtitle += f"; no curve: the test set lacks both sides for {shown}"
    style_figure(fig, "ROC curve (test set)", subtitle=subtitle, x_title="False positive rate",
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
        values = [source.get(key) if is_finite(source.get(key)) else None for key, _ in rows]
        fig.add_trace(go.Bar(
            y=[label for _, label in rows], x=values, name=name, orientation="h",
            marker={"color": color}, text=[None if v is None else f"{v:.1%}" for v in values],
            textposition="outside", cliponaxis=False,
            hovertemplate=f"{name}<br>%{{y}} %{{x:.2%}}<extra></extra>",
        ))
    ours, theirs = metrics.get("accuracy"), baseline.get("accuracy")
    subtitle = None
    if is_finite(ours) and is_finite(theirs):
        gap = (ours - theirs) * 100
        subtitle = (f"accuracy: LSTM {ours:.1%}, bag-of-words {theirs:.1%} "
                    f"({gap:+.1f} points)")
    style_figure(fig, "LSTM vs bag-of-words baseline (test set)", subtitle=subtitle,
                 x_title="Score", height=300)
    fig.update_xaxes(range=[0, 1.1], tickformat=".0%", tickvals=[0, 0.25, 0.5, 0.75, 1])
    # The first row (accuracy) on top, LSTM above the baseline within each row.
    fig.update_yaxes(type="category", autorange="reversed")
    fig.update_layout(barmode="group", legend={"traceorder": "normal"})
    return fig
