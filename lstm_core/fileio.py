"""Atomic writes and safe names: a reader never sees half a file, a user never picks a path."""

from __future__ import annotations

import json
import os
import re
import tempfile
import unicodedata
from pathlib import Path
from typing import Any

from lstm_core.errors import StudioError


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never a mix.

    The temp file lives beside the target so ``os.replace`` stays on one filesystem (pip's
    ``adjacent_tmp_file`` pattern); fsync makes the rename durable across a power cut.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: Path, obj: Any) -> None:
    atomic_write_text(path, json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False) + "\n")


def file_stamp(path: Path) -> tuple[int, int]:
    """``(mtime_ns, size)`` of ``path``, ``(0, 0)`` when it is absent: a file's version.

    Caches of parsed files are keyed by it, so they are read again when a writer has replaced
    the file. An unreadable path counts as absent; the read that follows says what is wrong.

    Example:
        >>> file_stamp(Path("no-such-file"))
        (0, 0)
    """
    try:
        info = Path(path).stat()
    except OSError:
        return (0, 0)
    return (info.st_mtime_ns, info.st_size)


def read_json(path: Path) -> Any:
    """Read a JSON file of this project; a broken one raises ``StudioError`` naming the file."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StudioError(f"{path} is missing.") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise StudioError(f"{path} is not valid JSON ({exc}); the file is damaged.") from None


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(text: str, *, default: str = "run", max_len: int = 60) -> str:
    """Turn user text into a file name that cannot leave its folder or hide itself.

    Accents are folded to ASCII, anything else outside ``[A-Za-z0-9._-]`` becomes ``-``, and leading
    dots are removed so the name is never ``..`` or a hidden file.
    """
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    name = _UNSAFE.sub("-", folded).strip("-.")[:max_len].strip("-.")
    return name or default
