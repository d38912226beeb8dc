"""A text file's bytes -> its text, in the encoding it was written in.

A byte-order mark is decisive, and strict UTF-8 almost never decodes anything else. Bytes that
are not text are refused here, before any parser sees them.
"""

from __future__ import annotations

import codecs
import re

from lstm_core.errors import StudioError

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_SAMPLE_CHARS = 64 * 1024  # enough text to tell words from binary
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")


def decode(data: bytes, name: str) -> tuple[str, str]:
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
        raise binary_error(name)
    for encoding in ("utf-8", "gb18030", "cp1252"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding != "gb18030" or _mostly_chinese(text):
            return _text_only(text, name), encoding
    return _text_only(data.decode("latin-1"), name), "latin-1"


def binary_error(name: str) -> StudioError:
    return StudioError(
        f"{name} is not a text file (it holds binary bytes such as NUL). If it is a workbook or a "
        "Parquet file, give it the .xlsx or .parquet extension; otherwise export the data as CSV."
    )


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
        raise binary_error(name)
    return text
