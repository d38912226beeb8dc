import numpy as np
import pandas as pd
import pytest

from lstm_core.config import RunConfig, TextConfig, TrainConfig
from lstm_core.data.check import (
    check_examples,
    suggest_max_len,
    suggest_settings,
    suggest_tokenizer,
)
from lstm_core.data.encoding import TextEncoding
from tests.helpers import demo_examples


def test_report_counts_classes_lengths_duplicates_and_conflicts():
    examples = pd.DataFrame({
        "text": ["good film", "good film", "bad film", " bad film ", "fine", "!!!"],
        "label": ["pos", "pos", "neg", "pos", "pos", "neg"],
    })
    report = check_examples(examples, TextConfig(), dropped={"empty text": 2})
    assert report.rows_total == 8 and report.rows_kept == 6
    assert report.class_counts == {"neg": 2, "pos": 4}
    assert report.duplicates == 2 and report.conflicting_duplicates == 1
    assert report.empty_after_tokenizing == 1 and report.length_percentiles["max"] == 2
    assert report.vocab_size == 4 and report.vocab_size_min2 == 3
    assert any("different labels" in w for w in report.warnings)
    assert any("no tokens left" in w for w in report.warnings)
    assert "lengths" not in report.to_dict()


def test_suggested_max_len_is_the_99th_percentile_rounded_up_and_capped():
    assert suggest_max_len(np.arange(1, 101)) == 104  # p99 = 99.01
    assert suggest_max_len(np.full(10, 3000)) == 400
    assert suggest_max_len(np.array([], dtype=int)) == 8
    assert suggest_max_len([], [20, 30]) == 32


def test_suggested_max_len_covers_the_test_texts_too():
    """Trained on phrases, tested on sentences: a limit from the phrases would cut every test
    text to its last few tokens."""
    train = sentences(200, lambda i: 3 + i % 4)
    test = sentences(40, lambda i: 60)
    alone = check_examples(train, TextConfig())
    both = check_examples(train, TextConfig(), test_examples=test)
    assert alone.suggested_max_len == 8 and both.suggested_max_len == 64
    assert both.test_rows == 40 and both.test_length_percentiles["p50"] == 60
    assert both.test_class_counts == {"negative": 20, "positive": 20}
    assert len(both.test_lengths) == 40 and "test_lengths" not in both.to_dict()
    assert both.length_percentiles == alone.length_percentiles  # training texts only
    assert suggest_settings(both)["text"]["max_len"] == 64


def sentences(rows: int, length, labels=("negative", "positive"), start: int = 0) -> pd.DataFrame:
    """``rows`` texts of distinct words, text i ``length(i)`` tokens long, labels in turn."""
    return pd.DataFrame({
        "text": [" ".join(f"w{start + i}x{j}" for j in range(length(i))) for i in range(rows)],
        "label": [labels[i % len(labels)] for i in range(rows)],
    })


def test_test_texts_much_longer_than_the_training_texts_are_warned_about():
    phrases = sentences(400, lambda i: 2 + i % 5)  # phrases of 2-6 tokens
    whole = sentences(100, lambda i: 12 + i % 20, start=1000)  # sentences of 12-31 tokens
    report = check_examples(phrases, TextConfig(), test_examples=whole)
    [note] = [w for w in report.warnings if "much longer" in w]
    assert "median 21 tokens against 4" in note
    # The median alone can stay close while the long tail of the test texts is far longer.
    tail = sentences(100, lambda i: 4 if i % 5 else 40, start=1000)
    assert any("much longer" in w for w in check_examples(
        phrases, TextConfig(), test_examples=tail).warnings)


@pytest.mark.parametrize("seed", range(5))
def test_a_random_split_of_one_file_gives_no_test_warning(seed):
    rng = np.random.default_rng(seed)
    lengths = np.maximum(1, rng.lognormal(3.0, 0.9, 2000).astype(int))  # a long right tail
    frame = sentences(2000, lambda i: int(lengths[i]))
    frame["label"] = rng.choice(["negative", "positive", "neutral"], 2000, p=[0.5, 0.3, 0.2])
    test = frame.sample(frac=0.2, random_state=seed)
    report = check_examples(frame.drop(test.index), TextConfig(), test_examples=test)
    assert report.test_rows == 400
    assert about_the_test(report) == []
    demo = demo_examples(1000)
    demo_test = demo.sample(frac=0.2, random_state=seed)
    assert about_the_test(check_examples(demo.drop(demo_test.index), TextConfig(),
                                        test_examples=demo_test)) == []


def about_the_test(report) -> list[str]:
    """The warnings about the test set: longer texts, classes shared differently."""
    return [w for w in report.warnings if "much longer" in w or "shared differently" in w]


