"""Negation cues survive preprocessing under every tokenizer and every cleaning switch.

A sentiment model cannot learn "not good" if "not" never reaches it. English cues must come out
as "not" (nltk's "n't" is turned into it), "never", or inside a token the vocabulary keeps
(the tweet tokenizer's "don't"); Chinese cues as tokens of their own, or at the start of a jieba
word. Every on/off switch of ``TextConfig`` is tried in every combination.
"""

import itertools
import re

import pytest

from lstm_core.config import TOKENIZERS, TextConfig, settings_of
from lstm_core.text.processor import TextProcessor, jieba_words

SWITCHES = [item.name for item in settings_of(TextConfig) if item.kind is bool]
COMBINATIONS = [dict(zip(SWITCHES, values, strict=True))
                for values in itertools.product((False, True), repeat=len(SWITCHES))]
APOSTROPHES = ["'", "\u2019", "\u02bc", "`"]  # straight, typographic, modifier letter, backtick
ENGLISH = [  # a text, with {q} for the apostrophe, and the negations it holds
    ("I <i>don{q}t</i> like this film.", ["not"]),
    ("The soup isn{q}t good, <br /> I can{q}t say more!", ["not", "not"]),
    ("We won{q}t go back. #food", ["not"]),
    ("IT WASN{q}T FUNNY @bob", ["not"]),
    ("The plot was not good and the acting never convincing http://x.io/r", ["not", "never"]),
]
CHINESE = {  # a sentence and its negation cues, in order
    "这家店的菜不好吃": ["不"],
    "质量不太好，没意思，别买！": ["不", "没", "别"],
    "我没去过，但是不错": ["没", "不"],
    "<b>一点也不好看</b>": ["不"],
}


def english_cues(tokens: list[str]) -> list[str]:
    """The negation each token carries: "not", "never", or "n't" inside a contraction."""
    cues = []
    for token in (t.lower() for t in tokens):
        if token in ("not", "never"):
            cues.append(token)
        elif token.endswith("n't"):
            cues.append("not")
    return cues


def english_texts() -> list[tuple[str, list[str]]]:
    return [(template.format(q=quote), cues) for quote in APOSTROPHES
            for template, cues in ENGLISH]


@pytest.mark.parametrize("tokenizer", [t for t in TOKENIZERS if t != "char"])
@pytest.mark.parametrize("switches", COMBINATIONS, ids=lambda s: "".join(
    name[:3] if on else "-" for name, on in s.items()))
def test_english_negations_come_out_as_tokens(tokenizer, switches):
    processor = TextProcessor(TextConfig(tokenizer=tokenizer, **switches))
    for text, expected in english_texts():
        assert english_cues(processor.tokenize(text)) == expected, (text, processor.tokenize(text))


@pytest.mark.parametrize("switches", COMBINATIONS)
def test_character_tokens_keep_the_letters_of_english_negations(switches):
    processor = TextProcessor(TextConfig(tokenizer="char", **switches))
    for text, expected in english_texts():
        letters = "".join(processor.tokenize(text)).lower()
        assert len(re.findall("not|n'?t", letters)) == expected.count("not"), (text, letters)
        assert ("never" in letters) == ("never" in expected)


@pytest.mark.parametrize("tokenizer", TOKENIZERS)
@pytest.mark.parametrize("switches", COMBINATIONS)
def test_chinese_negations_stay_tokens_or_lead_their_word(tokenizer, switches):
    processor = TextProcessor(TextConfig(tokenizer=tokenizer, **switches))
    for text, cues in CHINESE.items():
        tokens = processor.tokenize(text)
        if tokenizer == "word":  # nltk keeps a run of Chinese whole: the cue is inside it
            found = [ch for token in tokens for ch in token if ch in "不没别"]
        elif tokenizer == "jieba":
            found = [token[0] for token in tokens if token[0] in "不没别"]
        else:
            found = [token for token in tokens if token in ("不", "没", "别")]
        assert found == cues, (text, tokens)


def test_typographic_apostrophes_give_the_same_tokens_as_straight_ones():
    processor = TextProcessor(TextConfig())
    straight = processor.tokenize("I don't think it isn't fine, the film's end")
    for quote in APOSTROPHES[1:]:
        curly = f"I don{quote}t think it isn{quote}t fine, the film{quote}s end"
        assert processor.tokenize(curly) == straight
    # A quotation mark that is not between two letters stays a quotation mark.
    quoted = TextProcessor(TextConfig(strip_punctuation=False)).tokenize("\u2018great\u2019 food")
    assert quoted == ["\u2018", "great", "\u2019", "food"]


def test_stopword_removal_in_characters_keeps_latin_letters():
    processor = TextProcessor(TextConfig(tokenizer="char", remove_stopwords=True))
    assert processor.tokenize("not at all 的好") == list("notatall好")


@pytest.mark.parametrize(("text", "words"), [
    ("质量不太好", ["质量", "不", "太好"]),  # a leading 不 is split off
    ("这个很不合理", ["这个", "很", "不", "合理"]),
    ("没意思", ["没", "意思"]),
    ("味道不错", ["味道", "不错"]),  # 不错 is "good", not "not wrong"
    ("不过价格贵", ["不过", "价格", "贵"]),  # 不过 is "but"
    ("没有人管", ["没有", "人", "管"]),  # 没有 is a negation word of its own
    ("别人都说好", ["别人", "都", "说好"]),  # 别人 is "other people"
    ("大家别去", ["大家", "别", "去"]),  # the imperative 别 is a token of its own
    ("看不懂", ["看不懂"]),  # a cue inside the word ("cannot understand") stays in it
])
def test_jieba_splits_a_leading_negation_off_a_word_unless_it_is_a_fixed_expression(text, words):
    assert jieba_words(text) == words
