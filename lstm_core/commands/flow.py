"""``flow RUN_DIR TEXT [--label L] [--json]``: the size of the loss's gradient at each token.

With ``--json``, ``GradientFlow.to_dict()``: {tokens, label, loss, layers: [{layer, direction,
norms: [one per token]}]}; the first layer is ("embedding", "input"), the token vectors, then
each recurrent layer's hidden state per direction. Without it, one line per layer and direction.
"""

from __future__ import annotations

import argparse
import json

from lstm_core.cli import SUCCESS
from lstm_core.commands.predict import RUN_HELP, open_run


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run", metavar="RUN_DIR", help=RUN_HELP)
    parser.add_argument("text", metavar="TEXT", help="one text, quoted")
    parser.add_argument("--label", help="the class whose loss is differentiated (default: the "
                        "predicted one)")
    parser.add_argument("--json", action="store_true",
                        help="print {tokens, label, loss, layers: [{layer, direction, norms: "
                             "[one per token]}]}")


def run(args: argparse.Namespace) -> int:
    flow = open_run(args.run).gradient_flow(args.text, label=args.label)
    if args.json:
        print(json.dumps(flow.to_dict(), ensure_ascii=False))
        return SUCCESS
    print(f"tokens ({len(flow.tokens)}): {' '.join(flow.tokens)}")
    print(f"loss -log p({flow.label}) = {flow.loss:.4f}; gradient norm per token:")
    for layer in flow.layers:
        norms = " ".join(f"{n:.2e}" for n in layer.norms)
        print(f"  {layer.layer} {layer.direction}: {norms}")
    return SUCCESS
