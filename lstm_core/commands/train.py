"""``train DATA``: train a model in this process, progress on stderr, one JSON line on stdout.

Settings not given on the command line come from the data check (``suggest_settings``), then
from the config defaults, exactly as the app's Train page picks them.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from lstm_core.cli import RUN_FAILED, SUCCESS
from lstm_core.config import SECTIONS, RunConfig, Setting, declared
from lstm_core.errors import StudioError

# Config section -> the argument group that lists its flags, in --help's order; a section not
# named here gets a group of its own name, after these.
FLAG_GROUPS = {"model": "model", "text": "text", "train": "training", "data": "training"}


def setting_flags(sections: Mapping[str, type] | None = None) -> list[tuple[str, Setting]]:
    """(section, setting) for every setting declared with a flag, in --help's order."""
    sections = SECTIONS if sections is None else sections
    order = [name for name in FLAG_GROUPS if name in sections]
    order += [name for name in sections if name not in FLAG_GROUPS]
    return [(section, item) for section, item in declared({name: sections[name] for name in order})
            if item.spec.flag]


def add_setting_flags(parser: argparse.ArgumentParser,
                      sections: Mapping[str, type] | None = None) -> None:
    """One flag per declared setting, in its section's group; left out, it stays None."""
    groups: dict[str, Any] = {}
    for section, item in setting_flags(sections):
        title = FLAG_GROUPS.get(section, section)
        if title not in groups:
            groups[title] = parser.add_argument_group(title)
        options: dict[str, Any] = {"help": item.spec.help.replace("%", "%%")}  # % formats
        if item.kind is bool:
            options.update(action=argparse.BooleanOptionalAction, default=None)
        elif item.spec.choices is not None:
            options["choices"] = item.spec.choices
        else:
            options["type"] = item.kind
        groups[title].add_argument(item.flag, dest=item.name, **options)


def flag_values(args: argparse.Namespace,
                sections: Mapping[str, type] | None = None) -> dict[str, dict]:
    """The settings given as flags, by section: ``{"model": {"units": 8}, ...}``."""
    given: dict[str, dict] = {}
    for section, item in setting_flags(sections):
        value = getattr(args, item.name)
        if value is not None:
            given.setdefault(section, {})[item.name] = value
    return given


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
    parser.add_argument("--author", metavar="NAME",
                        help="who trains the run, as the runs list and the Class page show it")
    parser.add_argument("--detach", action="store_true",
                        help="start the run in a process of its own through the app's job queue "
                        "and return at once; the last stdout line is JSON with run_dir and "
                        "status (\"queued\"); follow it with `runs` or in the app (Train "
                        "?run=<id>)")
    add_setting_flags(parser)


def build_config(args: argparse.Namespace, suggested: dict, text_col: str, label_col: str
                 ) -> RunConfig:
    """Defaults, overlaid with the data check's suggestions, overlaid with the given flags."""
    sections: dict[str, dict] = {name: dict(values) for name, values in suggested.items()}
    sections.setdefault("data", {}).update(
        source=str(args.data), text_col=text_col, label_col=label_col,
        rating_threshold=args.rating_threshold, encoding=args.encoding,
        test_data=str(args.test_data) if args.test_data else None,
    )
    for section, values in flag_values(args).items():
        sections.setdefault(section, {}).update(values)
    if args.test_data:
        sections["data"]["test_split"] = 0.0
    return RunConfig.from_dict(sections)


