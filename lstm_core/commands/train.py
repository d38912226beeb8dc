"""``train DATA``: train a model in this process, progress on stderr, one JSON line on stdout.

Settings not given on the command line come from the data check (``suggest_settings``), then
from the config defaults, exactly as the app's Train page picks them.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

from lstm_core.cli import RUN_FAILED, SUCCESS
from lstm_core.config import (
    CELLS,
    CLASS_WEIGHTS,
    DEVICES,
    HELP,
    LR_SCHEDULES,
    OPTIMIZERS,
    POOLINGS,
    TOKENIZERS,
    RunConfig,
)
from lstm_core.errors import StudioError

# flag dest -> config section; a flag left out (None) keeps the suggested or default value.
FLAG_SECTIONS = {
    "epochs": "train", "batch_size": "train", "learning_rate": "train", "lr_schedule": "train",
    "seed": "train", "device": "train", "early_stopping": "train", "class_weights": "train",
    "mixed_precision": "train", "optimizer": "train", "bucket_by_length": "train",
    "embed_dim": "model", "units": "model", "layers": "model", "bidirectional": "model",
    "cell": "model", "pooling": "model", "dropout": "model", "recurrent_dropout": "model",
    "max_len": "text", "vocab_size": "text", "tokenizer": "text", "remove_stopwords": "text",
    "val_split": "data", "test_split": "data",
}


def _help(name: str) -> str:
    return HELP[name].replace("%", "%%")  # argparse formats help strings with %


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("data", nargs="?",
                        help="CSV/TSV/JSON/Excel/Parquet file, or demo-en, demo-zh")
    parser.add_argument("--resume", type=Path, metavar="RUN_DIR",
                        help="go on with a stopped, failed or interrupted run from its last "
                        "finished epoch (weights, optimizer state and curves carry on)")
    parser.add_argument("--text-col", help="column with the text (default: guessed)")
    parser.add_argument("--label-col", help="column with the label (default: guessed)")
    parser.add_argument("--encoding", help="text encoding of the data file and --test-data, "
                        "such as cp1251, gbk, big5, shift_jis, euc_kr or latin-1 (default: "
                        "detected)")
    parser.add_argument("--rating-threshold", type=float,
                        help="numeric labels above this are positive, others negative")
    parser.add_argument("--run-dir", type=Path, help="new directory for the run "
                        "(default: a new one in $LSTM_STUDIO_RUNS or ./runs)")
    parser.add_argument("--test-data", type=Path,
                        help="evaluate on this file (same columns) instead of a split")
    parser.add_argument("--demo-rows", type=int, help="rows of demo data to generate")
    switch = {"action": argparse.BooleanOptionalAction, "default": None}
    model = parser.add_argument_group("model")
    model.add_argument("--cell", choices=CELLS, help=_help("cell"))
    model.add_argument("--embed-dim", type=int, help=_help("embed_dim"))
    model.add_argument("--units", type=int, help=_help("units"))
    model.add_argument("--layers", type=int, help=_help("layers"))
    model.add_argument("--bidirectional", help=_help("bidirectional"), **switch)
    model.add_argument("--pooling", choices=POOLINGS, help=_help("pooling"))
    model.add_argument("--dropout", type=float, help=_help("dropout"))
    model.add_argument("--recurrent-dropout", type=float, help=_help("recurrent_dropout"))
    text = parser.add_argument_group("text")
    text.add_argument("--max-len", type=int, help=_help("max_len"))
    text.add_argument("--vocab-size", type=int, help=_help("vocab_size"))
    text.add_argument("--tokenizer", choices=TOKENIZERS, help=_help("tokenizer"))
    text.add_argument("--remove-stopwords", help=_help("remove_stopwords"), **switch)
    train = parser.add_argument_group("training")
    train.add_argument("--epochs", type=int, help=_help("epochs"))
    train.add_argument("--batch-size", type=int, help=_help("batch_size"))
    train.add_argument("--learning-rate", type=float, help=_help("learning_rate"))
    train.add_argument("--lr-schedule", choices=LR_SCHEDULES, help=_help("lr_schedule"))
    train.add_argument("--optimizer", choices=OPTIMIZERS, help=_help("optimizer"))
    train.add_argument("--early-stopping", type=int, help=_help("early_stopping"))
    train.add_argument("--class-weights", choices=CLASS_WEIGHTS, help=_help("class_weights"))
    train.add_argument("--seed", type=int, help=_help("seed"))
    train.add_argument("--val-split", type=float, help=_help("val_split"))
    train.add_argument("--test-split", type=float, help=_help("test_split"))
    train.add_argument("--device", choices=DEVICES, help=_help("device"))
    train.add_argument("--mixed-precision", help=_help("mixed_precision"), **switch)
    train.add_argument("--bucket-by-length", help=_help("bucket_by_length"), **switch)


def build_config(args: argparse.Namespace, suggested: dict, text_col: str, label_col: str
                 ) -> RunConfig:
    """Defaults, overlaid with the data check's suggestions, overlaid with the given flags."""
    sections: dict[str, dict] = {name: dict(values) for name, values in suggested.items()}
    sections.setdefault("data", {}).update(
        source=str(args.data), text_col=text_col, label_col=label_col,
        rating_threshold=args.rating_threshold, encoding=args.encoding,
        test_data=str(args.test_data) if args.test_data else None,
    )
    for dest, section in FLAG_SECTIONS.items():
        value = getattr(args, dest)
        if value is not None:
            sections.setdefault(section, {})[dest] = value
    if args.seed is not None:
        sections["data"]["seed"] = args.seed
    if args.test_data:
        sections["data"]["test_split"] = 0.0
    return RunConfig.from_dict(sections)


