"""``runs [--json]``: the run store, newest first."""

from __future__ import annotations

import argparse
import json

from lstm_core.store.runs import list_runs


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print a JSON list")


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def run(args: argparse.Namespace) -> int:
    summaries = list_runs()
    if args.json:
        print(json.dumps([s.to_dict() for s in summaries], indent=2, ensure_ascii=False))
        return 0
    if not summaries:
        print("no runs yet")
        return 0
    print(f"{'run':<40} {'status':<12} {'cell':<10} {'epochs':>6} {'val':>7} {'test':>7}  device")
    for s in summaries:
        print(f"{s.run_id:<40} {s.status:<12} {s.cell:<10} {s.epochs_done:>6} "
              f"{_percent(s.val_accuracy):>7} {_percent(s.test_accuracy):>7}  {s.device}")
        if s.status in ("failed", "broken", "interrupted") and s.message:
            print(f"  {s.message}")
    return 0
