"""A run's report: one self-contained HTML file for people who will never open the app.

The file holds everything a stakeholder needs to judge a run: the data, the settings, the
training curves, the test results beside the bag-of-words baseline, a few predictions (mistakes
included), the gates of one sentence and its timelapse through training. Plotly's JavaScript is
inlined once, so the figures (the timelapse's Play included) stay interactive offline and the
file can be mailed; nothing is fetched from the network.

Texts, labels, tokens, file names and messages come from the user, so every one of them is
HTML-escaped before it enters the page (the figures escape theirs, see ``figures.style.esc``).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from lstm_core.config import CELL_NAMES, HELP
from lstm_core.errors import StudioError
from lstm_core.figures.curves import training_curves
from lstm_core.figures.gates import gate_heatmaps
from lstm_core.figures.results import accuracy_comparison, confusion_matrix_figure, roc_figure
from lstm_core.figures.timelapse import timelapse_figure
from lstm_core.figures.tokens import trajectory_figure
from lstm_core.fileio import atomic_write_text, read_json
from lstm_core.inspect.gates import EXPLANATIONS, TRACE_FIELDS, most_active_units
from lstm_core.store.archive import format_setting
from lstm_core.store.events import read_events
from lstm_core.store.results import (
    probability_matrix,
    read_metrics,
    read_predictions,
    run_verdict,
)
from lstm_core.store.runs import ACTIVE_STATES, CONFIG_FILE, DATA_FILE, has_model, read_status

PREDICTION_ROWS = 8  # test texts shown, of which at most MISTAKE_ROWS are mistakes
MISTAKE_ROWS = 3
GATE_UNITS = 16  # the most active units of the gate view; a bigger layer is cut to these
TEXT_CHARS = 300  # longer test texts are cut in the predictions table
SPLITS = ("train", "val", "test")
# No logo link to plotly.com, and the mode bar's download saves a PNG without any server.
FIGURE_CONFIG = {"displaylogo": False, "responsive": True}

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #222;
       max-width: 1100px; margin: 2em auto; padding: 0 1em; line-height: 1.45; }
h1 { margin-bottom: 0.2em; } h2 { margin-top: 2em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.92em; }
th, td { border: 1px solid #ddd; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
th { background: #f4f6f8; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.wrong td { background: #fdecea; }
.note { background: #fff8e1; border-left: 4px solid #E69F00; padding: 0.6em 1em; }
.meta { color: #555; } .sentence { font-size: 1.1em; background: #f4f6f8; padding: 0.5em 1em; }
"""


def _e(value) -> str:
    """Any value as text that HTML shows literally (quotes too, for attribute values)."""
    return html.escape(str(value))


def _percent(value) -> str:
    return "-" if value is None else f"{value:.1%}"


def _when(stamp: str | None) -> str:
    """An ISO time from status.json as "2026-01-01 12:00:00 UTC"."""
    if not stamp:
        return "-"
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S") + (" UTC" if moment.tzinfo else "")


def _note(text: str) -> str:
    return f'<p class="note">{_e(text)}</p>'


