"""The data check shown before training, and the settings it suggests.

It tokenizes the examples exactly as training will, so the lengths, vocabulary and suggested
``max_len`` describe what the model will really see: the training texts and, when there is a
separate test file, the test texts too.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from lstm_core.config import TextConfig, TrainConfig
from lstm_core.data.encoding import TextEncoding
from lstm_core.text.processor import TextProcessor

# A text longer than this many tokens costs an LSTM on a CPU more time than it gives back accuracy;
# the suggestion never goes beyond it (a user can).
MAX_SUGGESTED_LEN = 400
# Batches are bucketed by length, so a limit that only the longest texts reach costs little:
# the suggestion covers this share of every text the model will see.
SUGGESTED_LEN_PERCENTILE = 99
MAX_SUGGESTED_VOCAB = 20000
PERCENTILES = (50, 90, 95, 99)
TOKENIZER_SAMPLE = 2000  # texts looked at to choose a tokenizer
LONG_TEXT_TOKENS = 100  # a median above this is a long text (a review, not a sentence)
MANY_ROWS = 10_000  # from this many short texts, batches of 64
RICH_VOCAB = 1_000  # tokens seen twice or more from which short texts get word and embed dropout
SHORT_WORD_DROPOUT = 0.2
SHORT_EMBED_DROPOUT = 0.5
SHORT_LEARNING_RATE = 5e-4
# Test texts are "much longer" when their median is over this many times the training median, or
# their 90th percentile over the training 99th; a random split of one file reaches neither.
LONGER_MEDIAN_RATIO = 2.0
# The test classes are "shared differently" when the total variation distance between the
# training and the test class shares (half the sum of the differences) is over this.
CLASS_SHARE_DISTANCE = 0.2


@dataclass
class DataReport:
    """What a person should know about their examples before training."""

    rows_total: int
    rows_kept: int
    dropped: dict[str, int]
    class_counts: dict[str, int]
    length_percentiles: dict[str, int]  # tokens per text: p50, p90, p95, p99, max
    lengths: list[int] = field(repr=False)  # tokens per kept text, for the histogram
    empty_after_tokenizing: int = 0
    duplicates: int = 0  # texts that appear more than once (extra copies counted)
    conflicting_duplicates: int = 0  # distinct texts that appear with different labels
    vocab_size: int = 0  # distinct tokens
    vocab_size_min2: int = 0  # distinct tokens seen at least twice
    suggested_max_len: int = 0
    suggested_vocab_size: int = 0
    tokenizer: str = "auto"  # the tokenizer the check read the texts with
    encoding: TextEncoding | None = None  # how the file was decoded; None: not a text file
    warnings: list[str] = field(default_factory=list)
    # The separate test set, when there is one (0 rows and empty otherwise).
    test_rows: int = 0
    test_class_counts: dict[str, int] = field(default_factory=dict)
    test_length_percentiles: dict[str, int] = field(default_factory=dict)
    test_lengths: list[int] = field(default_factory=list, repr=False)

    def to_dict(self) -> dict:
        data = asdict(self)
        data.pop("lengths")
        data.pop("test_lengths")
        return data


def check_examples(
    examples: pd.DataFrame,
    text_config: TextConfig,
    *,
    test_examples: pd.DataFrame | None = None,
    dropped: dict[str, int] | None = None,
    rows_total: int | None = None,
    encoding: TextEncoding | None = None,
) -> DataReport:
    """Describe ``examples`` (columns text, label, from ``examples.to_examples``).

    Args:
        examples: the kept rows.
        text_config: the preprocessing training will use.
        test_examples: the separate test set (same columns), when there is one: its lengths
            count towards the suggested ``max_len``, and it is compared with ``examples``.
        dropped: reasons and counts of rows already dropped by ``to_examples``.
        rows_total: rows in the file before dropping; default kept + dropped.
        encoding: how the file was decoded (``Examples.encoding``), reported and warned about
            when the guess is uncertain.
    """
    dropped = dict(dropped or {})
    processor = TextProcessor(text_config)
    tokens = processor.tokenize_many(examples["text"])
    lengths = np.array([len(t) for t in tokens], dtype=int)
    counts = Counter(tok for toks in tokens for tok in toks)
    class_counts = examples["label"].value_counts().sort_index()
    texts = examples["text"].str.strip()
    duplicates = int(texts.duplicated().sum())
    labels_per_text = examples.assign(_t=texts).groupby("_t")["label"].nunique()
    report = DataReport(
        rows_total=rows_total if rows_total is not None else len(examples) + sum(dropped.values()),
        rows_kept=len(examples),
        dropped=dropped,
        class_counts={str(k): int(v) for k, v in class_counts.items()},
        length_percentiles=_percentiles(lengths),
        lengths=lengths.tolist(),
        empty_after_tokenizing=int((lengths == 0).sum()),
        duplicates=duplicates,
        conflicting_duplicates=int((labels_per_text > 1).sum()),
        vocab_size=len(counts),
        vocab_size_min2=sum(1 for c in counts.values() if c >= 2),
        encoding=encoding,
        tokenizer=text_config.tokenizer,
    )
    if test_examples is not None and len(test_examples):
        test_lengths = np.array([len(t) for t in processor.tokenize_many(test_examples["text"])],
                                dtype=int)
        test_counts = test_examples["label"].value_counts().sort_index()
        report.test_rows = len(test_examples)
        report.test_class_counts = {str(k): int(v) for k, v in test_counts.items()}
        report.test_length_percentiles = _percentiles(test_lengths)
        report.test_lengths = test_lengths.tolist()
    report.suggested_max_len = suggest_max_len(lengths, report.test_lengths)
    report.suggested_vocab_size = min(MAX_SUGGESTED_VOCAB, report.vocab_size_min2 + 2)
    report.warnings = _warnings(report)
    return report


def suggest_tokenizer(texts: Sequence[str]) -> str:
    """"jieba" when most texts are Chinese, else "auto" (words; Japanese in characters).

    Dictionary words gave both the LSTM and the bag of words more to learn from than single
    characters on real Chinese reviews (docs/benchmarks.md, "Suggested settings").
    """
    from lstm_core.text.processor import is_chinese

    sample = list(texts[:TOKENIZER_SAMPLE]) if not isinstance(texts, pd.Series) else \
        texts.head(TOKENIZER_SAMPLE).tolist()
    chinese = sum(is_chinese(str(text)) for text in sample)
    return "jieba" if sample and chinese > len(sample) / 2 else "auto"


def suggest_max_len(lengths: Sequence[int], test_lengths: Sequence[int] = ()) -> int:
    """The 99th percentile of the training and test texts' lengths, rounded up to a multiple of
    8, at most ``MAX_SUGGESTED_LEN``.

    A limit set from the training texts alone cuts test texts that are longer, and the model
    is then judged on texts it never sees whole.
    """
    every = np.concatenate([np.asarray(lengths, dtype=int), np.asarray(test_lengths, dtype=int)])
    if len(every) == 0:
        return 8
    high = float(np.percentile(every, SUGGESTED_LEN_PERCENTILE))
    return int(min(MAX_SUGGESTED_LEN, max(8, 8 * np.ceil(high / 8))))


def suggest_settings(report: DataReport) -> dict:
    """Defaults for the Train page and the CLI, from the data.

    Chosen on public sets the studio was not tuned on, at three seeds each (docs/benchmarks.md,
    "Suggested settings"). Every text length gets a bidirectional LSTM with max pooling: the max
    over all steps keeps the strongest cue from anywhere in the text, where the last state of a
    one-way reading favours the end. Short texts (a median up to 100 tokens) with a real
    vocabulary overfit its rare words within an epoch or two, so they get whole words and whole
    embedding dimensions hidden in training and a smaller learning rate; a small, templated
    vocabulary (the demo's) has nothing rare to memorise and only learns slower with them. Short
    texts train up to 10 epochs with early stopping. Long
    texts keep the IMDB recipe: 2 epochs with the learning rate falling linearly to 0 in
    batches of 32, since with 128-wide embeddings long reviews are memorised within two epochs.
    Many short texts get batches of 64. The tokenizer is the one the check read the texts with
    (``suggest_tokenizer`` picks jieba words for Chinese).
    """
    long_texts = report.length_percentiles.get("p50", 0) > LONG_TEXT_TOKENS
    rows = report.rows_kept
    regularise = not long_texts and report.vocab_size_min2 >= RICH_VOCAB
    model = {"bidirectional": True, "pooling": "max", "embed_dim": 128, "units": 64,
             "dropout": 0.5}
    if regularise:
        model |= {"word_dropout": SHORT_WORD_DROPOUT, "embed_dropout": SHORT_EMBED_DROPOUT}
    return {
        "text": {"tokenizer": report.tokenizer, "max_len": report.suggested_max_len,
                 "vocab_size": report.suggested_vocab_size},
        "model": model,
        "train": {
            "batch_size": 32 if rows < MANY_ROWS or long_texts else 64,
            "epochs": 2 if long_texts else 10,
            "lr_schedule": "linear" if long_texts else TrainConfig.lr_schedule,
            "learning_rate": SHORT_LEARNING_RATE if regularise else TrainConfig.learning_rate,
        },
    }


def _percentiles(lengths: np.ndarray) -> dict[str, int]:
    if len(lengths) == 0:
        return {f"p{p}": 0 for p in PERCENTILES} | {"max": 0}
    values = {f"p{p}": int(np.percentile(lengths, p)) for p in PERCENTILES}
    return values | {"max": int(lengths.max())}


def _warnings(report: DataReport) -> list[str]:
    """Plain-language notes on what may hurt training or flatter the test score."""
    notes = []
    if report.encoding is not None and report.encoding.uncertain:
        notes.append(report.encoding.warning())
    counts = report.class_counts
    if counts and max(counts.values()) > 3 * min(counts.values()):
        notes.append(
            f"The classes are unbalanced ({counts}); accuracy will flatter the model. Consider "
            "class_weights='balanced' and look at per-class recall."
        )
    if report.duplicates:
        notes.append(
            f"{report.duplicates} texts are repeats of others; copies that land in both the "
            "training and the test split make the test score look better than it is."
        )
    if report.conflicting_duplicates:
        notes.append(
            f"{report.conflicting_duplicates} texts appear with different labels; no model can get "
            "all of them right."
        )
    if report.empty_after_tokenizing:
        notes.append(
            f"{report.empty_after_tokenizing} texts have no tokens left after preprocessing; "
            "they are not used for training."
        )
    every = np.array(report.lengths + report.test_lengths, dtype=int)
    cut = int((every > report.suggested_max_len).sum())
    if cut:
        notes.append(
            f"{cut} texts ({cut / len(every):.1%}) are longer than the suggested max_len "
            f"of {report.suggested_max_len} tokens and will be cut."
        )
    return notes + _test_warnings(report)


def _test_warnings(report: DataReport) -> list[str]:
    """Notes on a separate test set that does not look like the training texts."""
    if not report.test_rows:
        return []
    notes = []
    train, test = report.length_percentiles, report.test_length_percentiles
    if test["p50"] > LONGER_MEDIAN_RATIO * train["p50"] or test["p90"] > train["p99"]:
        notes.append(
            f"The test texts are much longer than the training texts (median {test['p50']} "
            f"tokens against {train['p50']}; 90% of the test texts have up to {test['p90']}, "
            f"99% of the training texts up to {train['p99']}). A model that learned from short "
            "texts such as phrases often misreads long ones: train on texts like those it will "
            "be tested on."
        )
    train_shares = _shares(report.class_counts)
    test_shares = _shares(report.test_class_counts)
    classes = sorted(set(train_shares) | set(test_shares))
    distance = sum(abs(train_shares.get(c, 0.0) - test_shares.get(c, 0.0)) for c in classes) / 2
    if distance > CLASS_SHARE_DISTANCE:
        def listed(shares: dict[str, float]) -> str:
            return ", ".join(f"{c} {shares.get(c, 0.0):.0%}" for c in classes)

        notes.append(
            f"The classes are shared differently in the test texts (training: "
            f"{listed(train_shares)}; test: {listed(test_shares)}). The test accuracy then "
            "weighs the classes otherwise than training did; check that the test file is the "
            "one you meant, and compare the recall of each class."
        )
    return notes


def _shares(counts: dict[str, int]) -> dict[str, float]:
    total = sum(counts.values())
    return {name: count / total for name, count in counts.items()} if total else {}
