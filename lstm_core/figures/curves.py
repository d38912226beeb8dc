"""Training curves: loss and accuracy of one run as it trains, and one metric of several runs.

Both read the plain records of a run's events.jsonl (``store.events.read_events``); x is
progress in epochs, so an epoch stopped early ends part-way.
"""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from lstm_core.figures.style import (
    BLUE,
    PALETTE,
    SKY,
    VERMILLION,
    add_note,
    esc,
    is_finite,
    style_figure,
)

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
    kept = [(x, y) for x, y in rows if is_finite(y)]
    return [x for x, _ in kept], [float(y) for _, y in kept]


def _batch_points(batches: list[dict], per_epoch: int, metric: str) -> tuple[list, list]:
    """Per-batch points with a gap (None) between epochs.

    Keras restarts its running mean at each epoch, so joining the last batch of one epoch to the
    first of the next would draw a spike that is not in the data.
    """
    xs: list = []
    ys: list = []
    for index, event in enumerate(batches):
        if not is_finite(event.get(metric)):
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
    style_figure(fig, "Training curves", x_title="Epoch")
    fig.update_xaxes(rangemode="tozero")
    fig.update_yaxes(title_text="Loss", row=1, col=1)
    fig.update_yaxes(title_text="Accuracy", tickformat=".0%", row=1, col=2)
    fig.update_layout(uirevision=TRAINING_CURVES_REVISION, hovermode="closest")
    if not batches and not epoch_x:
        add_note(fig, WAITING_TEXT)
    return fig


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
            x=x, y=y, name=esc(name), uid=f"run-{index}", mode="lines+markers",
            line={"color": PALETTE[index % len(PALETTE)], "width": 2,
                  "dash": OVERLAY_DASHES[index // len(PALETTE) % len(OVERLAY_DASHES)]},
            marker={"size": 7, "symbol": OVERLAY_SYMBOLS[index % len(OVERLAY_SYMBOLS)]},
            hovertemplate=f"epoch %{{x:.2f}}<br>{title.lower()} "
                          f"%{{y:{'.1%' if is_accuracy else '.4f'}}}",
        ))
    style_figure(fig, f"{title} per epoch", x_title="Epoch", y_title=title)
    fig.update_xaxes(rangemode="tozero")
    if is_accuracy:
        fig.update_yaxes(range=[0, 1.02], tickformat=".0%")
    else:
        fig.update_yaxes(rangemode="tozero")
    if not any(len(trace.x) for trace in fig.data):
        add_note(fig, "No finished epoch to show yet" if runs else "Choose runs to compare")
    return fig
