"""word_tokenize must give nltk's NLTKWordTokenizer tokens exactly: models are trained on them."""

import numpy as np
import pandas as pd
import pytest
from nltk.tokenize import NLTKWordTokenizer

from lstm_core.config import TextConfig
from lstm_core.data.demo import generate
from lstm_core.text.processor import TextProcessor
from lstm_core.text.word_tokenizer import word_tokenize
from tests.conftest import shared_dataset

NLTK = NLTKWordTokenizer()

# Every character some pattern of nltk's tokenizer reacts to, plus words, digits and spaces.
SPECIAL = list("«“‘„`\"'.:,;@#$%&\u2012\u2013\u2014\u2015?!*[](){}<>-»”’ \t")
PIECES = SPECIAL + [
    "a", "S", "3", "é", "_", "cannot", "CanNot", "d'ye", "gimme", "gonna", "gotta", "lemme",
    "more'n", "wanna", "'tis", "'Twas", "n't", "N'T", "'ll", "'re", "'ve", "'s", "'m", "'d",
    "''", "``", "...", "--", "good", "3,5", "x:y", " ", " ",
]


def assert_same(texts):
    for text in texts:
        assert word_tokenize(text) == NLTK.tokenize(text), repr(text)


def test_examples_from_nltk_and_reviews():
    assert_same([
        "Good muffins cost $3.88\nin New York.  Please buy me\ntwo of them.\nThanks.",
        "They'll save and invest more.",
        "hi, my name can't hello,",
        '"I cannot say," she said, "that it\'s (really) good..."',
        "'Tis the season -- gonna be great!!! wanna see? *yes*",
        "“Smart” quotes ‘here’ and «there» — with an em dash…",
        "",
        "   ",
    ])
    assert word_tokenize("the plot wasn't good.") == ["the", "plot", "was", "n't", "good", "."]


def test_random_strings_of_the_characters_the_patterns_need():
    rng = np.random.default_rng(0)
    texts = [
        "".join(rng.choice(PIECES, size=int(rng.integers(1, 30))))
        for _ in range(20_000)
    ]
    assert_same(texts)


def test_demo_data_and_cleaned_text():
    processor = TextProcessor(TextConfig())
    texts = generate(2000, seed=3).text.tolist()
    assert_same(texts + [processor.clean(text) for text in texts])


@pytest.mark.parametrize("parts", [
    ("uci_sentiment_sentences", "uci_sentiment_sentences.csv"),
    ("imdb_50k", "imdb_test_sample2k.csv"),
])
def test_real_corpora(parts):
    assert_same(pd.read_csv(shared_dataset(*parts)).text.astype(str).tolist())