def run(args: argparse.Namespace) -> int:
    from lstm_core.config import TextConfig
    from lstm_core.data.check import check_examples, suggest_settings
    from lstm_core.data.examples import to_examples
    from lstm_core.data.read import read_table, text_encoding
    from lstm_core.data.sources import load_source
    from lstm_core.training.train import create_run

    def say(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    started = time.perf_counter()
    if args.resume is not None:
        return _resume(args, say, started)
    if args.data is None:
        raise StudioError("Name a data file (or demo-en, demo-zh), or --resume RUN_DIR.")
    build_config(args, {}, "text", "label")  # bad flags fail here, before any work or output
    examples = load_source(str(args.data), args.text_col, args.label_col,
                           rating_threshold=args.rating_threshold, demo_rows=args.demo_rows,
                           seed=args.seed or 0, encoding=args.encoding)
    text_col, label_col = examples.text_col, examples.label_col
    text_flags = {k: getattr(args, k) for k in ("tokenizer", "remove_stopwords")}
    text_config = TextConfig(**{k: v for k, v in text_flags.items() if v is not None})
    report = check_examples(examples.frame, text_config, dropped=examples.dropped,
                            rows_total=examples.rows_total, encoding=examples.encoding)
    say(f"data: {report.rows_kept} rows kept of {report.rows_total}, classes "
        f"{report.class_counts}, median length {report.length_percentiles['p50']} tokens")
    if examples.encoding is not None:
        say(f"encoding: {examples.encoding.describe()}")
    for warning in report.warnings:
        say(f"warning: {warning}")
    config = build_config(args, suggest_settings(report), text_col, label_col)
    if examples.encoding is not None:  # the run records the encoding used, given or detected
        config = replace(config, data=replace(config.data, encoding=examples.encoding.name))
    test = examples.test_frame
    if args.test_data:
        test_table = read_table(args.test_data, encoding=args.encoding)
        found = text_encoding(test_table)
        if found is not None and found.uncertain:
            say(f"warning: {args.test_data.name}: {found.warning()}")
        test, _ = to_examples(test_table, text_col, label_col,
                              rating_threshold=args.rating_threshold, min_per_class=1)
    for reason in config.model.cudnn_blockers():
        say(f"note: {reason}")
    run_dir = create_run(config, examples.frame, test, run_dir=args.run_dir)
    say(f"run directory: {run_dir}")
    return _train_and_report(run_dir, say, started)


def _resume(args: argparse.Namespace, say, started: float) -> int:
    from lstm_core.store.runs import find_run
    from lstm_core.training.train import reopen_run

    given = [f"--{name.replace('_', '-')}" for name in (*FLAG_SECTIONS, "test_data", "encoding")
             if getattr(args, name) is not None] + ([args.data] if args.data else [])
    if given:
        raise StudioError(f"--resume goes on with the run's own data and settings; leave out "
                          f"{', '.join(given)}.")
    run_dir = find_run(args.resume)
    say(f"run directory: {run_dir}: resuming after epoch {reopen_run(run_dir)}")
    return _train_and_report(run_dir, say, started)


def _train_and_report(run_dir: Path, say, started: float) -> int:
    from lstm_core.fileio import read_json
    from lstm_core.store.events import mean_samples_per_s, read_events
    from lstm_core.store.runs import METRICS_FILE
    from lstm_core.training.train import train_run

    error = None
    try:
        status = train_run(run_dir, progress=say)
    except StudioError as exc:
        error, status = exc, read_json(run_dir / "status.json")
    metrics_path = run_dir / METRICS_FILE
    metrics = read_json(metrics_path) if metrics_path.exists() else {}
    print(json.dumps({
        "run_dir": str(run_dir),
        "status": status["status"],
        "message": status.get("message", ""),
        "epochs": status.get("epochs_done", 0),
        "best_epoch": status.get("best_epoch"),
        "val_accuracy": status.get("best_val_accuracy"),
        "test_accuracy": metrics.get("accuracy"),
        "baseline_test_accuracy": metrics.get("baseline", {}).get("accuracy"),
        "samples_per_s": mean_samples_per_s(read_events(run_dir)),
        "device": status.get("device"),
        "wall_s": round(time.perf_counter() - started, 2),
    }, ensure_ascii=False))
    if error is not None:
        raise error
    return SUCCESS if status["status"] in ("finished", "stopped") else RUN_FAILED