def read_data(args: argparse.Namespace, text_config, say, *, tokenizer_given: bool = False):
    """(examples, data check, test examples or None) from the data flags, with the data check's
    findings said on the way (as ``train`` and ``search`` report them). Unless the tokenizer was
    given, the one suggested for the texts reads them, as the run will."""
    from lstm_core.data.check import check_examples, suggest_tokenizer
    from lstm_core.data.examples import to_examples
    from lstm_core.data.read import read_table, text_encoding
    from lstm_core.data.sources import load_source

    examples = load_source(str(args.data), args.text_col, args.label_col,
                           rating_threshold=args.rating_threshold, demo_rows=args.demo_rows,
                           encoding=args.encoding)
    if not tokenizer_given:
        text_config = replace(text_config, tokenizer=suggest_tokenizer(examples.frame["text"]))
    test = examples.test_frame
    if args.test_data:  # read before the check, whose suggested max_len covers the test texts
        test_table = read_table(args.test_data, encoding=args.encoding)
        found = text_encoding(test_table)
        if found is not None and found.uncertain:
            say(f"warning: {args.test_data.name}: {found.warning()}")
        test, _ = to_examples(test_table, examples.text_col, examples.label_col,
                              rating_threshold=args.rating_threshold, min_per_class=1)
    report = check_examples(examples.frame, text_config, test_examples=test,
                            dropped=examples.dropped, rows_total=examples.rows_total,
                            encoding=examples.encoding)
    say(f"data: {report.rows_kept} rows kept of {report.rows_total}, classes "
        f"{report.class_counts}, median length {report.length_percentiles['p50']} tokens")
    if examples.encoding is not None:
        say(f"encoding: {examples.encoding.describe()}")
    for warning in report.warnings:
        say(f"warning: {warning}")
    return examples, report, test


def run(args: argparse.Namespace) -> int:
    from lstm_core.config import TextConfig
    from lstm_core.data.check import suggest_settings
    from lstm_core.store.runs import clean_author
    from lstm_core.training.train import create_run

    def say(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    started = time.perf_counter()
    if args.resume is not None:
        return _resume(args, say, started)
    if args.data is None:
        raise StudioError("Name a data file (or demo-en, demo-zh), or --resume RUN_DIR.")
    build_config(args, {}, "text", "label")  # bad flags fail here, before any work or output
    clean_author(args.author)
    examples, report, test = read_data(args, TextConfig(**flag_values(args).get("text", {})), say,
                                       tokenizer_given=args.tokenizer is not None)
    config = build_config(args, suggest_settings(report), examples.text_col, examples.label_col)
    if examples.encoding is not None:  # the run records the encoding used, given or detected
        config = replace(config, data=replace(config.data, encoding=examples.encoding.name))
    for reason in config.model.cudnn_blockers():
        say(f"note: {reason}")
    run_dir = create_run(config, examples.frame, test, run_dir=args.run_dir, author=args.author)
    say(f"run directory: {run_dir}")
    if args.detach:
        return _start_detached(run_dir)
    return _train_and_report(run_dir, say, started)


def _resume(args: argparse.Namespace, say, started: float) -> int:
    from lstm_core.store.runs import find_run
    from lstm_core.training.train import reopen_run

    given = [item.flag for _, item in setting_flags() if getattr(args, item.name) is not None]
    given += [flag for flag, name in (("--test-data", "test_data"), ("--encoding", "encoding"),
                                      ("--author", "author"))
              if getattr(args, name) is not None]
    given += [args.data] if args.data else []
    if given:
        raise StudioError(f"--resume goes on with the run's own data and settings; leave out "
                          f"{', '.join(given)}.")
    run_dir = find_run(args.resume)
    say(f"run directory: {run_dir}: resuming after epoch {reopen_run(run_dir)}")
    if args.detach:
        return _start_detached(run_dir)
    return _train_and_report(run_dir, say, started)


def _start_detached(run_dir: Path) -> int:
    """The app's path to a job: its own process, queued for a slot like every other job."""
    from lstm_core.jobs.process import start_job
    from lstm_core.store.runs import read_status

    start_job(run_dir)
    print(json.dumps({"run_dir": str(run_dir), "status": read_status(run_dir)["status"]},
                     ensure_ascii=False))
    return SUCCESS


def _train_and_report(run_dir: Path, say, started: float) -> int:
    from lstm_core.fileio import read_json
    from lstm_core.store.events import mean_samples_per_s, read_events
    from lstm_core.store.results import run_verdict
    from lstm_core.store.runs import METRICS_FILE
    from lstm_core.training.train import train_run

    error = None
    try:
        status = train_run(run_dir, progress=say)
    except StudioError as exc:
        error, status = exc, read_json(run_dir / "status.json")
    metrics_path = run_dir / METRICS_FILE
    metrics = read_json(metrics_path) if metrics_path.exists() else {}
    verdict = run_verdict(run_dir)
    if verdict is not None:
        say(f"verdict: {verdict.line()}")
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
