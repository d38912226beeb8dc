"""Example sentences for the Predict and Gates pages, in the languages of the demo data.

Each one shows a pattern the demo reviews are built from (``lstm_core.data.demo``): negation,
double negation, contrast, a verdict far from the end. They use only the demo data's words, so
a demo model has seen every token. A negation pair is one sentence with and without its
negation, written out: the Gates page compares the two to show what the negation changes.
"""

from __future__ import annotations

from dataclasses import dataclass

from lstm_core.errors import StudioError

# What each example shows, and the sentence; in the order the pages offer them.
EXAMPLE_SENTENCES = {
    "en": {
        "negation": "the food was not good",
        "double negation": "the plot was never boring",
        "contrast": "the plot was dull, but the acting was superb",
        "although": "although the screen is excellent, the battery is really disappointing",
        "long range": "the service was terrible, and then we talked about the weather, the "
                      "parking and the music for a while",
        "framing": "I do not think the soup was bland",
    },
    "zh": {
        "negation": "这家店的菜不好吃",
        "contrast": "剧情很无聊，但是演员的表演非常精彩",
        "although": "虽然屏幕很好，但是电池很差",
        "long range": "服务很差，后来我们聊了天气、停车和音乐",
    },
}
LANGUAGES = tuple(EXAMPLE_SENTENCES)
# The verdict a model that reads word order gives each example that has a clear one: what "When
# did it learn this" waits for (``inspect.timelapse.when_learned``).
EXAMPLE_VERDICTS = {
    "en": {"negation": "negative", "double negation": "positive", "contrast": "positive",
           "long range": "negative"},
    "zh": {"negation": "negative", "contrast": "positive", "long range": "negative"},
}


@dataclass(frozen=True)
class SentencePair:
    """A sentence (``plain``) and the same sentence with a negation added (``negated``)."""

    plain: str
    negated: str


NEGATION_PAIRS = {
    "en": SentencePair(plain="the food was good", negated="the food was not good"),
    "zh": SentencePair(plain="这家店的菜好吃", negated="这家店的菜不好吃"),
}


def _check_language(language: str) -> None:
    if language not in LANGUAGES:
        raise StudioError(f"language must be one of {list(LANGUAGES)}, got {language!r}.")


def example_sentences(language: str) -> dict[str, str]:
    """The examples of ``language`` ("en" or "zh", as ``Run.language`` gives): name -> sentence.

    Raises:
        StudioError: ``language`` has no examples.
    """
    _check_language(language)
    return dict(EXAMPLE_SENTENCES[language])


def negation_pair(language: str) -> SentencePair:
    """The sentence pair that differs only by a negation, in ``language``.

    Raises:
        StudioError: ``language`` has no examples.
    """
    _check_language(language)
    return NEGATION_PAIRS[language]
