"""Entry point of a search process: ``python -m lstm_core.search.worker SEARCH_DIR``.

Started by ``search.launch``; everything it has to say goes into the search directory (its
progress lines into worker.log).
"""

from __future__ import annotations

import sys
from pathlib import Path

from lstm_core.errors import StudioError
from lstm_core.tf_startup import silence_tensorflow_startup


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m lstm_core.search.worker SEARCH_DIR", file=sys.stderr)
        return 2
    silence_tensorflow_startup()
    from lstm_core.search.runner import run_search

    try:
        status = run_search(Path(argv[0]), progress=lambda line: print(line, flush=True))
    except StudioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0 if status["status"] in ("finished", "stopped") else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
