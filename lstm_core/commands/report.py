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
from lstm_core.errors import StudioError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run", metavar="RUN_DIR", help=RUN_HELP)
    parser.add_argument("--out", required=True, type=Path, metavar="FILE.html",
                        help="where to write the report (its folder must exist)")
    parser.add_argument("--sentence", metavar="TEXT",
                        help="the sentence whose gates are shown (default: the first test text)")


def run_dir(spec: str) -> Path:
    """A run directory given as a path, or as the id of a run in the run store.

    Unlike ``predict``, a run without a saved model is accepted: its report says so.
    """
    from lstm_core import runs

    path = Path(spec).expanduser()
    if not path.exists():
        if len(path.parts) > 1:  # a path, not an id: say so rather than "not a valid run id"
            raise StudioError(f"{spec} does not exist. Give a run directory or a run id "
                              "(see 'runs').")
        path = runs.resolve_run(spec)
    if not (path / runs.CONFIG_FILE).is_file():
        raise StudioError(f"{spec} is not a run directory (it has no {runs.CONFIG_FILE}).")
    return path


def run(args: argparse.Namespace) -> int:
    from lstm_core import runs
    from lstm_core.report import report_path, write_report

    path = run_dir(args.run)
    out = report_path(args.out)  # a wrong --out fails here, before TensorFlow loads
    if (path / runs.MODEL_FILE).is_file():
        from lstm_core.device import configure_device

        configure_device("auto")  # the gate view loads the model; GPU memory grows on demand
    print(write_report(path, out, sentence=args.sentence))
    return SUCCESS
