"""Raw text -> tokens, the same way at training and at prediction time.

Only tokenizers that need no downloaded nltk data are used (``NLTKWordTokenizer``, run by
``word_tokenizer`` at less cost, and ``TweetTokenizer``), so this works offline. Chinese and
Japanese have no spaces between words, so their characters become tokens of their own, as the
Weibo tutorials this product grew from did.
"""

from __future__ import annotations

import contextlib
import html
import multiprocessing
import re
import sys
import types
import unicodedata
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from functools import cached_property, lru_cache

from nltk.tokenize import TweetTokenizer
from nltk.tokenize.casual import EMOTICON_RE

from lstm_core.config import TextConfig
from lstm_core.text.word_tokenizer import word_tokenize

# Han ideographs (with extension A and compatibility forms), Hiragana and Katakana.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_CHAR = re.compile(f"[{_CJK}]")
_CJK_SPLIT = re.compile(f"([{_CJK}])")
_LATIN_LETTER = re.compile(r"[A-Za-z\u00c0-\u024f]")  # Latin letters, accented ones included
_HTML_TAG = re.compile(r"<[^>]{0,200}>")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_MENTION = re.compile(r"(?<![\w@])@\w+")
_HASHTAG = re.compile(r"(?<![\w#])#\w+")
_SPACE = re.compile(r"\s+")
# Below this much text, starting worker processes (each a fresh interpreter importing nltk)
# costs more than it saves (docs/benchmarks.md).
PARALLEL_MIN_CHARS = 4_000_000
_PACK = "\x00"  # joins a text's tokens for the trip back from a worker process

# Our own list, because nltk's stopwords corpus may be absent. Negations, intensifiers and
# contrast words are left out on purpose: they are what a sentiment model most needs.
STOPWORDS_EN = frozenset(
    """a an the and or if then else of at by for with about against between into through during
    before after above below to from up down in out on off over under again further once here
    there when where why how all any both each other some such own same so than s t can will
    just should now i me my myself we our ours ourselves you your yours yourself yourselves he
    him his himself she her hers herself it its itself they them their theirs themselves what
    which who whom this that these those am is are was were be been being have has had having do
    does did doing would could ll re ve d m o y as until while""".split()
)
STOPWORDS_ZH = frozenset(
    "的 了 是 在 和 与 及 也 就 都 而 着 之 或 个 这 那 我 你 他 她 它 们".split()
)
NEGATIONS = frozenset(
    "not no never nor none nobody nothing neither nowhere cannot n't without hardly barely "
    "不 没 没有 别 无 非 未".split()
)


@contextlib.contextmanager
def _no_main_script() -> Iterator[None]:
    """Start spawned workers without re-running the main script in each of them.

    Spawn runs ``__main__``'s file again in every worker; under Streamlit that is the page being
    drawn (and under AppTest a generated script), which a tokenizer worker must not run. The
    workers need only this module, which they import by name.
    """
    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main


def has_cjk(text: str) -> bool:
    return _CJK_CHAR.search(text) is not None


def guess_language(tokens: Iterable[str]) -> str:
    """"zh" when more of ``tokens`` hold CJK characters than Latin letters, else "en".

    The two languages of the demo data, told apart by script: enough to pick example sentences
    a model can read. Tokens of neither script (digits, punctuation, emoji) do not count.

    Example:
        >>> guess_language(["这", "菜", "，", "good"])
        'zh'
    """
    cjk = latin = 0
    for token in tokens:
        if has_cjk(token):
            cjk += 1
        elif _LATIN_LETTER.search(token):
            latin += 1
    return "zh" if cjk > latin else "en"


@lru_cache(maxsize=65536)
def _is_punctuation(token: str) -> bool:
    return all(unicodedata.category(ch)[0] in "PS" for ch in token)


def _unpack(packed: str | list[str]) -> list[str]:
    if isinstance(packed, list):  # a token held the separator itself
        return packed
    return packed.split(_PACK) if packed else []


