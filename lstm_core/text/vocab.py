"""Token and label vocabularies, saved as vocab.json beside the model.

Id 0 is padding (masked out by the Embedding) and id 1 is the unknown token. Label order is fixed
here once: class ``i`` of the softmax is ``labels[i]`` for training, evaluation and prediction.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lstm_core.errors import StudioError
from lstm_core.fileio import atomic_write_json, read_json

PAD_ID = 0
UNK_ID = 1
PAD_TOKEN = "<pad>"
UNK_TOKEN = "<unk>"


def sort_labels(labels: Iterable[str]) -> list[str]:
    """Class order: numeric labels by value ("2" before "10"), others alphabetically."""
    unique = set(labels)

    def key(label: str):
        try:
            return (0, float(label), label)
        except ValueError:
            return (1, 0.0, label)

    return sorted(unique, key=key)


@dataclass(frozen=True)
class Vocabulary:
    """Maps tokens to ids and labels to class indices.

    Example:
        >>> vocab = Vocabulary.build([["good", "film"], ["bad", "film"]], ["pos", "neg"])
        >>> vocab.encode(["good", "unseen"])
        [3, 1]
    """

    tokens: tuple[str, ...]
    labels: tuple[str, ...]

    @classmethod
    def build(
        cls,
        token_lists: Iterable[Sequence[str]],
        labels: Iterable[str],
        *,
        max_size: int = 20000,
        min_count: int = 1,
    ) -> Vocabulary:
        """Keep the ``max_size - 2`` most frequent tokens seen at least ``min_count`` times.

        Ties are broken alphabetically so the same data always gives the same ids.
        """
        counts = Counter(tok for tokens in token_lists for tok in tokens)
        ranked = sorted((c, t) for t, c in counts.items() if c >= min_count)
        ranked.sort(key=lambda pair: -pair[0])
        kept = [tok for _, tok in ranked[: max(0, max_size - 2)]]
        return cls(tokens=(PAD_TOKEN, UNK_TOKEN, *kept), labels=tuple(sort_labels(labels)))

    def __post_init__(self) -> None:
        if self.tokens[:2] != (PAD_TOKEN, UNK_TOKEN):
            raise StudioError("A vocabulary must start with the padding and unknown tokens.")
        if len(self.labels) < 2:
            raise StudioError(f"A model needs at least two classes; got {list(self.labels)}.")

    @property
    def size(self) -> int:
        return len(self.tokens)

    @property
    def _index(self) -> dict[str, int]:
        index = self.__dict__.get("_index_cache")
        if index is None:
            index = {tok: i for i, tok in enumerate(self.tokens)}
            object.__setattr__(self, "_index_cache", index)
        return index

    def encode(self, tokens: Sequence[str]) -> list[int]:
        index = self._index
        return [index.get(tok, UNK_ID) for tok in tokens]

    def label_ids(self, labels: Iterable[str]) -> np.ndarray:
        positions = {label: i for i, label in enumerate(self.labels)}
        try:
            return np.array([positions[label] for label in labels], dtype="int32")
        except KeyError as exc:
            raise StudioError(
                f"Label {exc.args[0]!r} was not seen in training; known labels: "
                f"{list(self.labels)}."
            ) from None

    def to_dict(self) -> dict:
        return {"tokens": list(self.tokens), "labels": list(self.labels), "pad_id": PAD_ID,
                "unk_id": UNK_ID}

    @classmethod
    def from_dict(cls, data: dict) -> Vocabulary:
        try:
            return cls(tokens=tuple(data["tokens"]), labels=tuple(data["labels"]))
        except (KeyError, TypeError) as exc:
            raise StudioError(f"vocab.json lacks {exc}; the run directory is damaged.") from None

    def save(self, path: Path) -> None:
        atomic_write_json(path, self.to_dict())

    @classmethod
    def load(cls, path: Path) -> Vocabulary:
        return cls.from_dict(read_json(path))


def truncate(ids: Sequence[int], max_len: int, truncating: str) -> list[int]:
    """Cut a sequence to ``max_len``: ``pre`` drops the start (keeps the end), ``post`` the end."""
    if len(ids) <= max_len:
        return list(ids)
    return list(ids[-max_len:]) if truncating == "pre" else list(ids[:max_len])


def pad_batch(sequences: Sequence[Sequence[int]], length: int | None = None) -> np.ndarray:
    """Pad id sequences on the ``PADDING`` side with ``PAD_ID``: (batch, timesteps) int32."""
    length = max((len(s) for s in sequences), default=1) if length is None else length
    out = np.full((len(sequences), max(length, 1)), PAD_ID, dtype="int32")
    for row, seq in enumerate(sequences):
        out[row, : len(seq)] = seq[:length]
    return out
