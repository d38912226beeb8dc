"""Which examples a run trains, validates and tests on: a stratified split, seeded."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lstm_core.errors import StudioError

SPLITS = ("train", "val", "test")


def split_examples(labels: pd.Series, val_split: float, test_split: float, seed: int) -> np.ndarray:
    """A stratified split: "train", "val" or "test" per example, the same for the same seed.

    Each class gives at least one example to val (and to test when test_split > 0), so every class
    is seen when picking the best epoch and in the final report.
    """
    rng = np.random.default_rng(seed)
    split = np.full(len(labels), "train", dtype=object)
    for label in sorted(labels.unique()):
        members = rng.permutation(np.flatnonzero((labels == label).to_numpy()))
        n_test = max(1, round(len(members) * test_split)) if test_split > 0 else 0
        n_val = max(1, round(len(members) * val_split))
        if len(members) - n_test - n_val < 1:
            raise StudioError(
                f"Class {label!r} has only {len(members)} examples, too few to split into train, "
                "validation and test. Add examples or merge it with another class."
            )
        split[members[:n_test]] = "test"
        split[members[n_test : n_test + n_val]] = "val"
    return split
