"""``gates RUN_DIR TEXT [--at-epoch E] [--json]``: every gate and state of every recurrent layer,
per token; with ``--at-epoch``, as they were at that point of training.

With ``--json``, ``GateTrace.to_dict()``: {tokens, token_ids, layers: [{layer, direction, <field>:
[[value per unit] per token]}]}, where the fields are what the cell has (LSTM: input_gate,
forget_gate, candidate, output_gate, cell, hidden; GRU: update_gate, reset_gate, candidate,
hidden; SimpleRNN: hidden). Without it, a short summary: the tokens, and per layer and direction
the shape and mean of each field.
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from lstm_core.cli import SUCCESS
from lstm_core.commands.predict import AT_EPOCH_HELP, RUN_HELP, open_run


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run", metavar="RUN_DIR", help=RUN_HELP)
    parser.add_argument("text", metavar="TEXT", help="one text, quoted")
    parser.add_argument("--at-epoch", type=float, metavar="E", help=AT_EPOCH_HELP)
    parser.add_argument("--json", action="store_true",
                        help="print every value: {tokens, token_ids, layers: [{layer, "
                             "direction, <gate>: [[value per unit] per token]}]}")


def run(args: argparse.Namespace) -> int:
    trace = open_run(args.run, args.at_epoch).gates(args.text)
    if args.json:
        # Compact: a 100-token text through a 128-unit LSTM is ~77,000 numbers.
        print(json.dumps(trace.to_dict(), ensure_ascii=False, separators=(",", ":")))
        return SUCCESS
    print(f"tokens ({len(trace.tokens)}): {' '.join(trace.tokens)}")
    if not trace.tokens:
        print("no tokens were left after preprocessing, so there is nothing to trace")
        return SUCCESS
    for layer in trace.layers:
        print(f"{layer.layer} {layer.direction} ({layer.cell}; shape = tokens x units)")
        width = max(len(name) for name in layer.values)
        for name, values in layer.values.items():
            values = np.asarray(values)
            shape = " x ".join(str(n) for n in values.shape)
            print(f"  {name:<{width}}  {shape:>9}  mean {values.mean():+.3f}  "
                  f"min {values.min():+.3f}  max {values.max():+.3f}")
    return SUCCESS