def _table(header: Sequence[str], rows: Sequence[Sequence], *, numeric: Sequence[int] = (),
           row_classes: Sequence[str] | None = None) -> str:
    """An HTML table; every header and cell escaped, columns ``numeric`` right-aligned."""
    head = "".join(f"<th>{_e(name)}</th>" for name in header)
    body = []
    for index, row in enumerate(rows):
        cells = "".join(
            f'<td class="num">{_e(cell)}</td>' if column in numeric else f"<td>{_e(cell)}</td>"
            for column, cell in enumerate(row))
        css = row_classes[index] if row_classes else ""
        body.append(f'<tr class="{_e(css)}">{cells}</tr>' if css else f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _facts(rows: Sequence[tuple[str, object]]) -> str:
    """A two-column table of names and values, both escaped."""
    body = "".join(f"<tr><th>{_e(name)}</th><td>{_e(value)}</td></tr>" for name, value in rows)
    return f"<table><tbody>{body}</tbody></table>"


def _figure(fig: go.Figure, name: str) -> str:
    """A figure as a div and its drawing script; Plotly's library is in the page head."""
    return fig.to_html(full_html=False, include_plotlyjs=False, div_id=f"figure-{name}",
                       config=FIGURE_CONFIG)


def _section(title: str, *parts: str) -> str:
    return f"<section><h2>{_e(title)}</h2>{''.join(parts)}</section>"


# --- sections -------------------------------------------------------------------------------


def _header(run_dir: Path, status: dict, config: dict) -> str:
    state = status.get("status", "unknown")
    rows = [
        ("Status", state),
        ("Message", status.get("message") or "-"),
        ("Created", _when(status.get("created"))),
        ("Ended", _when(status.get("ended"))),
        ("Device", status.get("device") or "-"),
        ("Epochs", f"{status.get('epochs_done', 0)} of {status.get('epochs') or '?'}"),
        ("Best epoch", format_setting(status.get("best_epoch"))),
        ("Best validation accuracy", _percent(status.get("best_val_accuracy"))),
    ]
    model = config.get("model", {})
    cell = CELL_NAMES.get(model.get("cell"), format_setting(model.get("cell")))
    kind = f"{'bidirectional ' if model.get('bidirectional') else ''}{cell}"
    summary = (f"{'An' if kind.startswith('LSTM') else 'A'} {kind} sentiment classifier "
               f"trained on {format_setting(config.get('data', {}).get('source'))}.")
    parts = [f"<h1>Run report: {_e(run_dir.name)}</h1>",
             f'<p class="meta">{_e(summary)} Written {_e(_when(_now()))} by LSTM Sentiment '
             "Studio.</p>",
             _facts(rows)]
    if state in ACTIVE_STATES:
        parts.append(_note(f"This run was still {state} when this report was written: the "
                           "curves stop at that moment, and the test results and the gate view "
                           "come once it has ended."))
    return "".join(parts)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _data_section(run_dir: Path, config: dict) -> str:
    data = config.get("data", {})
    facts = [("Source", format_setting(data.get("source"))),
             ("Text column", format_setting(data.get("text_col"))),
             ("Label column", format_setting(data.get("label_col")))]
    if data.get("rating_threshold") is not None:
        facts.append(("Ratings above this are positive", format_setting(data["rating_threshold"])))
    if data.get("test_data"):
        facts.append(("Separate test file", format_setting(data["test_data"])))
    parts = [_facts(facts)]
    try:
        frame = pd.read_parquet(run_dir / DATA_FILE, columns=["label", "split"])
    except (OSError, ValueError, KeyError) as exc:  # missing or unreadable data.parquet
        parts.append(_note(f"The run's data file could not be read ({exc})."))
        return _section("Data", *parts)
    counts = pd.crosstab(frame["split"], frame["label"].astype(str))
    classes = list(counts.columns)
    rows = []
    for split in [s for s in SPLITS if s in counts.index] + \
                 [s for s in counts.index if s not in SPLITS]:
        row = counts.loc[split]
        rows.append([split, f"{int(row.sum()):,}", *(f"{int(row[c]):,}" for c in classes)])
    rows.append(["all", f"{len(frame):,}", *(f"{int(counts[c].sum()):,}" for c in classes)])
    parts.append(f"<p>{len(frame):,} labelled texts in {len(classes)} classes, split into "
                 "training (the model learns from these), validation (picks the best epoch) "
                 "and test (held out until the end, for the scores below).</p>")
    parts.append(_table(("split", "texts", *classes), rows, numeric=range(1, len(classes) + 2)))
    return _section("Data", *parts)


def _settings_section(config: dict) -> str:
    rows = [(section, name, format_setting(value), HELP.get(name, ""))
            for section, values in config.items() if isinstance(values, dict)
            for name, value in values.items()]
    return _section("Settings", _table(("section", "setting", "value", "what it does"), rows))


def _curves_section(run_dir: Path) -> str:
    events = read_events(run_dir)
    if not any(e.get("event") in ("batch", "epoch") for e in events):
        return _section("Training curves", _note("No training step was logged for this run."))
    return _section(
        "Training curves",
        "<p>Loss (lower is better) and accuracy on the training texts and on the validation "
        "texts after each epoch. Validation far below training means the model memorises "
        "instead of learning.</p>",
        _figure(training_curves(events), "curves"))


def _metrics_section(run_dir: Path, metrics: dict | None, predictions: pd.DataFrame | None
                     ) -> str:
    if metrics is None:
        return _section("Test results", _note(
            "This run has no test results: it ended before it was tested (stopped early, "
            "failed, or still training)."))
    baseline = metrics.get("baseline") or {}
    labels = [str(label) for label in metrics["labels"]]
    gap = None
    if metrics.get("accuracy") is not None and baseline.get("accuracy") is not None:
        gap = (metrics["accuracy"] - baseline["accuracy"]) * 100
    headline = [
        ("Test texts", f"{metrics.get('examples', 0):,}"),
        ("Accuracy (LSTM)", _percent(metrics.get("accuracy"))),
        ("Accuracy (bag-of-words baseline)", _percent(baseline.get("accuracy"))),
        ("LSTM minus baseline", "-" if gap is None else f"{gap:+.1f} points"),
        ("Macro F1 (LSTM / baseline)",
         f"{_score(metrics.get('macro_f1'))} / {_score(baseline.get('macro_f1'))}"),
        ("ROC AUC", _score(metrics.get("roc_auc"))),
    ]
    per_class = metrics.get("per_class", {})
    base_class = baseline.get("per_class", {})
    class_rows = [(label, _score(per_class[label]["precision"]),
                   _score(per_class[label]["recall"]), _score(per_class[label]["f1"]),
                   f"{per_class[label]['support']:,}",
                   _score(base_class.get(label, {}).get("f1")))
                  for label in labels if label in per_class]
    parts = [
        "<p>Scores on the test texts, which played no part in training or in choosing the "
        "model. The bag-of-words baseline sees which words a text holds and ignores their "
        "order; the gap shows what reading the order is worth on this data.</p>",
        _facts(headline),
        _verdict(run_dir),
        _figure(accuracy_comparison(metrics), "comparison"),
        "<h3>Per class</h3>",
        _table(("class", "precision", "recall", "F1", "texts", "baseline F1"), class_rows,
               numeric=range(1, 6)),
        _figure(confusion_matrix_figure(metrics["confusion_matrix"], labels), "confusion"),
    ]
    if predictions is not None and len(predictions):
        try:
            roc = roc_figure(predictions["label"].tolist(),
                             probability_matrix(predictions, labels), labels)
        except (KeyError, ValueError) as exc:  # a predictions.csv from another label set
            parts.append(_note(f"The ROC curve could not be drawn ({exc})."))
        else:
            parts.append(_figure(roc, "roc"))
    return _section("Test results", *parts)


def _verdict(run_dir: Path) -> str:
    """The model against bag-of-words in a sentence; what to try when it does not beat it."""
    verdict = run_verdict(run_dir)
    if verdict is None:
        return ""
    if verdict.outcome == "better":
        return f'<p class="verdict">{_e(verdict.summary)}</p>'
    tips = "".join(f"<li>{_e(tip)}</li>" for tip in verdict.suggestions)
    return (f'<div class="note verdict"><p>{_e(verdict.summary)}</p><p>What to try:</p>'
            f"<ul>{tips}</ul></div>")


def _score(value) -> str:
    """A score between 0 and 1 with three decimals; a dash when there is none."""
    return "-" if value is None else f"{float(value):.3f}"


def _predictions_section(predictions: pd.DataFrame | None) -> str:
    if predictions is None or not len(predictions):
        return _section("Predictions", _note("No test predictions were saved for this run."))
    wrong = predictions[predictions["label"] != predictions["predicted"]]
    wrong = wrong.sort_values("confidence", ascending=False, kind="stable").head(MISTAKE_ROWS)
    right = predictions[predictions["label"] == predictions["predicted"]]
    shown = pd.concat([right.head(PREDICTION_ROWS - len(wrong)), wrong])
    rows, classes = [], []
    for item in shown.itertuples(index=False):
        text = str(item.text)
        if len(text) > TEXT_CHARS:
            text = text[:TEXT_CHARS - 1] + "…"
        correct = item.label == item.predicted
        rows.append(("✓" if correct else "✗", text, item.label, item.predicted,
                     _percent(float(item.confidence)), getattr(item, "baseline_predicted", "-")))
        classes.append("" if correct else "wrong")
    return _section(
        "Predictions",
        f"<p>{len(shown)} of the {len(predictions):,} test texts: correct ones, then the "
        f"model's most confident mistakes ({len(wrong)} shown, highlighted).</p>",
        _table(("", "text", "true label", "LSTM says", "confidence", "bag-of-words says"),
               rows, numeric=(4,), row_classes=classes))


def _default_sentence(run_dir: Path) -> str | None:
    """The first test text (the first validation text when there is no test split)."""
    try:
        frame = pd.read_parquet(run_dir / DATA_FILE, columns=["text", "split"])
    except (OSError, ValueError, KeyError):
        return None
    for split in ("test", "val"):
        texts = frame.loc[frame["split"] == split, "text"]
        if len(texts):
            return str(texts.iloc[0])
    return None


def _gates_section(run_dir: Path, status: dict, sentence: str | None, run) -> str:
    title = "Inside the network: one sentence"
    if status.get("status") in ACTIVE_STATES:
        return _section(title, _note("The gate view is left out while the run is training."))
    if run is None and not has_model(run_dir):
        return _section(title, _note("This run saved no model, so there is nothing to look "
                                     "inside."))
    sentence = sentence or _default_sentence(run_dir)
    if not sentence:
        return _section(title, _note("There is no sentence to show: give one."))
    if run is None:
        from lstm_core.inspect.run import load_run

        try:
            run = load_run(run_dir)
        except StudioError as exc:
            return _section(title, _note(f"The model could not be loaded: {exc}"))
    prediction = run.predict([sentence])[0]
    trace = run.gates(sentence)
    parts = [f'<p class="sentence">{_e(sentence)}</p>',
             f"<p>The model says <b>{_e(prediction.label)}</b> "
             f"({_percent(prediction.probabilities[prediction.label])}).</p>"]
    if not trace.tokens:
        parts.append(_note("No tokens are left of this sentence after preprocessing."))
        return _section(title, *parts)
    layer = trace.layers[0]  # the first layer, forward: the one that reads the words
    total = layer.values["hidden"].shape[1]
    units = list(range(total)) if total <= GATE_UNITS else most_active_units(layer, GATE_UNITS)
    shown = (f"all {total} units" if total <= GATE_UNITS else
             f"the {GATE_UNITS} most active of {total} units")
    parts += [
        f"<p>How the verdict builds up word by word, then every gate and state of the first "
        f"recurrent layer reading left to right ({_e(shown)}; rows are units, columns "
        "tokens).</p>",
        _figure(trajectory_figure(run.trajectory(sentence)), "trajectory"),
        _figure(gate_heatmaps(layer, trace.tokens, units=units), "gates"),
        "<ul>" + "".join(f"<li><b>{_e(name.replace('_', ' '))}</b>: {_e(EXPLANATIONS[name])}</li>"
                         for name in TRACE_FIELDS.get(layer.cell, ()) if name in EXPLANATIONS)
        + "</ul>",
        *_timelapse(run, sentence, layer),
    ]
    return _section(title, *parts)


def _timelapse(run, sentence: str, layer) -> list[str]:
    """The sentence at every snapshot of training, to play: how the run learned to read it.
    Nothing for a run saved before snapshots were kept."""
    from lstm_core.inspect.timelapse import timelapse

    frames = timelapse(run, sentence)
    if len(frames) < 2:
        return []
    fields = TRACE_FIELDS.get(layer.cell, ())
    field = "forget_gate" if "forget_gate" in fields else fields[0]
    return [f"<p>The same sentence as the run learned it: {len(frames)} snapshots of the weights, "
            "from the initial ones to the end of training. Press Play, or drag the slider.</p>",
            _figure(timelapse_figure(frames, layer=layer.layer, direction=layer.direction,
                                     field=field), "timelapse")]


# --- the page -------------------------------------------------------------------------------


def build_report(run_dir: Path, sentence: str | None = None, *, run=None) -> str:
    """The run's report as one HTML page that needs nothing else (and no network).

    Sections: status, data, settings, training curves, test results (accuracy against the
    bag-of-words baseline, per class, confusion matrix, ROC), a few test predictions including
    mistakes, and the gates of one sentence. A section whose files are missing (a run stopped
    before testing, or still training) says so instead. Loading the model for the gate view
    imports TensorFlow; pass ``run`` to reuse a model that is already loaded.

    Args:
        run_dir: the run directory.
        sentence: the sentence of the gate view; default the run's first test text.
        run: ``load_run(run_dir)`` if the caller has it already.

    Returns:
        The HTML, with Plotly's JavaScript inlined once.

    Raises:
        StudioError: if ``run_dir`` is not a run directory.

    Example:
        >>> Path("report.html").write_text(build_report(resolve_run("20260101-demo-en")))
    """
    run_dir = Path(run_dir)
    if not (run_dir / CONFIG_FILE).is_file():
        raise StudioError(f"{run_dir} is not a run directory (it has no {CONFIG_FILE}).")
    config = read_json(run_dir / CONFIG_FILE)
    try:
        status = read_status(run_dir)
    except StudioError as exc:
        status = {"status": "broken", "message": str(exc)}
    metrics = read_metrics(run_dir)
    predictions = read_predictions(run_dir)
    body = [
        _header(run_dir, status, config),
        _data_section(run_dir, config),
        _settings_section(config),
        _curves_section(run_dir),
        _metrics_section(run_dir, metrics, predictions),
        _predictions_section(predictions),
        _gates_section(run_dir, status, sentence, run),
    ]
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>Run report: {_e(run_dir.name)}</title>\n<style>{STYLE}</style>\n"
        # Plotly's own loader line: no MathJax fetched from a CDN.
        "<script>window.PlotlyConfig = {MathJaxConfig: 'local'};</script>\n"
        f"<script>{get_plotlyjs()}</script>\n</head>\n<body>\n"
        + "\n".join(body) + "\n</body>\n</html>\n"
    )


def write_report(run_dir: Path, out_path: Path, sentence: str | None = None) -> Path:
    """Write ``build_report(run_dir, sentence)`` to ``out_path`` atomically; return the path.

    Raises:
        StudioError: if ``run_dir`` is not a run directory or ``out_path``'s folder is missing.
    """
    out_path = report_path(out_path)
    atomic_write_text(out_path, build_report(run_dir, sentence))
    return out_path


def report_path(out_path: Path) -> Path:
    """``out_path`` with ``~`` expanded, checked before any work: its folder must exist.

    Raises:
        StudioError: if the folder is missing or ``out_path`` is a folder.
    """
    out_path = Path(out_path).expanduser()
    if out_path.is_dir():
        raise StudioError(f"Cannot write the report to {out_path}: it is a folder. Give a file "
                          "name such as report.html.")
    if not out_path.parent.is_dir():
        raise StudioError(f"Cannot write {out_path}: the folder {out_path.parent} does not "
                          "exist. Create it or choose another --out path.")
    return out_path
