"""A text file's bytes -> its text, in the encoding it was written in.

Users send files as their spreadsheet or scraper saved them: UTF-8 with or without a byte-order
mark, Excel's "Unicode Text" (UTF-16), or the Windows code page of their language (GBK/GB18030,
Big5, Shift-JIS, EUC-KR, cp1251, cp1252). A byte-order mark is decisive, and strict UTF-8 almost
never decodes anything else; the rest is charset-normalizer's guess. A guess another encoding
explains about as well is marked uncertain, with the alternatives, so the user can choose; a
chosen encoding always wins over the guess.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from lstm_core.errors import StudioError

if TYPE_CHECKING:  # imported where a guess is needed, so UTF-8 files never load it
    from charset_normalizer import CharsetMatch

# What the Data page offers, as Python codec names (``codecs.lookup(name).name``) with a label.
ENCODINGS = {
    "utf-8": "UTF-8",
    "utf-16": "UTF-16 (Excel's Unicode Text)",
    "gb18030": "Chinese, simplified: GB18030 (also reads GBK)",
    "gbk": "Chinese, simplified: GBK",
    "big5": "Chinese, traditional: Big5",
    "cp932": "Japanese: Shift-JIS as Windows writes it (cp932)",
    "shift_jis": "Japanese: Shift-JIS",
    "cp949": "Korean: EUC-KR as Windows writes it (cp949)",
    "euc_kr": "Korean: EUC-KR",
    "cp1251": "Cyrillic: Windows-1251",
    "cp1252": "Western European: Windows-1252",
    "iso8859-1": "Western European: Latin-1 (ISO-8859-1)",
}

_BOMS = (  # UTF-32 first: its little-endian mark starts with UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# A chosen encoding that a byte-order mark refines, so the mark is not read as a character.
_WITH_BOM = {
    "utf-8": "utf-8-sig", "utf-16-le": "utf-16", "utf-16-be": "utf-16",
    "utf-32-le": "utf-32", "utf-32-be": "utf-32",
}
_SAMPLE_CHARS = 64 * 1024  # enough text to tell words from binary
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
# Detection reads at most this many bytes of the lines that hold non-ASCII bytes; the guess must
# then decode every byte of the file.
_DETECT_BYTES = 1024 * 1024
_NON_ASCII_LINE = re.compile(rb"[^\r\n]*[\x80-\xff][^\r\n]*")
# charset-normalizer's scores: chaos (share of odd characters, 0 = none; it drops an encoding at
# 0.2) and coherence (how well the letters fit a language, 0 = none recognised). Two matches tie
# by its own rule when chaos is within 0.005 and coherence within 0.02.
_TIE_CHAOS = 0.005
_TIE_COHERENCE = 0.02
_WEAK_CHAOS = 0.1
_WEAK_COHERENCE = 0.2  # only for single-byte encodings; it scores Chinese, Japanese, Korean low
_CP1252_CHAOS = 0.02  # how much more chaos cp1252 may show and still be taken (see _prefer_cp1252)
_ALTERNATIVES = 3
# Multi-byte encodings to retry when charset-normalizer finds nothing: its word check counts a
# whole unspaced Chinese sentence with an emoji in it as one odd word, and gives up on GB18030.
_MULTI_BYTE = ("gb18030", "big5", "cp932", "cp949", "euc_jp")


@dataclass(frozen=True)
class TextEncoding:
    """How a file's bytes were read as text."""

    name: str  # the Python codec used, such as utf-8, gb18030, cp1251
    guessed: bool = False  # picked by charset-normalizer, not by a mark, strict UTF-8 or the user
    uncertain: bool = False  # another encoding reads the bytes about as well, as other text
    alternatives: tuple[str, ...] = ()  # the next best guesses when uncertain, best first

    def describe(self) -> str:
        """The name with how it was found, for a status line: ``cp1251 (guessed)``."""
        if self.uncertain:
            return f"{self.name} (guessed, uncertain)"
        return f"{self.name} (guessed)" if self.guessed else self.name

    def warning(self) -> str | None:
        """What to tell the user when the guess is uncertain; None when it is not."""
        if not self.uncertain:
            return None
        others = f" (it could also be {', '.join(self.alternatives)})" if self.alternatives else ""
        return (
            f"The text encoding was guessed as {self.name}, but the guess is uncertain{others}. "
            "If letters in the preview look wrong, choose the file's encoding: Text encoding on "
            "the Data page, or --encoding on the command line."
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TextEncoding:
        return cls(**{**data, "alternatives": tuple(data.get("alternatives", ()))})


def normalize_encoding(name: Any) -> str:
    """The Python codec name for ``name``, so "GBK", "latin1" and "Shift-JIS" all work.

    Raises:
        StudioError: ``name`` is not a text encoding Python knows.

    Example:
        >>> normalize_encoding("Windows-1251")
        'cp1251'
    """
    try:
        codec = codecs.lookup(name.strip()).name
        "a".encode(codec)  # refuses codecs that are not text encodings, such as base64 or rot13
    except (AttributeError, LookupError, TypeError, UnicodeError):
        raise StudioError(
            "encoding must be a Python codec name such as utf-8, utf-16, gb18030, gbk, big5, "
            "shift_jis, cp932, euc_kr, cp949, cp1251, cp1252 or latin-1 (other spellings such as "
            f"GBK, latin1, Shift-JIS or windows-1251 work too); got {name!r}. Leave it out to "
            "detect it."
        ) from None
    return codec


def decode(data: bytes, name: str, encoding: str | None = None) -> tuple[str, TextEncoding]:
    """Decode a text file, refusing bytes that are not text.

    Args:
        data: the file's bytes.
        name: the file name, for messages.
        encoding: the encoding to read it with; ``None`` detects it.

    Returns:
        The text and how it was read.

    Raises:
        StudioError: the file is binary, ``encoding`` is unknown or does not fit the bytes, or no
            one encoding decodes the whole file.
    """
    if encoding is not None:
        codec = normalize_encoding(encoding)
        marked = _bom_codec(data)
        if marked is not None and _WITH_BOM.get(codec) == marked:
            codec = marked
        return _text_only(_strict(data, codec, name), name), TextEncoding(codec)
    marked = _bom_codec(data)
    if marked is not None:
        try:
            return _text_only(data.decode(marked), name), TextEncoding(marked)
        except UnicodeDecodeError:
            raise StudioError(
                f"{name} starts with a {marked} byte-order mark but is not valid {marked}; "
                "save it again as UTF-8."
            ) from None
    if b"\x00" in data:
        raise binary_error(name)
    try:
        return _text_only(data.decode("utf-8"), name), TextEncoding("utf-8")
    except UnicodeDecodeError:
        pass
    return _guess(data, name)


def binary_error(name: str) -> StudioError:
    return StudioError(
        f"{name} is not a text file (it holds binary bytes such as NUL). If it is a workbook or a "
        "Parquet file, give it the .xlsx or .parquet extension; otherwise export the data as CSV."
    )


def _bom_codec(data: bytes) -> str | None:
    return next((codec for bom, codec in _BOMS if data.startswith(bom)), None)


def _strict(data: bytes, codec: str, name: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        raise StudioError(
            f"{name} is not valid {codec}: the byte {data[exc.start]:#04x} at position "
            f"{exc.start:,} has no meaning there. Choose another encoding, or let it be detected."
        ) from None


def _text_only(text: str, name: str) -> str:
    sample = text[:_SAMPLE_CHARS]
    if "\x00" in sample or len(_CONTROL.findall(sample)) * 100 > len(sample):
        raise binary_error(name)
    return text


def _guess(data: bytes, name: str) -> tuple[str, TextEncoding]:
    """charset-normalizer's best match that decodes every byte, and how sure that is."""
    from charset_normalizer import from_bytes

    sample = _sample(data)
    matches = list(from_bytes(sample))
    relaxed = not matches
    if relaxed:
        matches = list(from_bytes(sample, threshold=1.0, cp_isolation=list(_MULTI_BYTE)))
    if not matches:
        raise binary_error(name)
    preferred = _prefer_cp1252(matches)
    ranked = [preferred, *(match for match in matches if match is not preferred)]
    for rank, match in enumerate(ranked):
        codec = _codec(match)
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue  # the sample fitted, a line outside it does not
        others = ranked[rank + 1:]
        uncertain = relaxed or rank > 0 or _weak(match) or any(_close(o, match) for o in others)
        alternatives = tuple(_codec(other) for other in others[:_ALTERNATIVES])
        guess = TextEncoding(codec, guessed=True, uncertain=uncertain,
                             alternatives=alternatives if uncertain else ())
        return _text_only(text, name), guess
    raise StudioError(
        f"{name} mixes text encodings: no one encoding reads all of it (the best guess, "
        f"{_codec(ranked[0])}, fits only part). Save it again as UTF-8."
    )


def _sample(data: bytes) -> bytes:
    """The lines that hold non-ASCII bytes, up to ``_DETECT_BYTES``.

    ASCII reads alike in every candidate, and charset-normalizer judges a few chunks of what it
    is given: a sample of plain-English lines would hide the Cyrillic names in the rest.
    """
    parts, size = [], 0
    for line in _NON_ASCII_LINE.finditer(data):
        parts.append(line.group())
        size += len(parts[-1]) + 1
        if size >= _DETECT_BYTES:
            break
    sample = b"\n".join(parts)
    if len(sample) > _DETECT_BYTES:  # one long line: cut where no multi-byte character is open
        sample = sample[:max(sample.rfind(byte, 0, _DETECT_BYTES) for byte in b' \t,;"') + 1]
    return sample


def _codec(match: CharsetMatch) -> str:
    """The match's codec; cp1252 when it reads the sample alike (see ``_prefer_cp1252``)."""
    if "cp1252" in match.could_be_from_charset:
        return "cp1252"
    return normalize_encoding(match.encoding)


def _weak(match: CharsetMatch) -> bool:
    single_byte = match.multi_byte_usage == 0
    return match.chaos >= _WEAK_CHAOS or (single_byte and match.coherence < _WEAK_COHERENCE)


def _close(other: CharsetMatch, match: CharsetMatch) -> bool:
    """Whether ``other`` reads the bytes as well as ``match``, by charset-normalizer's tie rule."""
    return (other.chaos - match.chaos < _TIE_CHAOS
            and match.coherence - other.coherence <= _TIE_COHERENCE)


def _prefer_cp1252(matches: list[CharsetMatch]) -> CharsetMatch:
    """The first match, or one cp1252 also explains when it reads the bytes about as well.

    Western European text fits a dozen Latin code pages almost equally, and charset-normalizer
    then picks rare ones (Baltic, Nordic) that read ½ or ´ as other signs; Excel on Western
    Windows writes cp1252, which also reads Latin-1 text unchanged.
    """
    first = matches[0]
    return next((m for m in matches if "cp1252" in m.could_be_from_charset
                 and m.chaos - first.chaos <= _CP1252_CHAOS
                 and first.coherence - m.coherence <= _TIE_COHERENCE), first)
