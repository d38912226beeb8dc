"""A user's labelled text file -> a table -> clean (text, label) examples.

Files arrive as uploads and paths in whatever shape spreadsheets and scrapers produce: CSV with any
delimiter and encoding, TSV without a header (the UCI sentiment files), JSON, JSON Lines, Excel and
Parquet. Each problem a user can fix raises ``StudioError`` with the fix; pandas, openpyxl and
pyarrow exceptions never reach the UI for a bad file.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import functools
import gzip
import io
import json
import math
import numbers
import os
import re
import textwrap
import zipfile
import zlib
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError

import pandas as pd
from openpyxl.utils.exceptions import InvalidFileException
from pyarrow import ArrowException

from lstm_core.errors import StudioError
from lstm_core.settings import MAX_UPLOAD_MB, max_upload_bytes

MAX_UPLOAD_ENV = MAX_UPLOAD_MB.name

LABEL_NAMES = ("label", "sentiment", "polarity", "class", "target", "rating", "stars", "score")
MAX_LABEL_VALUES = 20  # a column with more distinct values than this reads as text or ids
DELIMITERS = ",\t;|"

_EXTENSIONS = {
    ".csv": "csv", ".txt": "csv", ".tsv": "tsv", ".tab": "tsv",
    ".json": "json", ".jsonl": "json", ".ndjson": "json",
    ".xlsx": "xlsx", ".xlsm": "xlsx", ".parquet": "parquet",
}
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_SAMPLE_CHARS = 64 * 1024  # enough lines to sniff a delimiter or an encoding, fast on any file
_HEADER_SAMPLE_ROWS = 1000
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_RAGGED = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")
# A field spanning this many lines (or 10 and half the file) is a quote left open, not a review.
_SWALLOWED_LINES = 100
# What zipfile and openpyxl raise for damaged workbooks (found by flipping bytes of real ones).
_WORKBOOK_ERRORS = (
    zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError,
    InvalidFileException, ParseError, KeyError, ValueError, TypeError, OSError,
)


def read_table(
    source: str | os.PathLike[str] | bytes,
    *,
    name: str | None = None,
    max_bytes: int | None = None,
) -> pd.DataFrame:
    """Read a user's table, whatever its format, encoding and delimiter.

    The size is checked before anything is parsed, and again after gzip or xlsx expansion, so a
    small compressed bomb cannot fill memory. What was detected is kept in ``frame.attrs``
    (``format``, ``encoding``, ``delimiter``, ``compression``) for the UI to show.

    Args:
        source: a path, or the raw bytes of an upload.
        name: the file name; picks the format by extension (needed for bytes, optional for paths).
        max_bytes: the size limit; ``None`` uses ``max_upload_bytes()``.

    Returns:
        The table, with column names from its header, or ``text``/``label`` or ``column_1``, ...
        when the first row is data.

    Raises:
        StudioError: the file is missing, too large, empty, binary, or cannot be parsed.

    Example:
        >>> read_table(b"text,label\\ngreat,1\\n", name="r.csv").attrs["delimiter"]
        ','
    """
    limit = max_upload_bytes() if max_bytes is None else max_bytes
    data, name = _load_bytes(source, name, limit)
    compression = None
    if data[:2] == b"\x1f\x8b":  # gzip magic: trust the bytes, browsers may unzip or rename
        data, compression = _gunzip(data, name, limit), "gzip"
    if not data or data.isspace():
        raise StudioError(f"{name} is empty. Pick a file with a header row and rows of text.")
    frame = _parse(_format_for(name), data, name, limit)
    if frame.shape[0] == 0:
        columns = _shorten(", ".join(map(str, frame.columns)))
        header = f" under its header ({columns})" if columns else ""
        raise StudioError(f"{name} has no data rows{header}. Add rows, or check the file is right.")
    frame.attrs["compression"] = compression
    return frame


def suggest_columns(frame: pd.DataFrame) -> tuple[str | None, str | None]:
    """Guess the text column and the label column, for the UI to preselect.

    Reviews are longer than ids, dates and labels, so the text is the string column with the
    longest values on average. A label has a few distinct values; a column named like one (label,
    sentiment, stars, ...) wins over the leftmost such column.

    Returns:
        (text column, label column); either is ``None`` when no column fits.
    """
    lengths = {
        column: frame[column].dropna().str.len().mean()
        for column in frame.columns
        if pd.api.types.is_string_dtype(frame[column]) and frame[column].notna().any()
    }
    text = max(lengths, key=lengths.__getitem__, default=None)
    candidates = [c for c in frame.columns if c != text and _label_like(frame[c])]
    named = [c for c in candidates if str(c).strip().lower() in LABEL_NAMES]
    if named:
        return text, min(named, key=lambda c: LABEL_NAMES.index(str(c).strip().lower()))
    return text, candidates[0] if candidates else None


def looks_like_rating(series: pd.Series) -> bool:
    """Whether a column holds star ratings that need a threshold to become sentiment.

    Two values are classes already (0/1); more than two numbers on a 0..10 scale are a score the
    user should cut into positive and negative.
    """
    if not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        return False
    values = series.dropna()
    return values.nunique() > 2 and bool(values.between(0, 10).all())


def suggest_rating_threshold(series: pd.Series) -> float:
    """The midpoint of the ratings' scale: 3 for 1..5 stars, so 4 and 5 are positive (Yelp's cut).

    Raises:
        StudioError: the column holds no numbers.
    """
    values = pd.to_numeric(series, errors="coerce").dropna()
    if values.empty:
        raise StudioError(
            f"Column {series.name!r} has no numbers to set a rating threshold from; "
            "pick a column of star ratings or scores."
        )
    return float(values.min() + values.max()) / 2


def to_examples(
    frame: pd.DataFrame,
    text_col: str,
    label_col: str,
    *,
    rating_threshold: float | None = None,
    min_per_class: int = 5,
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Turn a table into (text, label) string pairs a model can train on.

    Rows without text or without a label are dropped and counted, so the UI can say what was lost.
    Labels become strings so that 1, 1.0 and "1" are one class. A row is counted once, under the
    first reason that applies.

    Args:
        frame: the table, usually from ``read_table``.
        text_col: the column holding the text.
        label_col: the column holding the label, or the rating when ``rating_threshold`` is set.
        rating_threshold: ratings above it become "positive", the rest "negative".
        min_per_class: the fewest examples a class may have; fewer cannot be split for testing.

    Returns:
        A new frame with string columns ``text`` and ``label`` and a fresh index, and the number of
        dropped rows per reason (``"empty text"``, ``"missing label"``; only reasons that occurred).

    Raises:
        StudioError: a column is missing, no rows or one class is left, the label looks like an id,
            a class is too small, or a rating is not a number.
    """
    _check_columns(frame, text_col, label_col)
    if isinstance(min_per_class, bool) or not isinstance(min_per_class, int) or min_per_class < 1:
        raise StudioError(f"min_per_class must be a whole number from 1; got {min_per_class!r}.")
    texts = frame[text_col].astype("str").str.strip()
    texts = texts.mask(texts == "")
    if rating_threshold is None:
        labels = frame[label_col].map(_label_text, na_action="ignore")
    else:
        labels = _rating_labels(frame[label_col], rating_threshold)
    empty_text = texts.isna()
    missing_label = labels.isna() & ~empty_text
    dropped = {
        reason: int(mask.sum())
        for reason, mask in (("empty text", empty_text), ("missing label", missing_label))
        if mask.any()
    }
    keep = ~(empty_text | missing_label)
    if not keep.any():
        lost = "".join(f", {count} with {reason}" for reason, count in dropped.items())
        raise StudioError(
            f"No rows are left to train on ({len(frame)} rows in the table{lost}). Check that "
            f"{text_col!r} holds the text and {label_col!r} the labels."
        )
    examples = pd.DataFrame({"text": texts[keep], "label": labels[keep].astype("str")})
    _check_classes(examples["label"], label_col, rating_threshold, min_per_class)
    return examples.reset_index(drop=True), dropped


