"""``predict RUN_DIR TEXT... [--at-epoch E] [--json]``: each text's label and probabilities.

RUN_DIR is a run directory, or the id of a run in the run store (``runs`` lists them); with
``--at-epoch`` the run answers as it was at that point of training, not with its best model.
Without ``--json`` a table (text, label, confidence, flag); with it, a JSON list of
``Prediction.to_dict()``: {text, label, probabilities: {class: p}, tokens, unknown_tokens, flag}.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from lstm_core.cli import SUCCESS
from lstm_core.errors import StudioError

RUN_HELP = "run directory, or the id of a run in $LSTM_STUDIO_RUNS or ./runs (see 'runs')"
TEXT_WIDTH = 50  # characters of each text shown in the table
AT_EPOCH_HELP = ("answer as the run was at epoch E of training (a float: 0 = the initial "
                 "weights, 0.1 = a tenth of the first epoch; the last snapshot at or before E) "
                 "instead of with its best model")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run", metavar="RUN_DIR", help=RUN_HELP)
    parser.add_argument("texts", metavar="TEXT", nargs="+", help="texts to classify; quote each")
    parser.add_argument("--at-epoch", type=float, metavar="E", help=AT_EPOCH_HELP)
    parser.add_argument("--json", action="store_true",
                        help="print a JSON list of {text, label, probabilities, tokens, flag}")


def run_path(spec: str, epoch: float | None = None) -> Path:
    """The directory of ``spec`` (see ``runs.find_run``), which must hold a saved model, and a
    snapshot at or before ``epoch`` when one is asked for.

    Raises:
        StudioError: not a run, a run without a saved model, or ``epoch`` outside its snapshots.
    """
    from lstm_core.store import runs
    from lstm_core.store.snapshots import snapshot_at

    path = runs.find_run(spec)
    # load_run checks this too; checked here, a wrong directory fails before TensorFlow loads.
    if not runs.has_model(path):
        raise StudioError(f"Run {path.name} has no saved model yet; wait for its first epoch to "
                          "finish, or pick another run (see 'runs').")
    if epoch is not None:
        snapshot_at(path, epoch)
    return path


def open_run(spec: str, epoch: float | None = None):
    """Load the run named by ``spec`` (see ``run_path``) for prediction, as ``lstm_core.Run``;
    with ``epoch``, the run as it was then (``Run.at_epoch``).

    GPU memory grows on demand, so predicting beside a training job does not take the whole
    card from it.
    """
    path = run_path(spec, epoch)
    from lstm_core.inspect.run import load_run
    from lstm_core.model.device import configure_device

    configure_device("auto")
    loaded = load_run(path)
    return loaded if epoch is None else loaded.at_epoch(epoch)


def _short(text: str, width: int = TEXT_WIDTH) -> str:
    text = " ".join(text.split())  # line breaks and tabs would break the table
    return text if len(text) <= width else text[:width - 1] + "…"


def run(args: argparse.Namespace) -> int:
    from lstm_core.inspect.run import FLAG_MEANINGS

    loaded = open_run(args.run, args.at_epoch)
    predictions = loaded.predict(args.texts)
    if args.json:
        print(json.dumps([p.to_dict() for p in predictions], indent=2, ensure_ascii=False))
        return SUCCESS
    label_width = max(len("label"), *(len(label) for label in loaded.labels))
    print(f"{'text':<{TEXT_WIDTH}}  {'label':<{label_width}}  {'confidence':>10}  flag")
    for p in predictions:
        confidence = p.probabilities[p.label]
        print(f"{_short(p.text):<{TEXT_WIDTH}}  {p.label:<{label_width}}  {confidence:>10.1%}  "
              f"{p.flag or '-'}")
    for flag in sorted({p.flag for p in predictions if p.flag}):
        print(f"{flag}: {FLAG_MEANINGS.get(flag, flag)}; the label comes from the model's "
              "biases alone.")
    return SUCCESS
