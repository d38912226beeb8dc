"""``report RUN_DIR --out FILE.html [--sentence TEXT]``: a run's report as one HTML file.

The file needs nothing else to open, not even a network connection: data summary, settings,
training curves, test results, a few predictions and the gates of one sentence, with interactive
figures. The path written is printed on stdout.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from lstm_core.cli import SUCCESS
from lstm_core.commands.predict import RUN_HELP


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run", metavar="RUN_DIR", help=RUN_HELP)
    parser.add_argument("--out", required=True, type=Path, metavar="FILE.html",
                        help="where to write the report (its folder must exist)")
    parser.add_argument("--sentence", metavar="TEXT",
                        help="the sentence whose gates are shown (default: the first test text)")


def run(args: argparse.Namespace) -> int:
    from lstm_core.figures.report import report_path, write_report
    from lstm_core.store import runs

    path = runs.find_run(args.run)  # a run without a model is accepted: its report says so
    out = report_path(args.out)  # a wrong --out fails here, before TensorFlow loads
    if runs.has_model(path):
        from lstm_core.model.device import configure_device

        configure_device("auto")  # the gate view loads the model; GPU memory grows on demand
    print(write_report(path, out, sentence=args.sentence))
    return SUCCESS