def load_examples(
    source: str | os.PathLike[str] | bytes,
    text_col: str,
    label_col: str,
    *,
    name: str | None = None,
    rating_threshold: float | None = None,
    max_bytes: int | None = None,
) -> tuple[pd.DataFrame, dict[str, int]]:
    """``to_examples(read_table(source))`` in one call, for the CLI."""
    frame = read_table(source, name=name, max_bytes=max_bytes)
    return to_examples(frame, text_col, label_col, rating_threshold=rating_threshold)


# --- bytes --------------------------------------------------------------------------------------


def _load_bytes(
    source: str | os.PathLike[str] | bytes, name: str | None, limit: int
) -> tuple[bytes, str]:
    if isinstance(source, bytes):
        name = name or "The upload"
        _check_size(len(source), name, limit)
        return source, name
    path = Path(source)
    name = name or path.name
    try:
        _check_size(path.stat().st_size, name, limit)
        return path.read_bytes(), name
    except FileNotFoundError:
        raise StudioError(f"{path} does not exist; check the path.") from None
    except OSError as exc:
        raise StudioError(f"{path} cannot be read ({exc.strerror}); pick another file.") from None


def _check_size(size: int, name: str, limit: int) -> None:
    if size > limit:
        raise StudioError(
            f"{name} is {_size(size)}, over the {_size(limit)} limit. Use a smaller sample, or "
            f"raise the limit with the {MAX_UPLOAD_ENV} environment variable."
        )


