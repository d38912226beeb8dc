"""The Data page's pieces: source picker, encoding, columns, preview, data check, preprocessing.

Each function draws into the container it is given. The data set's settings on disk
(``lstm_core.data.datasets.Selection``) are the single source of truth: widgets take their
defaults from them and every change is saved back with ``update_selection`` before anything
is computed from it.
"""

from __future__ import annotations

import json
from dataclasses import asdict

import pandas as pd
import streamlit as st

from lstm_core.config import HELP, TextConfig, settings_of
from lstm_core.data.check import check_examples
from lstm_core.data.datasets import (
    Selection,
    dataset_dir,
    dataset_examples,
    read_dataset_table,
    save_builtin,
    save_upload,
    set_encoding,
    update_selection,
)
from lstm_core.data.encoding import ENCODINGS
from lstm_core.data.examples import looks_like_rating, suggest_rating_threshold
from lstm_core.data.read import text_encoding
from lstm_core.data.sources import BUILTIN_SOURCES
from lstm_core.errors import StudioError
from lstm_core.fileio import file_stamp
from lstm_core.settings import max_upload_bytes
from lstm_core.text.processor import TextProcessor
from pages.components.settings_form import setting_widget

UPLOAD = "upload"
AUTO = "auto"  # the encoding select box's "detect it" option
SOURCES = {
    "demo-en": "Demo (English)",
    "demo-zh": "Demo (Chinese)",
    UPLOAD: "Upload a file",
    "keras-imdb": "Keras IMDB (online)",
}
# Every format lstm_core.data.read.read_table reads; "gz" admits any of them gzipped
# (reviews.csv.gz).
UPLOAD_TYPES = ["csv", "tsv", "tab", "txt", "json", "jsonl", "ndjson", "xlsx", "xlsm", "parquet",
                "gz"]
PREVIEW_ROWS = 20
TOKEN_PREVIEW_ROWS = 5


# --- the data set ---------------------------------------------------------------------------------


def pick_source(container, dataset_id: str) -> str | None:
    """Choose a built-in set or upload a file; returns the active data set id.

    A new choice is registered on disk and written to the ``dataset`` query parameter. ``None``
    means there is nothing to show yet: the upload was refused (the error is drawn) or no file has
    been picked.
    """
    current = dataset_id if dataset_id in BUILTIN_SOURCES else UPLOAD
    choice = container.radio(
        "Data source", list(SOURCES), index=list(SOURCES).index(current),
        format_func=SOURCES.__getitem__, horizontal=True, key="data-source",
        help="The demo sets are generated here and need no download; Keras IMDB is 50,000 movie "
        "reviews fetched from the internet on first use.",
    )
    try:
        if choice == UPLOAD:
            dataset_id = _upload(container, dataset_id)
        elif choice != dataset_id:
            dataset_id = save_builtin(choice)
    except StudioError as exc:
        container.error(str(exc))
        return None
    if dataset_id is not None and st.query_params.get("dataset") != dataset_id:
        st.query_params["dataset"] = dataset_id
    return dataset_id


