"""A run's examples as the model and the baseline take them: tokens, ids, labels and weights.

``prepare_data`` tokenizes every text once, builds the vocabulary from the training texts only
(and saves it beside the model, which prediction loads and never refits), and keeps the rows of
each split so the later steps pick theirs by name.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from lstm_core.config import RunConfig
from lstm_core.model.batching import encode_tokens
from lstm_core.store import runs
from lstm_core.text.processor import TextProcessor
from lstm_core.text.vocab import Vocabulary
from lstm_core.training.split import SPLITS


@dataclass(frozen=True, eq=False)
class PreparedData:
    """Every example of a run, tokenized and encoded, with the rows of each split.

    Attributes:
        examples: columns text, label and split, as ``create_run`` wrote them.
        tokens: tokens per example.
        vocabulary: built from the training texts; its ``labels`` fix the class order.
        ids: token ids per example, cut to ``max_len``.
        labels: class index per example, shape (examples,).
        weights: sample weight per example, shape (examples,).
        index: rows of "train", "val" and "test"; train leaves out texts without tokens.
    """

    examples: pd.DataFrame
    tokens: list[list[str]]
    vocabulary: Vocabulary
    ids: list[list[int]]
    labels: np.ndarray
    weights: np.ndarray
    index: dict[str, np.ndarray]

    def subset(self, split: str) -> tuple[list[list[int]], np.ndarray, np.ndarray]:
        """(ids, labels, sample_weights) of one split, as ``batching`` takes them."""
        rows = self.index[split]
        return [self.ids[i] for i in rows], self.labels[rows], self.weights[rows]

    def tokens_in(self, split: str) -> list[list[str]]:
        """The tokens of one split's texts, as the baseline takes them."""
        return [self.tokens[i] for i in self.index[split]]

    def examples_in(self, split: str) -> pd.DataFrame:
        """The rows of ``examples`` in one split."""
        return self.examples.iloc[self.index[split]]


def prepare_data(run_dir: Path, config: RunConfig) -> PreparedData:
    """Tokenize the run's examples, build and save its vocabulary, encode and weigh them."""
    examples = pd.read_parquet(Path(run_dir) / runs.DATA_FILE)
    tokens = TextProcessor(config.text).tokenize_many(examples["text"],
                                                      workers=os.cpu_count() or 1)
    is_train = (examples["split"] == "train").to_numpy()
    vocabulary = Vocabulary.build(
        [t for t, keep in zip(tokens, is_train, strict=True) if keep],
        examples.loc[is_train, "label"],
        max_size=config.text.vocab_size,
        min_count=config.text.min_count,
    )
    vocabulary.save(Path(run_dir) / runs.VOCAB_FILE)

    index = {name: np.flatnonzero((examples["split"] == name).to_numpy()) for name in SPLITS}
    # Texts with no tokens left teach nothing; they stay in val/test, where they count as seen.
    index["train"] = np.array([i for i in index["train"] if tokens[i]], dtype=int)
    labels = vocabulary.label_ids(examples["label"])
    return PreparedData(
        examples=examples,
        tokens=tokens,
        vocabulary=vocabulary,
        ids=encode_tokens(tokens, vocabulary, config.text),
        labels=labels,
        weights=sample_weights(labels, index["train"], len(vocabulary.labels),
                               config.train.class_weights),
        index=index,
    )


def sample_weights(labels: np.ndarray, train_index: np.ndarray, classes: int,
                   mode: str) -> np.ndarray:
    """1 for every example, or n / (classes * n_class) with ``balanced`` (as scikit-learn does)."""
    weights = np.ones(len(labels), dtype="float32")
    if mode == "balanced":
        counts = np.bincount(labels[train_index], minlength=classes).astype("float64")
        per_class = len(train_index) / (classes * np.maximum(counts, 1))
        weights = per_class[labels].astype("float32")
    return weights