def _shorten(text: str) -> str:
    """Keep messages readable when a header is a whole line of binary or hundreds of columns."""
    return textwrap.shorten(text, 200, placeholder=" ...")


def _size(count: int) -> str:
    return f"{count / 2**20:.1f} MB" if count >= 2**20 else f"{count:,} bytes"


def _gunzip(data: bytes, name: str, limit: int) -> bytes:
    """Decompress, stopping one byte past ``limit`` so that a gzip bomb never fills memory."""
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            plain = stream.read(limit + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise StudioError(
            f"{name} is not a readable gzip file ({exc}); compress it again or upload it unpacked."
        ) from None
    if len(plain) > limit:
        raise StudioError(
            f"{name} expands to more than {_size(limit)} when unpacked. Use a smaller sample, or "
            f"raise the limit with the {MAX_UPLOAD_ENV} environment variable."
        )
    return plain


def _format_for(name: str) -> str:
    suffix = Path(name.lower().removesuffix(".gz")).suffix
    if suffix == ".xls":
        raise StudioError(
            f"{name} is an old-style .xls workbook, which cannot be read here; "
            "save it as .xlsx (Excel Workbook) or CSV."
        )
    return _EXTENSIONS.get(suffix, "csv")


def _parse(fmt: str, data: bytes, name: str, limit: int) -> pd.DataFrame:
    if fmt == "xlsx":
        return _read_excel(data, name, limit)
    if fmt == "parquet":
        return _read_parquet(data, name)
    text, encoding = _decode(data, name)
    if text.isspace():
        raise StudioError(f"{name} is empty. Pick a file with a header row and rows of text.")
    if fmt == "json":
        return _read_json(text, name, encoding)
    return _read_delimited(data, text, encoding, fmt, name)


# --- text encodings ------------------------------------------------------------------------------


def _decode(data: bytes, name: str) -> tuple[str, str]:
    """Decode text, most specific encoding first, and refuse bytes that are not text.

    A byte-order mark is decisive, and strict UTF-8 almost never decodes anything else. GB18030
    (a superset of GBK) also decodes many Latin accented letters followed by ASCII, so it wins only
    when the result is mostly common Chinese. cp1252 is Excel's Western default; Latin-1 decodes
    any bytes, so binary files are caught by their control characters instead.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return _text_only(data.decode(encoding), name), encoding
            except UnicodeDecodeError:
                raise StudioError(
                    f"{name} starts with a {encoding} byte-order mark but is not valid {encoding}; "
                    "save it again as UTF-8."
                ) from None
    if b"\x00" in data:
        raise _binary_error(name)
    for encoding in ("utf-8", "gb18030", "cp1252"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding != "gb18030" or _mostly_chinese(text):
            return _text_only(text, name), encoding
    return _text_only(data.decode("latin-1"), name), "latin-1"


def _mostly_chinese(text: str) -> bool:
    """True when most non-ASCII characters are in GB2312; Latin read as GB18030 gives rare ones."""
    wide = [char for char in text[:_SAMPLE_CHARS] if ord(char) > 127]
    common = sum(1 for char in wide if _in_gb2312(char))
    return common * 2 >= len(wide)


def _in_gb2312(char: str) -> bool:
    try:
        char.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def _text_only(text: str, name: str) -> str:
    sample = text[:_SAMPLE_CHARS]
    if "\x00" in sample or len(_CONTROL.findall(sample)) * 100 > len(sample):
        raise _binary_error(name)
    return text


def _binary_error(name: str) -> StudioError:
    return StudioError(
        f"{name} is not a text file (it holds binary bytes such as NUL). If it is a workbook or a "
        "Parquet file, give it the .xlsx or .parquet extension; otherwise export the data as CSV."
    )


# --- delimited text ------------------------------------------------------------------------------


def _read_delimited(data: bytes, text: str, encoding: str, fmt: str, name: str) -> pd.DataFrame:
    delimiter = "\t" if fmt == "tsv" else _sniff_delimiter(text)
    frame = _with_header(_parse_delimited(data, text, encoding, delimiter, name))
    frame.attrs.update(
        format="tsv" if delimiter == "\t" else "csv", encoding=encoding, delimiter=delimiter
    )
    return frame


def _sniff_delimiter(text: str) -> str:
    """csv.Sniffer's guess, or else the delimiter that splits most lines into equal parts."""
    sample = text[:_SAMPLE_CHARS]
    if len(text) > len(sample) and "\n" in sample:
        sample = sample[: sample.rindex("\n")]  # whole lines only
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        pass
    lines = [line for line in _LINE_BREAK.split(sample) if line.strip()] or [sample]
    best, best_share = ",", 0.0
    for delimiter in DELIMITERS:
        counts = [line.count(delimiter) for line in lines]
        modal = max(set(counts), key=counts.count)
        share = counts.count(modal) / len(counts)
        if modal and share > best_share:
            best, best_share = delimiter, share
    return best


def _parse_delimited(
    data: bytes, text: str, encoding: str, delimiter: str, name: str
) -> pd.DataFrame:
    """Parse every cell as a string, with quoting off when the quotes are stray, not CSV quoting.

    Review text is full of quotes that delimit nothing: the UCI imdb file opens quotes it never
    closes, and read with CSV quoting those swallow the lines after them (748 rows instead of
    1000). When every line splits into the same number of fields, the file is line-based and
    reading it with quoting off is exact.
    """
    read = functools.partial(_read_csv, data, encoding, delimiter)
    try:
        frame = read(csv.QUOTE_MINIMAL)
    except pd.errors.ParserError as exc:
        if _splits_evenly(text, delimiter):
            return read(csv.QUOTE_NONE)
        raise _parse_error(str(exc), text, delimiter, name) from None
    breaks = _most_line_breaks(frame)
    if breaks == 0:
        return frame
    if _splits_evenly(text, delimiter):
        return read(csv.QUOTE_NONE)
    lines = len(_LINE_BREAK.findall(text)) + 1
    if breaks >= _SWALLOWED_LINES or (breaks >= 10 and breaks * 2 > lines):
        raise _unclosed_quote(text, delimiter, name)
    return frame


def _read_csv(data: bytes, encoding: str, delimiter: str, quoting: int) -> pd.DataFrame:
    # Bytes, not the decoded text: StringIO would hold four bytes per character.
    # dtype=str: the header, if any, is still row 0, and mixed chunks raise no DtypeWarning.
    return pd.read_csv(
        io.BytesIO(data),
        encoding=encoding,
        sep=delimiter,
        quoting=quoting,
        header=None,
        dtype=str,
        engine="c",
    )


def _splits_evenly(text: str, delimiter: str) -> bool:
    counts = {line.count(delimiter) for line in _LINE_BREAK.split(text) if line.strip()}
    return len(counts) == 1


def _most_line_breaks(frame: pd.DataFrame) -> int:
    counts = [frame[column].str.count(_LINE_BREAK.pattern).max() for column in frame.columns]
    return int(max((count for count in counts if pd.notna(count)), default=0))


def _parse_error(message: str, text: str, delimiter: str, name: str) -> StudioError:
    if "EOF inside string" in message:
        return _unclosed_quote(text, delimiter, name)
    ragged = _RAGGED.search(message)
    if ragged:
        expected, line, seen = ragged.groups()
        return StudioError(
            f"Line {line} of {name} has {seen} fields where the first line has {expected}. "
            f"Put quotes around text that contains the delimiter {delimiter!r}, or fix that line."
        )
    return StudioError(f"{name} cannot be read as delimited text ({message}); save it as CSV.")


def _unclosed_quote(text: str, delimiter: str, name: str) -> StudioError:
    line, span = _longest_record(text, delimiter)
    return StudioError(
        f'A quote (") opened on line {line} of {name} is not closed where its field ends, so it '
        f"swallows the {span - 1} lines after it. Close or remove that quote; inside a quoted "
        'field, write a quote as "".'
    )


def _longest_record(text: str, delimiter: str) -> tuple[int, int]:
    """(first line, lines spanned) of the record spanning most lines: where a stray quote opens."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    best, start = (1, 1), 1
    try:
        for _ in reader:
            span = reader.line_num - start + 1
            if span > best[1]:
                best = (start, span)
            start = reader.line_num + 1
    except csv.Error:  # the swallowed field outgrew csv's field size limit
        return start, reader.line_num - start + 1
    return best


def _with_header(raw: pd.DataFrame) -> pd.DataFrame:
    """Take column names from the first row unless it is data; then type the columns."""
    if raw.empty:
        return raw
    if _first_row_is_data(raw):
        frame = raw.set_axis(_default_names(raw), axis=1)
    else:
        frame = raw.iloc[1:].reset_index(drop=True).set_axis(_header_names(raw.iloc[0]), axis=1)
    return _typed_columns(frame)


def _first_row_is_data(raw: pd.DataFrame) -> bool:
    """A header names columns; a number, or a value that recurs below it, is data.

    The UCI files start with ``sentence<TAB>0``; a header of ``text<TAB>label`` has no number, and
    ``label`` is not one of the labels below it.
    """
    rest = raw.iloc[1:_HEADER_SAMPLE_ROWS]
    for column, value in raw.iloc[0].items():
        if pd.notna(value) and (_is_number(value) or (rest[column] == value).any()):
            return True
    return False


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _default_names(raw: pd.DataFrame) -> list[str]:
    if raw.shape[1] == 2 and _label_like(raw.iloc[:, 1]):
        return ["text", "label"]
    return [f"column_{number}" for number in range(1, raw.shape[1] + 1)]


def _header_names(cells: pd.Series) -> list[str]:
    names: list[str] = []
    for number, cell in enumerate(cells, 1):
        base = (str(cell).strip() if pd.notna(cell) else "") or f"column_{number}"
        name, copy = base, 2
        while name in names:
            name, copy = f"{base}_{copy}", copy + 1
        names.append(name)
    return names


def _typed_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Numbers written as text become numbers, so ratings compare as numbers; mixed becomes text."""
    frame = frame.infer_objects()
    for column in frame.columns:
        values = frame[column]
        if values.dtype != object and not pd.api.types.is_string_dtype(values):
            continue
        try:  # raising stops at the first word, so a text column costs almost nothing
            frame[column] = pd.to_numeric(values)
        except (ValueError, TypeError):
            if values.dtype == object:
                frame[column] = values.astype("str")
    return frame


def _label_like(series: pd.Series) -> bool:
    return 2 <= series.nunique() <= MAX_LABEL_VALUES


# --- JSON, Excel, Parquet ------------------------------------------------------------------------


def _read_json(text: str, name: str, encoding: str) -> pd.DataFrame:
    """A JSON array of objects, or JSON Lines (one object per line), told apart by the first '['."""
    if text.lstrip().startswith("["):
        fmt, records = "json", _json_array(text, name)
    else:
        fmt, records = "jsonl", _json_lines(text, name)
    frame = _typed_columns(pd.DataFrame(records))
    frame.attrs.update(format=fmt, encoding=encoding, delimiter=None)
    return frame


def _json_array(text: str, name: str) -> list[dict[str, Any]]:
    try:
        items = json.loads(text)
    except json.JSONDecodeError as exc:
        raise StudioError(
            f"{name} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}. "
            "Fix the file, or save one object per line as JSON Lines."
        ) from None
    return [_json_object(item, f"item {number}", name) for number, item in enumerate(items, 1)]


def _json_lines(text: str, name: str) -> list[dict[str, Any]]:
    records = []
    for number, line in enumerate(_LINE_BREAK.split(text), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise StudioError(
                f"Line {number} of {name} is not valid JSON ({exc.msg}). Use a JSON array of "
                'objects, or JSON Lines with one object per line such as {"text": "...", '
                '"label": 1}.'
            ) from None
        records.append(_json_object(item, f"line {number}", name))
    return records


def _json_object(item: Any, where: str, name: str) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise StudioError(
            f"{where.capitalize()} of {name} is not an object: {json.dumps(item)[:40]}. Write each "
            'row as an object such as {"text": "...", "label": 1}.'
        )
    return item


def _read_excel(data: bytes, name: str, limit: int) -> pd.DataFrame:
    """The first sheet of a workbook, after checking that its parts unpack within ``limit``."""
    bad_workbook = StudioError(
        f"{name} is not a valid .xlsx workbook. Open it in Excel and save it as Excel Workbook "
        "(.xlsx), or export the sheet as CSV."
    )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except _WORKBOOK_ERRORS:
        raise bad_workbook from None
    if unpacked > limit:
        raise StudioError(
            f"{name} unpacks to {_size(unpacked)}, over the {_size(limit)} limit. Save a smaller "
            f"workbook, or raise the limit with the {MAX_UPLOAD_ENV} environment variable."
        )
    try:
        raw = pd.read_excel(io.BytesIO(data), sheet_name=0, header=None, engine="openpyxl")
    except _WORKBOOK_ERRORS:
        raise bad_workbook from None
    frame = _with_header(raw)
    frame.attrs.update(format="xlsx", encoding=None, delimiter=None)
    return frame


def _read_parquet(data: bytes, name: str) -> pd.DataFrame:
    # Damaged metadata raises KeyError or TypeError; text that is not UTF-8 raises only once the
    # column is used, so typing the columns happens inside the try.
    try:
        frame = _typed_columns(pd.read_parquet(io.BytesIO(data)))
    except (ArrowException, ValueError, KeyError, TypeError, OSError) as exc:
        raise StudioError(
            f"{name} is not a readable Parquet file ({exc}). Write it again, for example with "
            "pandas.DataFrame.to_parquet, or upload CSV."
        ) from None
    frame.attrs.update(format="parquet", encoding=None, delimiter=None)
    return frame


# --- examples ------------------------------------------------------------------------------------


def _check_columns(frame: pd.DataFrame, text_col: str, label_col: str) -> None:
    for role, column in (("text", text_col), ("label", label_col)):
        if column not in frame.columns:
            names = [str(c) for c in frame.columns]
            close = difflib.get_close_matches(str(column), names, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise StudioError(
                f"The {role} column {column!r} is not in the table; its columns are "
                f"{_shorten(', '.join(names)) or 'none'}.{hint}"
            )
    if text_col == label_col:
        raise StudioError(
            f"The text and label columns must differ; both are {text_col!r}. Pick the column "
            "that holds the sentiment or class as the label."
        )


def _label_text(value: Any) -> str | None:
    """1, 1.0 and " 1 " all become "1", so one class is never split by how it was written."""
    if pd.api.types.is_bool(value):
        return str(bool(value))
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return str(int(value)) if float(value).is_integer() else str(float(value))
    return str(value).strip() or None


def _rating_labels(ratings: pd.Series, threshold: float) -> pd.Series:
    ok = isinstance(threshold, numbers.Real) and not isinstance(threshold, bool)
    if not (ok and math.isfinite(threshold)):
        raise StudioError(f"rating_threshold must be a number such as 3; got {threshold!r}.")
    values = pd.to_numeric(ratings, errors="coerce")
    not_numbers = values.isna() & ratings.notna()
    if not_numbers.any():
        row = int(not_numbers.to_numpy().argmax())
        raise StudioError(
            f"A rating threshold needs numbers in {ratings.name!r}, but row {row + 1} holds "
            f"{ratings.iloc[row]!r}. Pick a column of star ratings or scores, or turn the rating "
            "threshold off."
        )
    positive = (values > threshold).map({True: "positive", False: "negative"})
    return positive.where(values.notna())


def _check_classes(
    labels: pd.Series, label_col: str, rating_threshold: float | None, min_per_class: int
) -> None:
    """Refuse label sets a classifier cannot learn from, saying which column or classes to fix."""
    counts = labels.value_counts()
    if len(counts) == 1:
        fix = "another label column"
        if rating_threshold is not None:
            fix = "a threshold inside the range of the ratings"
        raise StudioError(
            f"Every row has the label {counts.index[0]!r} ({counts.iloc[0]} rows), and a "
            f"classifier needs at least two classes. Pick {fix}."
        )
    if len(counts) > max(MAX_LABEL_VALUES, len(labels) / 2):
        raise StudioError(
            f"Column {label_col!r} has {len(counts)} different values in {len(labels)} rows, so it "
            "looks like an id or free text, not a label. Pick the column with the sentiment or "
            "class; for scores, set a rating threshold."
        )
    small = counts[counts < min_per_class].sort_values()
    if not small.empty:
        listed = ", ".join(f"{label!r} ({count})" for label, count in small.head(10).items())
        more = f" and {len(small) - 10} more" if len(small) > 10 else ""
        raise StudioError(
            f"Each class needs at least {min_per_class} examples; these have fewer: "
            f"{listed}{more}. Merge them into another class or remove those rows."
        )
