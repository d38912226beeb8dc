"""The data set picked in the app, kept on disk so a refresh, a new tab or a shared link finds it.

``<runs root>/.datasets/<id>/`` holds the uploaded file byte for byte (none for a built-in set) and
``selection.json``: where the data comes from, the text encoding if the user chose one, which
columns hold text and label, the rating threshold and the preprocessing settings. The id travels
in the page URL (``?dataset=<id>``); session state keeps no copy.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import pandas as pd

from lstm_core.config import TextConfig
from lstm_core.data.demo import generate
from lstm_core.data.encoding import normalize_encoding
from lstm_core.data.sources import BUILTIN_SOURCES, Examples, load_source
from lstm_core.errors import StudioError
from lstm_core.fileio import atomic_write_bytes, atomic_write_json, read_json, safe_name
from lstm_core.store import runs

DATASETS_DIR = ".datasets"
SELECTION_FILE = "selection.json"


@dataclass(frozen=True)
class Selection:
    """How a data set is read: source, encoding, columns, threshold and preprocessing."""

    source: str  # a built-in name (demo-en, ...) or the uploaded file's original name
    file: str | None = None  # the stored upload inside the data set's folder
    encoding: str | None = None  # the upload's text encoding; None: detected from its bytes
    text_col: str | None = None  # None: suggested from the data
    label_col: str | None = None
    rating_threshold: float | None = None
    text: dict = field(default_factory=lambda: TextConfig().to_dict())

    @property
    def text_config(self) -> TextConfig:
        return TextConfig.from_dict(self.text)


def datasets_root() -> Path:
    root = runs.runs_root() / DATASETS_DIR
    root.mkdir(exist_ok=True)
    return root


def dataset_dir(dataset_id: str) -> Path:
    """The folder of ``dataset_id``; ids that are not plain names are refused."""
    if not dataset_id or safe_name(dataset_id, default="") != dataset_id:
        raise StudioError(f"{dataset_id!r} is not a valid data set id.")
    path = datasets_root() / dataset_id
    if not (path / SELECTION_FILE).is_file() and dataset_id not in BUILTIN_SOURCES:
        raise StudioError(f"There is no data set {dataset_id!r}; choose or upload one again.")
    return path


def save_builtin(name: str) -> str:
    """Register a built-in source (demo-en, demo-zh, keras-imdb); its id is its name."""
    if name not in BUILTIN_SOURCES:
        raise StudioError(f"Unknown built-in data set {name!r}; known: {list(BUILTIN_SOURCES)}.")
    path = datasets_root() / name
    if not (path / SELECTION_FILE).is_file():
        path.mkdir(exist_ok=True)
        sample = generate(200, lang=name.removeprefix("demo-"), seed=0)["text"] \
            if name.startswith("demo-") else []  # Keras's IMDB: English
        atomic_write_json(path / SELECTION_FILE, asdict(Selection(
            source=name, text=_suggested_text(sample))))
    return name


def save_upload(data: bytes, filename: str) -> str:
    """Keep an uploaded file and return its id; a file that cannot be read is refused, not kept.

    The id is a hash of the bytes, so uploading the same file twice gives the same data set.
    """
    from lstm_core.data.examples import suggest_columns
    from lstm_core.data.read import read_table

    table = read_table(data, name=filename)
    digest = hashlib.sha256(data).hexdigest()[:16]
    dataset_id = f"upload-{digest}"
    path = datasets_root() / dataset_id
    if not (path / SELECTION_FILE).is_file():
        path.mkdir(exist_ok=True)
        stored = f"source-{safe_name(filename, default='upload')}"
        atomic_write_bytes(path / stored, data)
        text_col, label_col = suggest_columns(table)
        texts = table[text_col].dropna().astype(str) if text_col else []
        atomic_write_json(path / SELECTION_FILE, asdict(Selection(
            source=filename, file=stored, text_col=text_col, label_col=label_col,
            text=_suggested_text(texts))))
    return dataset_id


def _suggested_text(texts) -> dict:
    """Text settings for a new data set: the defaults, with the tokenizer its texts call for."""
    from lstm_core.data.check import suggest_tokenizer

    return TextConfig(tokenizer=suggest_tokenizer(texts)).to_dict()


def load_selection(dataset_id: str) -> Selection:
    path = dataset_dir(dataset_id)
    if dataset_id in BUILTIN_SOURCES and not (path / SELECTION_FILE).is_file():
        save_builtin(dataset_id)
    data = read_json(path / SELECTION_FILE)
    try:
        return Selection(**data)
    except TypeError:
        raise StudioError(f"The settings of data set {dataset_id!r} are damaged; upload it "
                          "again.") from None


def update_selection(dataset_id: str, **changes) -> Selection:
    """Change how a data set is read (columns, threshold, text settings) and save it."""
    selection = replace(load_selection(dataset_id), **changes)
    selection.text_config  # noqa: B018 - validates the text settings before they are saved
    if selection.encoding is not None:
        normalize_encoding(selection.encoding)
    atomic_write_json(dataset_dir(dataset_id) / SELECTION_FILE, asdict(selection))
    return selection


def set_encoding(dataset_id: str, encoding: str | None) -> Selection:
    """Read the upload in ``encoding`` from now on (``None``: detect it) and save that.

    The header is decoded too, so a column picked under the old encoding may not exist under the
    new one; such a column is suggested again (a new label column drops the rating threshold).

    Raises:
        StudioError: the data set is built in, or ``encoding`` is unknown or does not fit the file;
            the selection is then left as it was.
    """
    from lstm_core.data.examples import suggest_columns
    from lstm_core.data.read import read_table

    selection = load_selection(dataset_id)
    if not selection.file:
        raise StudioError(f"{selection.source} is a built-in data set, which has no text "
                          "encoding to choose.")
    encoding = None if encoding is None else normalize_encoding(encoding)
    table = read_table(dataset_dir(dataset_id) / selection.file, encoding=encoding)
    text_col, label_col = suggest_columns(table)
    changes: dict = {"encoding": encoding}
    if selection.text_col not in table.columns:
        changes["text_col"] = text_col
    if selection.label_col not in table.columns:
        changes.update(label_col=label_col, rating_threshold=None)
    return update_selection(dataset_id, **changes)


def source_path(dataset_id: str) -> str:
    """What ``sources.load_source`` reads: the stored upload, or the built-in name."""
    selection = load_selection(dataset_id)
    return str(dataset_dir(dataset_id) / selection.file) if selection.file else selection.source


def read_dataset_table(dataset_id: str) -> pd.DataFrame:
    """The raw table, for the column mapping and the preview (built-ins as text, label)."""
    from lstm_core.data.read import read_table

    selection = load_selection(dataset_id)
    if selection.file:
        return read_table(dataset_dir(dataset_id) / selection.file, encoding=selection.encoding)
    return load_source(selection.source).frame


def dataset_examples(dataset_id: str) -> Examples:
    """The kept examples under the current selection."""
    selection = load_selection(dataset_id)
    return load_source(source_path(dataset_id), selection.text_col, selection.label_col,
                       rating_threshold=selection.rating_threshold, encoding=selection.encoding)
