"""A user's file, as uploaded or named by a path -> a table.

Files arrive in whatever shape spreadsheets and scrapers produce: CSV with any delimiter and
encoding, TSV without a header (the UCI sentiment files), JSON, JSON Lines, Excel and Parquet.
Each problem a user can fix raises ``StudioError`` with the fix; pandas, openpyxl and pyarrow
exceptions never reach the UI for a bad file.
"""

from __future__ import annotations

import csv
import functools
import gzip
import io
import json
import math
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

from lstm_core.data.encoding import TextEncoding, decode
from lstm_core.errors import StudioError
from lstm_core.settings import MAX_UPLOAD_MB, max_upload_bytes

MAX_UPLOAD_ENV = MAX_UPLOAD_MB.name

MAX_LABEL_VALUES = 20  # a column with more distinct values than this reads as text or ids
DELIMITERS = ",\t;|"

_EXTENSIONS = {
    ".csv": "csv", ".txt": "csv", ".tsv": "tsv", ".tab": "tsv",
    ".json": "json", ".jsonl": "json", ".ndjson": "json",
    ".xlsx": "xlsx", ".xlsm": "xlsx", ".parquet": "parquet",
}
_TEXT_ENCODING = "text_encoding"  # the frame.attrs key of TextEncoding.to_dict()
_SAMPLE_CHARS = 64 * 1024  # enough lines to sniff a delimiter, fast on any file
_HEADER_SAMPLE_ROWS = 1000
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
    encoding: str | None = None,
) -> pd.DataFrame:
    """Read a user's table, whatever its format, encoding and delimiter.

    The size is checked before anything is parsed, and again after gzip or xlsx expansion, so a
    small compressed bomb cannot fill memory. What was detected is kept in ``frame.attrs``
    (``format``, ``encoding``, ``delimiter``, ``compression``, and how the text was decoded,
    which ``text_encoding(frame)`` returns) for the UI to show. The values are plain data, as
    pyarrow stores attrs as JSON when the table is shown or saved.

    Args:
        source: a path, or the raw bytes of an upload.
        name: the file name; picks the format by extension (needed for bytes, optional for paths).
        max_bytes: the size limit; ``None`` uses ``max_upload_bytes()``.
        encoding: the text encoding, such as ``cp1251``; ``None`` detects it.

    Returns:
        The table, with column names from its header, or ``text``/``label`` or ``column_1``, ...
        when the first row is data.

    Raises:
        StudioError: the file is missing, too large, empty, binary, or cannot be parsed, or
            ``encoding`` is unknown, does not fit the bytes or is given for a workbook.

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
    frame = _parse(_format_for(name), data, name, limit, encoding)
    if frame.shape[0] == 0:
        columns = shorten(", ".join(map(str, frame.columns)))
        header = f" under its header ({columns})" if columns else ""
        raise StudioError(f"{name} has no data rows{header}. Add rows, or check the file is right.")
    frame.attrs["compression"] = compression
    return frame



def text_encoding(frame: pd.DataFrame) -> TextEncoding | None:
    """How ``read_table`` decoded the file of ``frame``; None for workbooks and Parquet files."""
    found = frame.attrs.get(_TEXT_ENCODING)
    return None if found is None else TextEncoding.from_dict(found)


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


def shorten(text: str) -> str:
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


def _parse(fmt: str, data: bytes, name: str, limit: int, encoding: str | None) -> pd.DataFrame:
    if fmt in ("xlsx", "parquet"):
        if encoding is not None:
            kind = "an Excel workbook" if fmt == "xlsx" else "a Parquet file"
            raise StudioError(f"{name} is {kind}, which stores its text in a fixed encoding; "
                              "leave the encoding out.")
        frame = _read_excel(data, name, limit) if fmt == "xlsx" else _read_parquet(data, name)
        frame.attrs[_TEXT_ENCODING] = None
        return frame
    text, found = decode(data, name, encoding)
    if text.isspace():
        raise StudioError(f"{name} is empty. Pick a file with a header row and rows of text.")
    if fmt == "json":
        frame = _read_json(text, name, found.name)
    else:
        frame = _read_delimited(data, text, found.name, fmt, name)
    frame.attrs[_TEXT_ENCODING] = found.to_dict()
    return frame



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
    if raw.shape[1] == 2 and looks_like_label(raw.iloc[:, 1]):
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


def looks_like_label(series: pd.Series) -> bool:
    """A label has a few distinct values; more read as text or ids."""
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
