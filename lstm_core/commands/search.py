"""``search DATA --budget-min N``: find good settings in N minutes, progress on stderr, one JSON
line on stdout.

The search starts from the data check's suggestion (the settings ``train`` would use), lets Optuna
vary the model and training settings, trains each trial as an ordinary run, prunes poor ones from
their validation curve, picks the winner on validation only and tests it once on held-out texts.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

from lstm_core.cli import RUN_FAILED, SUCCESS
from lstm_core.config import DEFAULT_SPLIT_SEED, SPLIT_SEED_HELP
from lstm_core.errors import StudioError
from lstm_core.store import runs
from lstm_core.tf_startup import stderr_copy

EPILOG = """\
output: the last line on stdout is one JSON object:
  search_dir, status   the search's directory (for --resume) and how it ended
  best_run_dir         the winning trial's run (predict, report, gates work on it)
  best_settings        the winner's whole model, train and text sections of config.json
  val_accuracy         the winner's validation accuracy, which chose it
  test_accuracy        its accuracy on the held-out texts, tested once (null until the end)
  baseline_test_accuracy  the bag-of-words baseline on the same texts
  trials, pruned       trials run, and how many of them were pruned
  wall_s               seconds the search has run, all its sessions together
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = EPILOG
    parser.add_argument("data", nargs="?",
                        help="CSV/TSV/JSON/Excel/Parquet file, or demo-en, demo-zh")
    parser.add_argument("--budget-min", type=float, metavar="N",
                        help="wall-clock minutes for the whole search, from reading the data to "
                        "the winner's test (fractions allowed: 0.5 is 30 s)")
    parser.add_argument("--text-col", help="column with the text (default: guessed)")
    parser.add_argument("--label-col", help="column with the label (default: guessed)")
    parser.add_argument("--test-data", type=Path,
                        help="test the winner on this file (same columns) instead of a held-out "
                        "share of DATA")
    parser.add_argument("--encoding", help="text encoding of the data file and --test-data "
                        "(default: detected)")
    parser.add_argument("--rating-threshold", type=float,
                        help="numeric labels above this are positive, others negative")
    parser.add_argument("--seed", type=int,
                        help="seeds every trial and Optuna's sampler (default 42); the split of "
                        "the texts keeps the data's split seed, as every run's does")
    parser.add_argument("--split-seed", type=int, metavar="N",
                        help=f"{SPLIT_SEED_HELP} (default {DEFAULT_SPLIT_SEED})")
    parser.add_argument("--max-trials", type=int, metavar="N",
                        help="stop after N trials even with time left")
    parser.add_argument("--parallel", type=int, metavar="N",
                        help="train up to N trials at once (default: as many as the trials' "
                        "executor can: 1 on this machine, where jobs share its training slots)")
    parser.add_argument("--demo-rows", type=int, help="rows of demo data to generate")
    parser.add_argument("--resume", type=Path, metavar="SEARCH_DIR",
                        help="go on with a stopped, failed or interrupted search for the time it "
                        "has left (same study: trial numbers go on)")


def run(args: argparse.Namespace) -> int:
    # The search loads TensorFlow in a thread of its own while trials run, with descriptor 2
    # held back meanwhile; its lines go through a copy of stderr, or they would be lost then.
    with stderr_copy() as stderr:
        def say(line: str) -> None:
            print(line, file=stderr, flush=True)

        started = time.perf_counter()
        if args.resume is not None:
            search_dir = _reopen(args, say)
        else:
            search_dir = _create(args, say)
            # The budget covers reading and checking the data too, not only the trials.
            runs.write_status(search_dir, spent_s=round(time.perf_counter() - started, 2))
        return _search_and_report(search_dir, say)


def _budget_s(budget_min: float | None) -> float:
    if budget_min is None:
        raise StudioError("Give the search's time with --budget-min N (minutes), or --resume "
                          "SEARCH_DIR.")
    if not (math.isfinite(budget_min) and budget_min > 0):
        raise StudioError(f"--budget-min must be a number of minutes above 0, such as 10 or "
                          f"0.5; got {budget_min}.")
    return budget_min * 60


