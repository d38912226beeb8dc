"""nltk's ``NLTKWordTokenizer``, token for token, at well under half its cost.

The tokenizer is 33 regular-expression substitutions in a fixed order. nltk 3.10 runs each through
its ``redos`` wrapper (the ``regex`` engine under a wall-clock timeout), and a short review pays for
all 33 calls although most patterns cannot match it: tokenizing is most of the time it takes to
score a file. Here the same patterns run on the same engine in the same order, and a substitution
is skipped when the text lacks every character that pattern needs in a match, which changes
nothing. ``tests/text/test_word_tokenizer.py`` checks equality with nltk on real corpora and on
fuzzed strings made of exactly those characters.
"""

from __future__ import annotations

import regex
from nltk.tokenize import NLTKWordTokenizer

# One search stands in for the ten contraction patterns: each matches its words literally.
_CONTRACTION = regex.compile(r"(?i)cannot|d'ye|gimme|gonna|gotta|lemme|more'n|wanna|'tis|'twas")


def _compiled(pattern) -> regex.Pattern:
    """The engine's own pattern behind nltk's wrapper (or a stdlib pattern from older nltk)."""
    return regex.compile(pattern.pattern, pattern.flags)


def _steps(rules, needs: list[str]) -> tuple[tuple[regex.Pattern, str, str], ...]:
    """(pattern, replacement, needs) in nltk's order; ``needs`` holds, per rule, the characters
    of which a match contains at least one ("" for a rule that applies to every text)."""
    return tuple((_compiled(pattern), replacement, chars)
                 for (pattern, replacement), chars in zip(rules, needs, strict=True))


_W = NLTKWordTokenizer
_BEFORE_PADDING = _steps(
    [*_W.STARTING_QUOTES, *_W.PUNCTUATION, _W.PARENS_BRACKETS, _W.DOUBLE_DASHES],
    ["«“‘„`", '"', "`", "\"'", "'",  # starting quotes
     ".", ":,", ":,", ".", ";@#$%&", "\u2012\u2013\u2014\u2015", ".", "?!", "'", "*",  # punct.
     "[](){}<>", "-"],
)
_AFTER_PADDING = _steps(_W.ENDING_QUOTES, ["»”’", "'", '"', "", "'", "'"])
_CONTRACTIONS = tuple(_compiled(p) for p in (*_W.CONTRACTIONS2, *_W.CONTRACTIONS3))


def _apply(steps, text: str) -> str:
    for pattern, replacement, needs in steps:
        if not needs or any(ch in text for ch in needs):
            text = pattern.sub(replacement, text)
    return text


def word_tokenize(text: str) -> list[str]:
    """``NLTKWordTokenizer().tokenize(text)``, the same list of tokens."""
    text = " " + _apply(_BEFORE_PADDING, text) + " "
    text = _apply(_AFTER_PADDING, text)
    if _CONTRACTION.search(text):
        for pattern in _CONTRACTIONS:
            text = pattern.sub(r" \1 \2 ", text)
    return text.split()
