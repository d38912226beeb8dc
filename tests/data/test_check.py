import numpy as np
import pandas as pd

from lstm_core.config import TextConfig
from lstm_core.data.check import check_examples, suggest_max_len, suggest_settings
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


def test_suggested_max_len_is_the_95th_percentile_rounded_up_and_capped():
    assert suggest_max_len(np.arange(1, 101)) == 96
    assert suggest_max_len(np.full(10, 3000)) == 400
    assert suggest_max_len(np.array([], dtype=int)) == 8


def test_short_texts_get_a_one_way_lstm_long_texts_a_bidirectional_max_pooled_one():
    short = suggest_settings(check_examples(demo_examples(200), TextConfig()))
    assert short["model"]["pooling"] == "last" and short["model"]["bidirectional"] is False
    assert short["model"]["dropout"] == 0.2
    long_text = " ".join(["word"] * 150)
    frame = pd.DataFrame({"text": [long_text + f" w{i}" for i in range(20)],
                          "label": ["a", "b"] * 10})
    suggested = suggest_settings(check_examples(frame, TextConfig()))
    assert suggested["model"]["pooling"] == "max" and suggested["model"]["bidirectional"] is True
    assert suggested["text"]["max_len"] == 152
    assert suggested["model"]["dropout"] == 0.5  # long reviews overfit within two epochs
    assert suggested["train"]["epochs"] == 2 and suggested["train"]["lr_schedule"] == "linear"
    assert short["train"]["epochs"] == 10 and short["train"]["lr_schedule"] == "constant"


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
