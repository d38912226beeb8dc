"""``score RUN_DIR FILE --text-col C --out OUT.csv``: predict every row of a file.

The output is a CSV with the input's columns, then ``label`` (the predicted class; named
``predicted_label`` when the input already has a ``label`` column), one ``p_<class>`` column per
class and ``flag`` (empty, all_unknown, or blank), as
``lstm_core.inspect.scoring.score_frame`` makes it for the Predict page's download too; an input
column of any other of those names is refused, not overwritten. It is written atomically: a
reader sees the old file or the whole new one. Rows are scored in chunks, with progress on
stderr for big files.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

from lstm_core.cli import SUCCESS
from lstm_core.commands.predict import RUN_HELP, open_run
from lstm_core.errors import StudioError

PROGRESS_ROWS = 10_000  # rows between two progress lines; smaller files show none
# Output names score refuses, as it writes CSV whatever the name says.
NOT_CSV = {".xlsx", ".xls", ".json", ".jsonl", ".parquet", ".tsv", ".txt", ".gz"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run", metavar="RUN_DIR", help=RUN_HELP)
    parser.add_argument("file", metavar="FILE", type=Path,
                        help="CSV/TSV/JSON/Excel/Parquet file with a column of texts")
    parser.add_argument("--text-col", help="column with the text (default: guessed, as train "
                                           "does: the string column with the longest values)")
    parser.add_argument("--encoding", help="text encoding of FILE, such as cp1251, gbk, big5, "
                        "shift_jis, euc_kr or latin-1 (default: detected)")
    parser.add_argument("--out", required=True, type=Path,
                        help="CSV to write: the input columns, then label (named "
                             "predicted_label when the input already has a label column), "
                             "p_<class> per class, and flag")


def text_column(frame, requested: str | None, name: str) -> str:
    """The column to score: the requested one, or the best guess when none was named."""
    from lstm_core.data.examples import suggest_columns

    columns = [str(c) for c in frame.columns]
    if requested is None:
        guessed, _ = suggest_columns(frame)
        if guessed is None:
            raise StudioError(f"{name} has no column of text; its columns are {columns}.")
        return guessed
    if requested not in frame.columns:
        close = difflib.get_close_matches(requested, columns, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise StudioError(f"--text-col {requested!r} is not a column of {name}; its columns are "
                          f"{columns}.{hint}")
    return requested


def _check_out(out: Path, source: Path) -> None:
    if out.suffix.lower() in NOT_CSV:
        raise StudioError(f"--out {out} would hold CSV under a {out.suffix} name; end it in .csv.")
    if not out.parent.is_dir():
        raise StudioError(f"--out {out}: the folder {out.parent} does not exist.")
    if out.exists() and source.exists() and out.resolve() == source.resolve():
        raise StudioError(f"--out {out} is the input file; write the scores to another file.")


def run(args: argparse.Namespace) -> int:
    from lstm_core.data.read import read_table, text_encoding
    from lstm_core.fileio import atomic_write_bytes
    from lstm_core.inspect.scoring import score_columns, score_frame

    def say(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    reported = [0]

    def progress(done: int, total: int) -> None:
        if total > PROGRESS_ROWS and (done - reported[0] >= PROGRESS_ROWS or done == total):
            reported[0] = done
            say(f"scored {done:,} of {total:,} rows")

    _check_out(args.out, args.file)
    frame = read_table(args.file, encoding=args.encoding)
    found = text_encoding(frame)
    if found is not None and found.uncertain:
        say(f"warning: {found.warning()}")
    column = text_column(frame, args.text_col, args.file.name)
    loaded = open_run(args.run)
    names = score_columns(frame.columns, loaded.labels)  # refused here, before any scoring
    scored = score_frame(loaded, frame, column, progress=progress)
    atomic_write_bytes(args.out, scored.to_csv(index=False).encode("utf-8"))
    counts = scored[names["label"]].value_counts()
    flagged = int((scored[names["flag"]] != "").sum())
    say(f"wrote {len(scored):,} rows to {args.out} (text column {column!r}; predicted "
        f"{', '.join(f'{label} {counts.get(label, 0):,}' for label in loaded.labels)}"
        f"{f'; {flagged:,} flagged' if flagged else ''})")
    return SUCCESS
