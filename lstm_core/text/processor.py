"""Raw text -> tokens, the same way at training and at prediction time.

Only tokenizers that need no downloaded nltk data are used (``NLTKWordTokenizer``, run by
``word_tokenizer`` at less cost, and ``TweetTokenizer``), so this works offline. Chinese and
Japanese have no spaces between words, so their characters become tokens of their own, as the
Weibo tutorials this product grew from did; ``tokenizer="jieba"`` segments them into words with
jieba's dictionary instead, which ships inside the package.
"""

from __future__ import annotations

import contextlib
import html
import logging
import multiprocessing
import os
import re
import sys
import types
import unicodedata
import warnings
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
_CJK_RUN = re.compile(f"([{_CJK}]+)")
_HAN_CHAR = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANA_CHAR = re.compile("[\u3040-\u30ff]")
_LATIN_LETTER = re.compile(r"[A-Za-z\u00c0-\u024f]")  # Latin letters, accented ones included
_HTML_TAG = re.compile(r"<[^>]{0,200}>")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_MENTION = re.compile(r"(?<![\w@])@\w+")
_HASHTAG = re.compile(r"(?<![\w#])#\w+")
_SPACE = re.compile(r"\s+")
# A right single quote, a modifier apostrophe, a left single quote or a backtick between two
# letters is an apostrophe ("don’t", typographic quotes from word processors and phones): as
# itself it splits "don’t" into don / ’ / t, and punctuation and stopword removal then drop
# the negation.
_APOSTROPHE = re.compile(r"(?<=[^\W\d_])[\u2019\u02bc\u2018`](?=[^\W\d_])")
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
_STOPWORDS = STOPWORDS_EN | STOPWORDS_ZH
NEGATIONS = frozenset(
    "not no never nor none nobody nothing neither nowhere cannot n't without hardly barely "
    "不 没 没有 别 无 非 未".split()
)
# jieba keeps a leading negation inside its word (不好, 不合理, 没意思), so the model would learn
# each negated word on its own. Such a word is split into the cue and the rest (不 好, 不 合理,
# 没 意思), except the fixed expressions below, which do not mean "not" + the rest: 不错 is
# "good", 不过 "but", 不仅 "not only", 没错 "right", 没得说 "excellent", 没收 "confiscate"; 没有
# and 没法 are negation words of their own. Words that begin with 别 are left whole: they mostly
# mean "other" (别人, 别的) or nothing negative (别墅, 别致), and jieba's dictionary mostly leaves
# the imperative 别 ("don't") a token of its own (别 买).
JIEBA_NEGATION_PREFIXES = ("不", "没")
JIEBA_FIXED_EXPRESSIONS = frozenset(
    """不错 不过 不过如此 不如 不同 不同于 不少 不管 不管怎样 不论 不论是 不仅 不仅仅 不但 不光
    不断 不然 不得不 不得了 不久 不禁 不由 不由得 不愧 不愧为 不妨 不失为 不乏 不可多得 不知不觉
    不时 不止 不远处 不言而喻 不折不扣 不厌其烦 不俗 不可思议 不好意思 不用说 不至于 不经意
    不出所料 没有 没法 没想到 没事 没关系 没错 没得说 没得说的 没话说 没有话说 没说的 没收 没落
    没准 没准儿 没入""".split()
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


@lru_cache(maxsize=1)
def _jieba_tokenizer():
    """jieba's tokenizer with its dictionary loaded, once per process and without its log lines.

    jieba keeps the parsed dictionary in a cache file in the temporary folder; ours has a name
    of its own per jieba version and per user, so a file another user wrote is never in the way.
    """
    # jieba 0.42.1 imports pkg_resources, which newer setuptools deprecates with a warning, and
    # its source holds a "\s" escape that Python warns about when it compiles the module.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        import jieba
    jieba.setLogLevel(logging.WARNING)  # "Building prefix dict ..." is logged at debug level
    tokenizer = jieba.Tokenizer()
    user = f"-{os.getuid()}" if hasattr(os, "getuid") else ""  # Windows' temp is per user
    tokenizer.cache_file = f"lstm-studio-jieba-{jieba.__version__}{user}.cache"
    tokenizer.initialize()
    return tokenizer


def jieba_words(text: str) -> list[str]:
    """Chinese ``text`` in words from jieba's dictionary, a leading 不/没 split off.

    jieba's hidden Markov model, which guesses words outside the dictionary, is off: it glues a
    negation to the word after it (别买, 不高) far more often than the dictionary does, and a
    character it cannot place stays a token of its own.

    Example:
        >>> jieba_words("质量不太好，没意思")
        ['质量', '不', '太好', '，', '没', '意思']
    """
    words: list[str] = []
    for word in _jieba_tokenizer().cut(text, HMM=False):
        if (len(word) > 1 and word.startswith(JIEBA_NEGATION_PREFIXES)
                and word not in JIEBA_FIXED_EXPRESSIONS):
            words += [word[0], word[1:]]
        elif not word.isspace():
            words.append(word)
    return words


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


def is_chinese(text: str) -> bool:
    """Han characters and no kana: Chinese, which jieba can split into words (Japanese cannot)."""
    return bool(_HAN_CHAR.search(text)) and not _KANA_CHAR.search(text)


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
        text = _APOSTROPHE.sub("'", text)
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
            # A Chinese character can be a word (的, 了), a Latin letter cannot: the English list
            # holds "a", "t" and "o", which would take the letters of "not" out of char tokens.
            stopwords = STOPWORDS_ZH if cfg.tokenizer == "char" else _STOPWORDS
            tokens = [tok for tok in tokens
                      if tok.lower() in NEGATIONS or tok.lower() not in stopwords]
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
        if self.config.tokenizer == "jieba":
            _jieba_tokenizer()  # writes jieba's cache file, which the workers then read
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

        ``tokenizer="word"`` keeps whole runs as nltk splits them; ``auto`` splits CJK characters;
        ``jieba`` segments each CJK run into words.
        """
        if self.config.tokenizer == "word" or not has_cjk(text):
            return word_tokenize(text)
        tokens: list[str] = []
        if self.config.tokenizer == "jieba":
            for piece in _CJK_RUN.split(text):
                if _CJK_CHAR.match(piece):
                    tokens.extend(jieba_words(piece))
                elif piece and not piece.isspace():
                    tokens.extend(word_tokenize(piece))
            return tokens
        for piece in _CJK_SPLIT.split(text):
            if not piece or piece.isspace():
                continue
            if _CJK_CHAR.fullmatch(piece):
                tokens.append(piece)
            else:
                tokens.extend(word_tokenize(piece))
        return tokens
