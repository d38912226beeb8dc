"""split_examples: stratified, seeded, every class in every split."""

import numpy as np
import pandas as pd
import pytest

from lstm_core.errors import StudioError
from lstm_core.training.split import split_examples


def test_split_is_stratified_seeded_and_covers_every_class():
    labels = pd.Series(["a"] * 50 + ["b"] * 10)
    split = split_examples(labels, 0.1, 0.2, seed=1)
    assert np.array_equal(split, split_examples(labels, 0.1, 0.2, seed=1))
    for label in ("a", "b"):
        mine = split[(labels == label).to_numpy()]
        assert {"train", "val", "test"} <= set(mine)
    assert (split == "test").sum() == 12 and (split == "val").sum() == 6


def test_a_class_too_small_to_split_is_refused():
    with pytest.raises(StudioError, match="Class 'b' has only 2 examples"):
        split_examples(pd.Series(["a"] * 20 + ["b"] * 2), 0.1, 0.1, seed=0)