class TextProcessor:
    """Cleans and tokenizes text according to a ``TextConfig``.

    Example:
        >>> TextProcessor(TextConfig()).tokenize("The plot wasn't <b>good</b>!")
        ['the', 'plot', 'was', 'not', 'good']
    """

    def __init__(self, config: TextConfig) -> None:
        self.config = config

    @cached_property
    def _tweet_tokenizer(self) -> TweetTokenizer:
        return TweetTokenizer(preserve_case=True, reduce_len=True)

    def clean(self, text: str) -> str:
        """Normalise a text before tokenizing: width forms, markup, links, handles, case."""
        cfg = self.config
        text = unicodedata.normalize("NFKC", str(text))
        if cfg.strip_html:
            text = html.unescape(_HTML_TAG.sub(" ", text))
        if cfg.strip_urls:
            text = _URL.sub(" ", text)
        if cfg.strip_mentions:
            text = _MENTION.sub(" ", text)
        if cfg.strip_hashtags:
            text = _HASHTAG.sub(" ", text)
        if cfg.lowercase:
            text = text.lower()
        return _SPACE.sub(" ", text).strip()

    def tokenize(self, text: str) -> list[str]:
        """Tokens of one text, after cleaning, punctuation and stopword filtering."""
        cfg = self.config
        cleaned = self.clean(text)
        if cfg.tokenizer == "char":
            tokens = [ch for ch in cleaned if not ch.isspace()]
        elif cfg.tokenizer == "tweet":
            tokens = self._split_cjk(cleaned, self._tweet_tokenizer.tokenize)
        else:
            tokens = self._split_cjk(cleaned, word_tokenize)
        tokens = ["not" if tok.lower() == "n't" else tok for tok in tokens]
        if cfg.strip_punctuation:
            keep_emoticons = cfg.tokenizer == "tweet"
            tokens = [
                tok for tok in tokens
                if not _is_punctuation(tok) or (keep_emoticons and EMOTICON_RE.fullmatch(tok))
            ]
        if cfg.remove_stopwords:
            tokens = [
                tok for tok in tokens
                if tok.lower() in NEGATIONS or tok.lower() not in STOPWORDS_EN | STOPWORDS_ZH
            ]
        return tokens

    def tokenize_many(self, texts, workers: int = 1) -> list[list[str]]:
        """Tokens of many texts; ``workers`` > 1 spreads big inputs over processes.

        nltk's tokenizers are pure Python, so a large set takes a while on one core; the
        training process passes its core count. This process tokenizes its own share while
        ``workers - 1`` fresh interpreters (spawned: the caller may hold TensorFlow's threads)
        do the rest, and each text's tokens travel back as one string, which pickles much
        faster than a list of them (docs/benchmarks.md).
        """
        texts = list(texts)
        if workers <= 1 or sum(len(text) for text in texts) < PARALLEL_MIN_CHARS:
            return [self.tokenize(text) for text in texts]
        own = -(-len(texts) // workers)
        chunk = max(1, -(-(len(texts) - own) // ((workers - 1) * 4)))
        pieces = [texts[i : i + chunk] for i in range(own, len(texts), chunk)]
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(workers - 1, mp_context=context) as pool:
            with _no_main_script():
                parts = pool.map(self._tokenize_packed, pieces)  # submitted, workers started
            tokens = [self.tokenize(text) for text in texts[:own]]
            return tokens + [_unpack(packed) for part in parts for packed in part]

    def _tokenize_packed(self, texts: list[str]) -> list[str | list[str]]:
        packed = []
        for text in texts:
            tokens = self.tokenize(text)
            packed.append(tokens if any(_PACK in token for token in tokens) else
                          _PACK.join(tokens))
        return packed

    def _split_cjk(self, text: str, word_tokenize) -> list[str]:
        """Word-tokenize the non-CJK runs; each CJK character becomes a token of its own.

        ``tokenizer="word"`` keeps whole runs as nltk splits them; ``auto`` splits CJK characters.
        """
        if self.config.tokenizer == "word" or not has_cjk(text):
            return word_tokenize(text)
        tokens: list[str] = []
        for piece in _CJK_SPLIT.split(text):
            if not piece or piece.isspace():
                continue
            if _CJK_CHAR.fullmatch(piece):
                tokens.append(piece)
            else:
                tokens.extend(word_tokenize(piece))
        return tokens
