"""``python -m lstm_core``: a table of subcommands, each imported only when it is run.

Like pip's CLI: ``--help`` and ``runs`` never import TensorFlow; only the command that trains or
predicts does, and its start-up log stays off the terminal. One error boundary turns a user's
mistake into one ``error:`` line and exit status 2; ``--debug`` shows the traceback instead, and
TensorFlow's log.
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import sys
from typing import NamedTuple

from lstm_core.errors import StudioError
from lstm_core.tf_startup import silence_tensorflow_startup

SUCCESS = 0
RUN_FAILED = 1
USER_ERROR = 2
INTERRUPTED = 130


class Command(NamedTuple):
    module: str
    summary: str


COMMANDS: dict[str, Command] = {
    "demo-data": Command("lstm_core.commands.demo_data", "Write the built-in demo data as CSV."),
    "train": Command("lstm_core.commands.train", "Train a model on a labelled file."),
    "search": Command("lstm_core.commands.search",
                      "Find good settings for a labelled file within a time budget."),
    "runs": Command("lstm_core.commands.runs", "List the runs in the run store."),
    "predict": Command("lstm_core.commands.predict", "Classify texts with a trained run."),
    "gates": Command("lstm_core.commands.gates", "Show a run's gates and states, token by token."),
    "flow": Command("lstm_core.commands.flow",
                    "Show how far the loss's gradient reaches back, token by token."),
    "score": Command("lstm_core.commands.score", "Predict every row of a file into a CSV."),
    "report": Command("lstm_core.commands.report", "Write a run's report as one HTML file."),
}


class Parser(argparse.ArgumentParser):
    """argparse that reports a bad argument as one ``error:`` line, exit status 2."""

    def error(self, message: str):
        raise StudioError(f"{message} (see '{self.prog} --help')")


def _main_parser() -> Parser:
    listing = "\n".join(f"  {name:<12} {cmd.summary}" for name, cmd in COMMANDS.items())
    parser = Parser(
        prog="python -m lstm_core",
        description="LSTM Sentiment Studio engine: train and inspect sentiment models.",
        epilog=f"commands:\n{listing}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--debug", action="store_true",
                        help="show tracebacks of errors and TensorFlow's start-up log")
    parser.add_argument("command", help="one of the commands below")
    parser.add_argument("args", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    return parser


def _command(name: str) -> Command:
    if name in COMMANDS:
        return COMMANDS[name]
    close = difflib.get_close_matches(name, COMMANDS, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise StudioError(f"unknown command {name!r}.{hint} Commands: {', '.join(COMMANDS)}.")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    debug = "--debug" in argv
    if not debug:
        silence_tensorflow_startup()
    try:
        top = _main_parser().parse_args(argv)
        command = _command(top.command)
        module = importlib.import_module(command.module)
        parser = Parser(prog=f"python -m lstm_core {top.command}", description=command.summary)
        module.add_arguments(parser)
        return module.run(parser.parse_args(top.args))
    except StudioError as exc:
        if debug:
            raise
        print(f"error: {exc}", file=sys.stderr)
        return USER_ERROR
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return INTERRUPTED
