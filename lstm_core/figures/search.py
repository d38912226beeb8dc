"""A settings search at a glance: each trial's settings against its validation accuracy.

One line per trial through one axis per searched setting, ending on its validation accuracy and
coloured by it, so settings shared by the good trials stand out. The trials come as plain
records (``search.table.TrialRow.to_dict``), so the figure is drawn the same for a live search and
a finished one.
"""

from __future__ import annotations

import math

import plotly.graph_objects as go

from lstm_core.figures.style import add_note, esc, is_finite, style_figure

# Sequential and perceptually even, readable for every kind of colour vision; its dark end stays
# visible on white, unlike a single-hued scale.
ACCURACY_SCALE = "Viridis"
NO_SCORE_TEXT = "No trial has a validation score yet"
LABELS = {
    "cell": "Cell", "units": "Units", "layers": "Layers", "bidirectional": "Bidirectional",
    "pooling": "Pooling", "embed_dim": "Embedding", "dropout": "Dropout",
    "learning_rate": "Learning rate", "lr_schedule": "LR schedule", "batch_size": "Batch size",
    "epochs": "Epochs",
}
LOG_AXES = ("learning_rate",)  # drawn as log10, labelled with the rates themselves


def _dimension(name: str, values: list) -> dict:
    """One parallel axis: numbers as they are (log10 for rates), anything else as categories."""
    label = LABELS.get(name, name)
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        if name in LOG_AXES:
            ticks = sorted(set(values))
            shown = ticks if len(ticks) <= 6 else ticks[:: math.ceil(len(ticks) / 6)]
            return {"label": label, "values": [math.log10(v) for v in values],
                    "tickvals": [math.log10(v) for v in shown],
                    "ticktext": [f"{v:.2g}" for v in shown]}
        distinct = sorted(set(values))
        spec = {"label": label, "values": values}
        if len(distinct) <= 8 and all(float(v).is_integer() for v in distinct):
            spec["tickvals"] = distinct
        return spec
    choices = sorted({str(v) for v in values})
    return {"label": label, "values": [choices.index(str(v)) for v in values],
            "tickvals": list(range(len(choices))), "ticktext": [esc(c) for c in choices],
            "range": [-0.25, len(choices) - 0.75] if len(choices) > 1 else [-1, 1]}


def search_parallel_coordinates(trials: list[dict]) -> go.Figure:
    """Settings against validation accuracy, one line per trial that has a score.

    Args:
        trials: records with ``params`` (setting name -> value) and ``val_accuracy``; those
            without a finite accuracy (not through an epoch yet, or failed) are left out. The
            axes follow the first record's settings, in its order.

    Returns:
        A ``go.Parcoords`` figure whose last axis is the validation accuracy; with no scored
        trial, an empty figure that says so.

    Example:
        >>> fig = search_parallel_coordinates([r.to_dict() for r in trial_rows(search_dir)])
    """
    scored = [t for t in trials if t.get("params") and is_finite(t.get("val_accuracy"))]
    fig = go.Figure()
    if not scored:
        style_figure(fig, "Settings against validation accuracy")
        fig.update_xaxes(visible=False)
        fig.update_yaxes(visible=False)
        add_note(fig, NO_SCORE_TEXT)
        return fig
    names = [n for n in scored[0]["params"] if all(n in t["params"] for t in scored)]
    accuracy = [float(t["val_accuracy"]) for t in scored]
    dimensions = [_dimension(name, [t["params"][name] for t in scored]) for name in names]
    dimensions.append({"label": "Validation accuracy", "values": accuracy,
                       "tickformat": ".0%"})
    fig.add_trace(go.Parcoords(
        dimensions=dimensions,
        line={"color": accuracy, "colorscale": ACCURACY_SCALE, "showscale": True,
              "colorbar": {"title": {"text": "Val. acc."}, "tickformat": ".0%"}},
        labelangle=-30, labelside="bottom",
    ))
    style_figure(fig, "Settings against validation accuracy",
                 subtitle=f"{len(scored)} trial{'' if len(scored) == 1 else 's'} with a score; "
                 "drag along an axis to pick a range", height=440)
    fig.update_layout(margin={"l": 60, "r": 40, "t": 110, "b": 80})
    return fig
