"""prepare_data: the vocabulary from training texts only, empty texts out of training, weights."""

import json

import numpy as np
import pandas as pd
import pytest

from lstm_core.store import runs
from lstm_core.text.vocab import Vocabulary
from lstm_core.training.prepare import prepare_data, sample_weights
from lstm_core.training.train import create_run
from tests.helpers import demo_examples, tiny_config


def run_with_splits(tmp_path, rows, config=None):
    """A run directory whose examples and splits are exactly ``rows`` (text, label, split)."""
    config = config or tiny_config()
    run_dir = create_run(config, demo_examples(), run_dir=tmp_path / "run")
    pd.DataFrame(rows, columns=["text", "label", "split"]).to_parquet(
        run_dir / runs.DATA_FILE, index=False)
    return run_dir, config


ROWS = [
    ("a good film", "positive", "train"),
    ("a bad film", "negative", "train"),
    ("", "positive", "train"),  # no tokens: teaches nothing
    ("good fun", "positive", "val"),
    ("", "negative", "val"),
    ("a dreadful film", "negative", "test"),
]


def test_the_vocabulary_comes_from_the_training_texts_and_is_saved(tmp_path):
    run_dir, config = run_with_splits(tmp_path, ROWS)
    data = prepare_data(run_dir, config)
    assert "good" in data.vocabulary.tokens and "film" in data.vocabulary.tokens
    assert "fun" not in data.vocabulary.tokens and "dreadful" not in data.vocabulary.tokens
    assert data.vocabulary.labels == ("negative", "positive")
    saved = Vocabulary.from_dict(json.loads((run_dir / runs.VOCAB_FILE).read_text()))
    assert saved == data.vocabulary


def test_texts_without_tokens_leave_training_only(tmp_path):
    run_dir, config = run_with_splits(tmp_path, ROWS)
    data = prepare_data(run_dir, config)
    assert data.index["train"].tolist() == [0, 1]
    assert data.index["val"].tolist() == [3, 4] and data.index["test"].tolist() == [5]
    ids, labels, weights = data.subset("val")
    assert ids[1] == [] and labels.tolist() == [1, 0] and weights.tolist() == [1.0, 1.0]
    assert data.tokens_in("test") == [["a", "dreadful", "film"]]
    assert data.examples_in("test")["text"].tolist() == ["a dreadful film"]
    unknown = data.vocabulary.encode(["dreadful"])[0]
    assert data.subset("test")[0] == [data.vocabulary.encode(["a"]) + [unknown]
                                      + data.vocabulary.encode(["film"])]


def test_ids_are_cut_to_max_len(tmp_path):
    config = tiny_config()
    long_text = " ".join(["good"] * (config.text.max_len + 10))
    run_dir, _ = run_with_splits(tmp_path, [(long_text, "positive", "train"), *ROWS[1:]], config)
    assert len(prepare_data(run_dir, config).ids[0]) == config.text.max_len


@pytest.mark.parametrize("mode", ["none", "balanced"])
def test_sample_weights(mode):
    labels = np.array([0, 0, 0, 1, 1])
    train = np.array([0, 1, 2, 3])  # three of class 0, one of class 1 in training
    weights = sample_weights(labels, train, 2, mode)
    assert weights.dtype == np.float32
    expected = [1.0] * 5 if mode == "none" else [4 / 6] * 3 + [2.0] * 2
    np.testing.assert_allclose(weights, expected, rtol=1e-6)
