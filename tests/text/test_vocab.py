import numpy as np
import pytest

from lstm_core.errors import StudioError
from lstm_core.text.vocab import PAD_ID, UNK_ID, Vocabulary, pad_batch, sort_labels, truncate


def test_build_ranks_by_count_then_alphabet_and_reserves_pad_and_unknown():
    vocab = Vocabulary.build([["b", "a", "c"], ["a", "c"], ["a"]], ["x", "y", "x"])
    assert vocab.tokens == ("<pad>", "<unk>", "a", "c", "b")
    assert vocab.encode(["a", "b", "zzz"]) == [2, 4, UNK_ID]


def test_max_size_and_min_count():
    lists = [["a"] * 5 + ["b"] * 3 + ["c"]]
    assert Vocabulary.build(lists, ["p", "n"], max_size=3).tokens == ("<pad>", "<unk>", "a")
    assert Vocabulary.build(lists, ["p", "n"], min_count=3).tokens[2:] == ("a", "b")


def test_label_order_is_numeric_for_numbers_and_alphabetical_otherwise():
    assert sort_labels(["10", "2", "1"]) == ["1", "2", "10"]
    assert sort_labels(["positive", "negative", "neutral"]) == ["negative", "neutral", "positive"]


def test_label_ids_and_unknown_label():
    vocab = Vocabulary.build([["a"]], ["pos", "neg"])
    np.testing.assert_array_equal(vocab.label_ids(["pos", "neg"]), [1, 0])
    with pytest.raises(StudioError, match="Label 'meh' was not seen in training"):
        vocab.label_ids(["meh"])


def test_one_class_is_refused():
    with pytest.raises(StudioError, match="at least two classes"):
        Vocabulary.build([["a"]], ["pos"])


def test_save_and_load_round_trip(tmp_path):
    vocab = Vocabulary.build([["好", "电影"], ["差"]], ["正面", "负面"])
    vocab.save(tmp_path / "vocab.json")
    assert Vocabulary.load(tmp_path / "vocab.json") == vocab
    assert "好" in (tmp_path / "vocab.json").read_text(encoding="utf-8")


def test_truncate_keeps_the_end_for_pre_and_the_start_for_post():
    assert truncate([1, 2, 3, 4], 2, "pre") == [3, 4]
    assert truncate([1, 2, 3, 4], 2, "post") == [1, 2]
    assert truncate([1], 2, "pre") == [1]


def test_pad_batch_pads_on_the_right():
    np.testing.assert_array_equal(pad_batch([[5, 6, 7], [8]]), [[5, 6, 7], [8, PAD_ID, PAD_ID]])
    assert pad_batch([[], []]).shape == (2, 1)