def _create(args: argparse.Namespace, say) -> Path:
    from lstm_core.commands.train import read_data
    from lstm_core.config import RunConfig, TextConfig
    from lstm_core.data.check import suggest_settings
    from lstm_core.search.directory import SearchSettings, create_search
    from lstm_core.search.space import SearchSpace

    if args.data is None:
        raise StudioError("Name a data file (or demo-en, demo-zh), or --resume SEARCH_DIR.")
    budget_s = _budget_s(args.budget_min)
    if args.max_trials is not None and args.max_trials < 1:
        raise StudioError(f"--max-trials must be at least 1; got {args.max_trials}.")
    if args.parallel is not None and args.parallel < 1:
        raise StudioError(f"--parallel must be at least 1; got {args.parallel}.")
    examples, report, test = read_data(args, TextConfig(), say)
    sections = suggest_settings(report)
    seed = 42 if args.seed is None else args.seed
    sections["data"] = {
        "source": str(args.data), "text_col": examples.text_col,
        "label_col": examples.label_col, "rating_threshold": args.rating_threshold,
        "encoding": examples.encoding.name if examples.encoding else args.encoding,
        "test_data": str(args.test_data) if args.test_data else None,
    }
    if args.split_seed is not None:
        sections["data"]["split_seed"] = args.split_seed
    if test is not None:
        sections["data"]["test_split"] = 0.0
    sections["train"] = {**sections.get("train", {}), "seed": seed}
    base = RunConfig.from_dict(sections)
    settings = SearchSettings(base=base, space=SearchSpace.around(base), budget_s=budget_s,
                              max_trials=args.max_trials, parallel=args.parallel)
    return create_search(settings, examples.frame, test)


def _reopen(args: argparse.Namespace, say) -> Path:
    from lstm_core.search.directory import find_search, reopen_search

    given = [flag for flag, name in (
        ("--budget-min", "budget_min"), ("--text-col", "text_col"), ("--label-col", "label_col"),
        ("--test-data", "test_data"), ("--encoding", "encoding"),
        ("--rating-threshold", "rating_threshold"), ("--seed", "seed"),
        ("--split-seed", "split_seed"), ("--max-trials", "max_trials"),
        ("--parallel", "parallel"), ("--demo-rows", "demo_rows"))
        if getattr(args, name) is not None]
    given += [args.data] if args.data else []
    if given:
        raise StudioError(f"--resume goes on with the search's own data, settings and budget; "
                          f"leave out {', '.join(given)}.")
    search_dir = find_search(args.resume)
    reopen_search(search_dir)
    say(f"resuming search {search_dir.name}")
    return search_dir


def _search_and_report(search_dir: Path, say) -> int:
    from lstm_core.search.directory import read_result
    from lstm_core.search.runner import run_search
    from lstm_core.search.table import choose_winner, trial_rows

    error = None
    try:
        status = run_search(search_dir, progress=say)
    except StudioError as exc:
        from lstm_core.search.directory import read_search_status

        error, status = exc, read_search_status(search_dir)
    result = read_result(search_dir) if status["status"] == "finished" else None
    if result is None:  # stopped or failed: the leader so far, untested
        rows = trial_rows(search_dir)
        leader = choose_winner(rows)
        result = {
            "search_dir": str(search_dir),
            "best_run_dir": _run_dir(leader),
            "best_trial": leader.number if leader else None,
            "best_settings": _settings_of(leader),
            "val_accuracy": leader.val_accuracy if leader else None,
            "test_accuracy": None, "baseline_test_accuracy": None,
            "trials": sum(r.state in ("finished", "pruned", "failed") for r in rows),
            "pruned": sum(r.state == "pruned" for r in rows),
            "wall_s": status.get("spent_s"),
        }
    print(json.dumps({**result, "status": status["status"],
                      "message": status.get("message", "")}, ensure_ascii=False))
    if error is not None:
        raise error
    return SUCCESS if status["status"] in ("finished", "stopped") else RUN_FAILED


def _run_dir(row) -> str | None:
    from lstm_core.store.runs import resolve_run

    try:
        return str(resolve_run(row.run_id)) if row is not None else None
    except StudioError:  # deleted since
        return None


def _settings_of(row) -> dict | None:
    from lstm_core.fileio import read_json
    from lstm_core.search.runner import SEARCHED_SECTIONS
    from lstm_core.store.runs import CONFIG_FILE

    run_dir = _run_dir(row)
    if run_dir is None:
        return None
    config = read_json(Path(run_dir) / CONFIG_FILE)
    return {section: config[section] for section in SEARCHED_SECTIONS}