def test_test_classes_shared_differently_are_warned_about_with_their_shares():
    train = sentences(200, lambda i: 5)
    test = sentences(100, lambda i: 5, labels=["negative"] * 17 + ["positive"] * 3, start=500)
    [note] = check_examples(train, TextConfig(), test_examples=test).warnings
    assert "training: negative 50%, positive 50%; test: negative 85%, positive 15%" in note
    # Total variation distance 0.15: within what a test file may differ by.
    close = sentences(100, lambda i: 5, labels=["negative"] * 13 + ["positive"] * 7, start=500)
    assert check_examples(train, TextConfig(), test_examples=close).warnings == []
    missing = sentences(100, lambda i: 5, labels=["negative", "positive", "neutral"], start=500)
    [note] = check_examples(train, TextConfig(), test_examples=missing).warnings
    assert "training: negative 50%, neutral 0%, positive 50%" in note


def test_short_texts_get_a_regularised_bilstm_long_texts_the_imdb_recipe():
    words = [f"w{i}" for i in range(2000)]  # each word in about six texts
    rich = pd.DataFrame({"text": [" ".join(words[(i * 7 + j) % 2000] for j in range(5 + i % 10))
                                  for i in range(1200)], "label": ["a", "b"] * 600})
    short = suggest_settings(check_examples(rich, TextConfig()))
    assert short["model"]["pooling"] == "max" and short["model"]["bidirectional"] is True
    assert short["model"]["word_dropout"] > 0 and short["model"]["embed_dropout"] > 0
    assert short["train"]["epochs"] == 10 and short["train"]["lr_schedule"] == "constant"
    assert short["train"]["learning_rate"] < TrainConfig.learning_rate
    # The demo's few hundred words, each seen thousands of times: nothing rare to memorise.
    demo = suggest_settings(check_examples(demo_examples(400), TextConfig()))
    assert "word_dropout" not in demo["model"] and "embed_dropout" not in demo["model"]
    assert demo["train"]["learning_rate"] == TrainConfig.learning_rate
    assert demo["train"]["epochs"] == 10 and demo["model"]["pooling"] == "max"
    long_text = " ".join(["word"] * 150)
    frame = pd.DataFrame({"text": [long_text + f" w{i}" for i in range(20)],
                          "label": ["a", "b"] * 10})
    suggested = suggest_settings(check_examples(frame, TextConfig()))
    assert suggested["model"]["pooling"] == "max" and suggested["model"]["bidirectional"] is True
    assert "word_dropout" not in suggested["model"]  # IMDB's recipe, measured without them
    assert suggested["text"]["max_len"] == 152
    assert suggested["model"]["dropout"] == 0.5  # long reviews overfit within two epochs
    assert suggested["train"]["epochs"] == 2 and suggested["train"]["lr_schedule"] == "linear"
    assert suggested["train"]["learning_rate"] == TrainConfig.learning_rate
    RunConfig.from_dict(short)  # every suggestion is a valid configuration
    RunConfig.from_dict(suggested)


def test_batches_grow_with_many_short_texts_but_not_with_long_ones():
    def suggested_batch(text: str, rows: int) -> int:
        frame = pd.DataFrame({"text": [f"{text} w{i}" for i in range(rows)],
                              "label": ["a", "b"] * (rows // 2)})
        return suggest_settings(check_examples(frame, TextConfig()))["train"]["batch_size"]

    assert suggested_batch("short text", 200) == 32
    assert suggested_batch("short text", 10_000) == 64
    # Long reviews learn better from twice the updates (IMDB, seeds 42-44: 88.14-88.78% in
    # batches of 32, 87.68-88.20% in batches of 64).
    assert suggested_batch(" ".join(["word"] * 150), 10_000) == 32


def test_an_uncertain_encoding_is_reported_and_warned_about():
    guess = TextEncoding("cp1252", guessed=True, uncertain=True, alternatives=("cp1250",))
    report = check_examples(demo_examples(50), TextConfig(), encoding=guess)
    assert report.encoding == guess
    assert report.to_dict()["encoding"] == {"name": "cp1252", "guessed": True, "uncertain": True,
                                            "alternatives": ("cp1250",)}
    assert guess.warning() in report.warnings
    sure = check_examples(demo_examples(50), TextConfig(), encoding=TextEncoding("cp1251", True))
    assert not any("encoding" in warning for warning in sure.warnings)


def test_chinese_texts_get_jieba_words_other_texts_the_default():
    assert suggest_tokenizer(demo_examples(60, lang="zh")["text"]) == "jieba"
    assert suggest_tokenizer(demo_examples(60)["text"]) == "auto"
    japanese = pd.Series(["この映画はとても良かった", "つまらない話でした"] * 10)
    assert suggest_tokenizer(japanese) == "auto"  # kana: jieba cannot split Japanese
    mostly_english = pd.Series(["great phone"] * 8 + ["很好"] * 2)
    assert suggest_tokenizer(mostly_english) == "auto"


def test_the_report_names_the_tokenizer_it_read_the_texts_with():
    report = check_examples(demo_examples(60, lang="zh"), TextConfig(tokenizer="jieba"))
    assert report.tokenizer == "jieba"
    assert suggest_settings(report)["text"]["tokenizer"] == "jieba"