def _upload(container, dataset_id: str) -> str | None:
    limit_mb = max(1, max_upload_bytes() // 2**20)
    file = container.file_uploader(
        "A labelled text file", type=UPLOAD_TYPES, key="data-upload", max_upload_size=limit_mb,
        help="One row per text, with a column of text and a column of labels (or star ratings). "
        "CSV/TSV with any delimiter, JSON, JSON Lines, Excel, Parquet, or any of them gzipped. "
        "Text files may be UTF-8 (with or without BOM), UTF-16 (Excel's Unicode Text), GB18030/"
        "GBK, Big5, Shift-JIS, EUC-KR, Windows-1251 or Windows-1252/Latin-1: the encoding is "
        "detected, and you can choose it below when the guess is wrong.",
    )
    if file is not None:
        data = file.getvalue()
        dataset_id = _store_upload(data, file.name)
        try:
            dataset_dir(dataset_id)
        except StudioError:  # the store was emptied since this file was cached: save it again
            _store_upload.clear(data, file.name)
            dataset_id = _store_upload(data, file.name)
        return dataset_id
    if dataset_id in BUILTIN_SOURCES:
        container.info("Pick a file to upload. It is kept on the server, so a refresh or a shared "
                       "link finds it again.")
        return None
    return dataset_id  # an upload chosen earlier (the URL names it), shown again


@st.cache_data(show_spinner="Reading the file...", max_entries=4)
def _store_upload(data: bytes, name: str) -> str:
    """Save once per file: the uploader keeps its file across reruns, parsing it again is slow."""
    return save_upload(data, name)


@st.cache_data(show_spinner="Reading the data set...", max_entries=8)
def _table(dataset_id: str, stamp: tuple[int, int], encoding: str | None) -> pd.DataFrame:
    return read_dataset_table(dataset_id)


def cached_table(dataset_id: str, selection: Selection) -> pd.DataFrame:
    """The raw table, parsed once per data set id, version of its stored file and encoding."""
    stamp = file_stamp(dataset_dir(dataset_id) / selection.file) if selection.file else (0, 0)
    return _table(dataset_id, stamp, selection.encoding)


def show_active(container, dataset_id: str, selection: Selection, table: pd.DataFrame) -> None:
    """Which data set is active and what was detected when reading it."""
    # An uploaded file's name goes in a code span, so '*' or '[' in it is not read as Markdown.
    name = BUILTIN_SOURCES.get(selection.source, selection.source)
    if selection.file:
        name = f"`{selection.source}`"
    found = [f"{len(table):,} rows", f"{table.shape[1]} columns"]
    attrs = table.attrs
    if attrs.get("format"):
        found.append(f"format {attrs['format']}")
    if attrs.get("compression"):
        found.append(f"{attrs['compression']}-compressed")
    encoding = text_encoding(table)
    if encoding is not None:
        found.append(f"encoding {encoding.describe()}{' (chosen)' if selection.encoding else ''}")
    if attrs.get("delimiter"):
        found.append(f"delimiter {_delimiter_name(attrs['delimiter'])}")
    container.markdown(f"**Active data set:** {name} ({dataset_id})  \n{' · '.join(found)}")


def _delimiter_name(delimiter: str) -> str:
    return {"\t": "tab", " ": "space"}.get(delimiter, f"`{delimiter}`")


def pick_encoding(container, dataset_id: str, selection: Selection, table: pd.DataFrame) -> None:
    """Detect the text encoding or choose it; a new choice is saved and the file read again.

    Workbooks and Parquet files store their text in a fixed encoding and get no select box.
    """
    found = text_encoding(table)
    if not selection.file or found is None:
        return
    current = selection.encoding or AUTO
    options = [AUTO, *ENCODINGS] + ([current] if current not in (AUTO, *ENCODINGS) else [])
    labels = {AUTO: "Detect", **{name: f"{name} - {label}" for name, label in ENCODINGS.items()}}
    if current == AUTO:
        labels[AUTO] = f"Detect (found {found.name}{', uncertain' if found.uncertain else ''})"
    choice = container.selectbox(
        "Text encoding", options, index=options.index(current), key=f"{dataset_id}-encoding",
        format_func=lambda name: labels.get(name, name),
        help="How the file's bytes become letters: detected, unless you choose one. If the "
        "preview shows letters of another alphabet or odd signs, pick the encoding the file was "
        "saved in.",
    )
    if choice == current:
        return
    try:
        set_encoding(dataset_id, None if choice == AUTO else choice)
    except StudioError as exc:
        container.error(str(exc))
        return
    st.rerun()  # the table on this page was read in the old encoding


# --- columns --------------------------------------------------------------------------------------


def map_columns(container, dataset_id: str, selection: Selection, table: pd.DataFrame) -> Selection:
    """Which columns hold the text and the label, and a threshold when the labels are ratings."""
    columns = list(table.columns)
    container.subheader("Columns")
    left, middle, right = container.columns(3)
    text_col = left.selectbox(
        "Text column", columns, index=_index(columns, selection.text_col), format_func=str,
        key=f"{dataset_id}-text",
        placeholder="Pick the column with the texts",
        help="The column the model reads. Suggested: the one with the longest values.",
    )
    label_col = middle.selectbox(
        "Label column", columns, index=_index(columns, selection.label_col), format_func=str,
        key=f"{dataset_id}-label", placeholder="Pick the column with the labels",
        help="The answer the model learns to give: a class per row (positive/negative, 0/1, ...) "
        "or a star rating. Suggested: a column with 2 to 20 distinct values.",
    )
    changes = {}
    if text_col != selection.text_col:
        changes["text_col"] = text_col
    if label_col != selection.label_col:  # a threshold belongs to the old column's scale
        changes.update(label_col=label_col, rating_threshold=None)
    selection = _save(container, dataset_id, selection, changes)
    if label_col is not None and (looks_like_rating(table[label_col])
                                  or selection.rating_threshold is not None):
        selection = _rating_threshold(right, dataset_id, selection, table[label_col])
    return selection


def _index(columns: list, column: str | None) -> int | None:
    return columns.index(column) if column in columns else None


def _rating_threshold(container, dataset_id: str, selection: Selection,
                      ratings: pd.Series) -> Selection:
    key = f"{dataset_id}-{ratings.name}"  # a new label column starts from its own saved state
    use = container.toggle(
        "Turn ratings into positive/negative", value=selection.rating_threshold is not None,
        key=f"{key}-use-threshold",
        help="Star ratings are a scale, not classes. With this on, ratings above the threshold "
        "become 'positive' and the rest 'negative'; off, every rating is a class of its own.",
    )
    threshold = selection.rating_threshold
    if threshold is None:
        try:
            threshold = suggest_rating_threshold(ratings)
        except StudioError as exc:
            container.error(str(exc))
            return selection
    value = container.number_input(
        "Rating threshold", value=float(threshold), step=0.5, disabled=not use,
        key=f"{key}-threshold",
        help="Ratings above this are positive. Suggested: the middle of the scale, so on 1-5 "
        "stars 4 and 5 are positive and 1 to 3 negative.",
    )
    wanted = float(value) if use else None
    if wanted != selection.rating_threshold:
        selection = _save(container, dataset_id, selection, {"rating_threshold": wanted})
    if use:
        container.caption(f"Ratings above {wanted:g} are positive, the rest negative.")
    return selection


def _save(container, dataset_id: str, selection: Selection, changes: dict) -> Selection:
    if not changes:
        return selection
    try:
        return update_selection(dataset_id, **changes)
    except StudioError as exc:
        container.error(str(exc))
        return selection


# --- preview and preprocessing ------------------------------------------------------------------


def show_preview(container, table: pd.DataFrame) -> None:
    container.caption(f"The first {min(PREVIEW_ROWS, len(table))} of {len(table):,} rows, as read "
                      "from the source.")
    container.dataframe(table.head(PREVIEW_ROWS), hide_index=True, width="stretch")


def preprocessing_options(container, dataset_id: str, selection: Selection) -> Selection:
    """Tokenizer and cleaning switches; saved with the data set, so the check and training agree."""
    text = selection.text
    container.caption("How raw text becomes tokens. The trained model keeps these settings and "
                      "applies them to every text it is asked about.")
    # The text settings with a widget that the Train form leaves out: the tokenizer, then the
    # cleaning switches three to a row.
    here = [item for item in settings_of(TextConfig)
            if item.spec.widget is not None and item.spec.column is None]
    switches = [item for item in here if item.kind is bool]
    chosen = {item.name: setting_widget(container, item, text[item.name], dataset_id)
              for item in here if item.kind is not bool}
    columns = container.columns(3)
    for number, item in enumerate(switches):
        chosen[item.name] = setting_widget(columns[number % 3], item, text[item.name], dataset_id)
    changed = {name: value for name, value in chosen.items() if text[name] != value}
    if changed:
        selection = _save(container, dataset_id, selection, {"text": {**text, **changed}})
    return selection


def show_token_preview(container, table: pd.DataFrame, selection: Selection) -> None:
    """A few texts and the tokens the model will see for them, under the current settings."""
    column = selection.text_col or "text"
    if column not in table.columns:
        container.info("Pick the text column to see its tokens.")
        return
    texts = table[column].dropna().astype("str").head(TOKEN_PREVIEW_ROWS)
    processor = TextProcessor(selection.text_config)
    container.caption(f"The first {len(texts)} texts and the tokens the model will read, "
                      "separated by ·. Change a switch above to see its effect.")
    container.dataframe(
        pd.DataFrame({"text": texts, "tokens": [" · ".join(processor.tokenize(t)) for t in texts]}),
        hide_index=True, width="stretch",
    )


# --- the data check -------------------------------------------------------------------------------


@st.cache_data(show_spinner="Checking the data...", max_entries=16)
def _check(dataset_id: str, selection_json: str) -> tuple[dict, list[int]]:
    selection = Selection(**json.loads(selection_json))
    examples = dataset_examples(dataset_id)
    report = check_examples(examples.frame, selection.text_config,
                            test_examples=examples.test_frame, dropped=examples.dropped,
                            rows_total=examples.rows_total, encoding=examples.encoding)
    return report.to_dict(), report.lengths


def cached_check(dataset_id: str, selection: Selection) -> tuple[dict, list[int]]:
    """The data check as plain data (report dict, tokens per text), cached per selection."""
    return _check(dataset_id, json.dumps(asdict(selection), sort_keys=True))


def data_check(container, dataset_id: str, selection: Selection) -> bool:
    """Run the check (cached) and draw it; a refusal is drawn as an error and gives False."""
    if selection.file and not (selection.text_col and selection.label_col):
        container.error("Pick the text column and the label column above. No column looked like "
                        "a label: a label column has 2 to 20 different values.")
        return False
    try:
        report, lengths = cached_check(dataset_id, selection)
    except StudioError as exc:
        container.error(str(exc))
        return False
    show_data_check(container, report, lengths)
    return True


def show_data_check(container, report: dict, lengths: list[int]) -> None:
    """Rows kept and dropped, classes, vocabulary, lengths, and what may go wrong."""
    from lstm_core.figures.data import class_balance_figure, length_histogram

    dropped = report["dropped"]
    kept, lost, classes, vocab, max_len = container.columns(5)
    kept.metric("Rows kept", f"{report['rows_kept']:,}",
                help=f"Out of {report['rows_total']:,} rows in the source.")
    lost.metric("Rows dropped", f"{sum(dropped.values()):,}",
                help="Rows without text or without a label cannot be learned from.")
    classes.metric("Classes", len(report["class_counts"]),
                   help=", ".join(f"{name}: {count:,}" for name, count in
                                  report["class_counts"].items()))
    vocab.metric("Vocabulary size", f"{report['vocab_size']:,}",
                 help=f"Distinct tokens; {report['vocab_size_min2']:,} of them appear at least "
                 "twice. A word seen once teaches the model little.")
    max_len.metric("Suggested max length", report["suggested_max_len"],
                   help=HELP["max_len"])
    if dropped:
        container.caption("Dropped: " + ", ".join(f"{count:,} rows with {reason}"
                                                  for reason, count in dropped.items()) + ".")
    left, right = container.columns(2)
    left.plotly_chart(class_balance_figure(report["class_counts"]), width="stretch")
    right.plotly_chart(length_histogram(lengths, suggested_max_len=report["suggested_max_len"]),
                       width="stretch")
    percentiles = report["length_percentiles"]
    container.caption(
        f"Tokens per text: median {percentiles['p50']}, 99% have at most {percentiles['p99']}, "
        f"longest {percentiles['max']}."
    )
    if report["test_rows"]:
        tested = report["test_length_percentiles"]
        container.caption(
            f"The separate test set: {report['test_rows']:,} texts, median {tested['p50']} "
            f"tokens, 99% have at most {tested['p99']}, longest {tested['max']}; classes "
            + ", ".join(f"{name}: {count:,}" for name, count in
                        report["test_class_counts"].items()) + "."
        )
    for note in report["warnings"]:
        container.warning(note)
