"""The split follows the data and the split seed, never the model's seed: runs compare fairly."""

from dataclasses import replace

import pandas as pd
import pytest

from lstm_core.config import DataConfig
from lstm_core.fileio import read_json
from lstm_core.store.runs import DATA_FILE, STATUS_FILE, summarize_run
from lstm_core.store.testset import split_fingerprint
from lstm_core.training.train import create_run
from tests.helpers import demo_examples, tiny_config


def _test_texts(run_dir) -> list[str]:
    examples = pd.read_parquet(run_dir / DATA_FILE)
    return sorted(examples.loc[examples["split"] == "test", "text"])


def test_two_model_seeds_are_tested_on_the_same_texts(tmp_path):
    examples = demo_examples(200)
    dirs = [create_run(tiny_config(seed=seed), examples, run_dir=tmp_path / f"s{seed}")
            for seed in (1, 2)]
    splits = [pd.read_parquet(d / DATA_FILE)["split"].tolist() for d in dirs]
    assert splits[0] == splits[1] and splits[0].count("test") == 20
    sets = [read_json(d / STATUS_FILE)["test_set"] for d in dirs]
    assert sets[0] == sets[1] == summarize_run(dirs[0]).test_set
    assert _test_texts(dirs[0]) == _test_texts(dirs[1])


def test_another_split_seed_tests_on_other_texts_with_another_fingerprint(tmp_path):
    examples = demo_examples(200)
    config = tiny_config()
    moved = replace(config, data=DataConfig(split_seed=config.data.split_seed + 1))
    first = create_run(config, examples, run_dir=tmp_path / "a")
    second = create_run(moved, examples, run_dir=tmp_path / "b")
    assert _test_texts(first) != _test_texts(second)
    assert summarize_run(first).test_set != summarize_run(second).test_set


def test_the_fingerprint_is_the_test_texts_and_labels_whatever_their_order():
    frame = pd.DataFrame({"text": ["a", "b", "c"], "label": ["x", "y", "x"],
                          "split": ["test", "test", "train"]})
    shuffled = frame.iloc[::-1].reset_index(drop=True)
    assert split_fingerprint(frame) == split_fingerprint(shuffled)
    assert split_fingerprint(frame) != split_fingerprint(frame.assign(label=["y", "y", "x"]))
    assert split_fingerprint(frame.assign(split="train")) is None


def test_a_run_records_its_author_tidied_and_refuses_a_bad_one(tmp_path):
    run_dir = create_run(tiny_config(), demo_examples(100), run_dir=tmp_path / "r",
                         author="  Ada   Lovelace ")
    assert summarize_run(run_dir).author == "Ada Lovelace"
    from lstm_core.errors import StudioError

    with pytest.raises(StudioError, match="at most 40 characters"):
        create_run(tiny_config(), demo_examples(100), run_dir=tmp_path / "x", author="a" * 41)
