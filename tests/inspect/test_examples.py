"""The example sentences: the demo data's words only, and pairs that differ by one negation."""

import pytest

from lstm_core.config import TextConfig
from lstm_core.data.demo import DEMO_SOURCES, generate
from lstm_core.errors import StudioError
from lstm_core.inspect.examples import (
    EXAMPLE_SENTENCES,
    LANGUAGES,
    example_sentences,
    negation_pair,
)
from lstm_core.text.processor import NEGATIONS, TextProcessor

PROCESSOR = TextProcessor(TextConfig())


def test_every_demo_language_has_examples_and_a_pair():
    assert set(LANGUAGES) == set(DEMO_SOURCES.values())
    for language in LANGUAGES:
        assert "negation" in example_sentences(language)
        assert negation_pair(language).negated == EXAMPLE_SENTENCES[language]["negation"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_examples_use_only_words_of_the_demo_data(language):
    seen = set()
    for text in generate(4000, lang=language, seed=0)["text"]:
        seen.update(PROCESSOR.tokenize(text))
    pair = negation_pair(language)
    for sentence in [*example_sentences(language).values(), pair.plain, pair.negated]:
        unknown = [token for token in PROCESSOR.tokenize(sentence) if token not in seen]
        assert not unknown, (sentence, unknown)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_negation_pair_differs_by_one_negation_only(language):
    pair = negation_pair(language)
    plain, negated = PROCESSOR.tokenize(pair.plain), PROCESSOR.tokenize(pair.negated)
    assert len(negated) == len(plain) + 1
    added = next(i for i, token in enumerate(negated) if i == len(plain) or plain[i] != token)
    assert negated[added] in NEGATIONS
    assert negated[:added] + negated[added + 1:] == plain


def test_an_unknown_language_is_refused():
    with pytest.raises(StudioError, match=r"language must be one of \['en', 'zh'\], got 'fr'"):
        example_sentences("fr")
    with pytest.raises(StudioError, match=r"got 'fr'"):
        negation_pair("fr")


def test_callers_cannot_change_the_examples():
    example_sentences("en")["negation"] = "changed"
    assert example_sentences("en")["negation"] == "the food was not good"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_verdicts_waited_for_name_examples_and_demo_classes(language):
    from lstm_core.data.demo import NEGATIVE, POSITIVE
    from lstm_core.inspect.examples import EXAMPLE_VERDICTS

    verdicts = EXAMPLE_VERDICTS[language]
    assert set(verdicts) <= set(example_sentences(language))
    assert set(verdicts.values()) <= {NEGATIVE, POSITIVE}
    assert {"negation", "contrast", "long range"} <= set(verdicts)
