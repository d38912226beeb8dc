"""``demo-data --out FILE``: the built-in demo sentences as a CSV with columns text,label."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lstm_core.data.demo import DEFAULT_ROWS, write_demo_csv


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", required=True, type=Path, help="CSV file to write")
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS, help="number of sentences")
    parser.add_argument("--lang", choices=("en", "zh"), default="en", help="language")
    parser.add_argument("--seed", type=int, default=0, help="same seed, same sentences")


def run(args: argparse.Namespace) -> int:
    write_demo_csv(args.out, rows=args.rows, lang=args.lang, seed=args.seed)
    print(f"wrote {args.rows} rows to {args.out}", file=sys.stderr)
    return 0
