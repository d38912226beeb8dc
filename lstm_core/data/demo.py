"""Built-in demo reviews, generated offline, whose labels hang on word order.

A bag of words sees which words a review holds but not where they stand, so this data set is built
from templates where the order decides: negation ("the plot was not good"), contrast ("the plot was
dull, but the acting was superb": the clause after "but" decides), framing that negates a whole
clause ("I do not think the food was bland", with double negation when the clause is negated too),
intensifiers and hedges that keep the polarity, and neutral chatter after the verdict so the
deciding words sit far from the end. Every sentiment word is used in both classes about equally,
so word counts alone carry little signal, while the rules above give every row its label without
noise. Chinese rows use the same patterns (不/没有/从不, 但是/不过/虽然…但是, 很/非常/有点).

Example:
    >>> generate(rows=4, seed=1).columns.tolist()
    ['text', 'label']
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from lstm_core.errors import StudioError
from lstm_core.fileio import atomic_write_bytes

DEMO_SOURCES = {"demo-en": "en", "demo-zh": "zh"}
DEFAULT_ROWS = 4000
MAX_ROWS = 200_000
NEGATIVE, POSITIVE = "negative", "positive"

# How often each sentence shape occurs. Plain sentences are the ones word counts can get right;
# framed and contrast sentences need the order. Together they hold a bag of words near 60%
# accuracy, while a small LSTM reaches 97-100% (default model, 10 epochs, 4000 rows).
P_FRAMED = 0.10
P_CONTRAST = 0.30
P_NEGATED = 0.25  # chance that one clause negates its adjective
P_OPENER = 0.4
P_SETTING = 0.4
P_LONG_TAIL = 0.35  # neutral chatter after the verdict, so the deciding words are far from the end


class _Topic(NamedTuple):
    """One thing a review can talk about, and the adjectives that judge it."""

    phrasings: tuple[str, ...]
    negative: tuple[str, ...]
    positive: tuple[str, ...]


class _Domain(NamedTuple):
    """What one review is about: a restaurant, a film or a phone."""

    settings: tuple[str, ...]  # neutral scene-setters that may open the review
    topics: tuple[_Topic, ...]


@dataclass(frozen=True)
class _Lexicon:
    """The words and templates of one language; ``{...}`` fields are filled at random."""

    domains: tuple[_Domain, ...]  # a review stays within one, so its clauses go together
    general_negative: tuple[str, ...]  # adjectives that fit every topic
    general_positive: tuple[str, ...]
    verbs: tuple[str, ...]
    clause: str  # how subject, verb and predicate join
    intensifiers: tuple[str, ...]
    hedges: tuple[str, ...]
    plain: tuple[str, ...]  # predicates that keep the adjective's polarity
    negated: tuple[str, ...]  # predicates that flip it
    frames: tuple[str, ...]  # wrap a whole clause and flip it
    contrasts: tuple[str, ...]  # {second} decides
    openers: tuple[str, ...]
    long_tails: tuple[str, ...]
    topics: tuple[str, ...]  # small talk for the long tails
    stop: str


_EN_FOOD = _Topic(("the food", "the pasta", "the soup", "the dessert", "the food at this place"),
                  ("bland", "stale", "greasy", "cold"), ("delicious", "tasty", "fresh", "hearty"))
_EN_SERVICE = _Topic(("the service", "the staff", "the waiter", "the service at the front desk"),
                     ("rude", "slow", "careless", "unhelpful"),
                     ("friendly", "quick", "helpful", "attentive"))
_EN_ROOM = _Topic(("the atmosphere", "the room", "the decor", "the terrace"),
                  ("cramped", "gloomy", "shabby", "noisy"),
                  ("cosy", "charming", "relaxing", "calm"))
_EN_PLOT = _Topic(("the plot", "the story", "the script", "the plot of this film"),
                  ("dull", "boring", "predictable", "confusing"),
                  ("gripping", "clever", "moving", "original"))
_EN_ACTING = _Topic(("the acting", "the cast", "the lead actor", "the acting in the second half"),
                    ("wooden", "stiff", "awkward", "forced"),
                    ("superb", "convincing", "natural", "brilliant"))
_EN_MUSIC = _Topic(("the music", "the soundtrack", "the theme song", "the music in the trailer"),
                   ("annoying", "forgettable", "repetitive", "shrill"),
                   ("beautiful", "catchy", "lovely", "haunting"))
_EN_BATTERY = _Topic(("the battery", "the charger", "the battery on this phone"),
                     ("weak", "unreliable", "flimsy"), ("reliable", "durable", "strong"))
_EN_SCREEN = _Topic(("the screen", "the display", "the screen of the new phone"),
                    ("dim", "blurry", "grainy"), ("bright", "sharp", "crisp"))
_EN_CAMERA = _Topic(("the camera", "the camera app", "the zoom"),
                    ("sluggish", "clumsy", "fuzzy"), ("fast", "detailed", "stunning"))

_EN = _Lexicon(
    domains=(
        _Domain(("on our last visit, ", "when we went there on Friday, ", "at lunch today, "),
                (_EN_FOOD, _EN_SERVICE, _EN_ROOM)),
        _Domain(("at the cinema last night, ", "watching it at home, ", "on a second viewing, "),
                (_EN_PLOT, _EN_ACTING, _EN_MUSIC)),
        _Domain(("after a week of use, ", "straight out of the box, ", "after the last update, "),
                (_EN_BATTERY, _EN_SCREEN, _EN_CAMERA)),
    ),
    general_negative=("bad", "disappointing", "poor", "mediocre", "terrible"),
    general_positive=("good", "impressive", "pleasant", "enjoyable", "excellent"),
    verbs=("was", "is"),
    clause="{subject} {verb} {predicate}",
    intensifiers=("very", "extremely", "really", "incredibly", "truly", "quite"),
    hedges=("a bit", "somewhat", "fairly", "rather", "pretty"),
    plain=("{adj}", "{intensifier} {adj}", "{hedge} {adj}"),
    negated=("not {adj}", "not {intensifier} {adj}", "not {adj} at all", "never {adj}",
             "hardly {adj}"),
    frames=("I do not think {clause}", "I would not say that {clause}",
            "it is not true that {clause}", "nobody could say that {clause}"),
    contrasts=("{first}, but {second}", "{first}; however, {second}", "although {first}, {second}",
               "{first}, but in the end {second}"),
    openers=("honestly, ", "to be fair, ", "overall, ", "in my opinion, ", "all in all, ",
             "if you ask me, "),
    long_tails=(", and afterwards we talked about the {0}, the {1} and the {2} for a while",
                ", and then we chatted about the {0} and the {1} until it was time to go home",
                ", and after that we spent an hour discussing the {0}, the {1} and the {2}"),
    topics=("parking", "weather", "traffic", "trains", "holidays", "neighbours", "football",
            "news", "weekend", "office", "garden", "elections"),
    stop=".",
)

_ZH_FOOD = _Topic(("这家店的菜", "牛肉面", "这里的甜点", "汤"),
                  ("难吃", "油腻", "咸", "凉"), ("好吃", "新鲜", "地道", "香"))
_ZH_SERVICE = _Topic(("服务", "服务员的态度", "前台的服务", "老板"),
                     ("冷淡", "敷衍", "粗鲁", "慢"), ("热情", "周到", "贴心", "及时"))
_ZH_ROOM = _Topic(("环境", "店里的装修", "包间", "大堂"),
                  ("嘈杂", "拥挤", "简陋", "压抑"), ("温馨", "舒适", "雅致", "宽敞"))
_ZH_PLOT = _Topic(("剧情", "故事", "剧本", "这部电影的剧情"),
                  ("无聊", "拖沓", "老套", "混乱"), ("精彩", "感人", "紧凑", "新颖"))
_ZH_ACTING = _Topic(("演技", "主演的演技", "演员的表演", "配角的表演"),
                    ("生硬", "尴尬", "浮夸", "做作"), ("出色", "自然", "到位", "细腻"))
_ZH_MUSIC = _Topic(("音乐", "配乐", "主题曲", "片尾曲"),
                   ("难听", "刺耳", "吵", "单调"), ("好听", "动人", "优美", "动听"))
_ZH_BATTERY = _Topic(("电池", "充电器", "这款手机的电池"),
                     ("弱", "短命", "容易坏"), ("耐用", "给力", "持久"))
_ZH_SCREEN = _Topic(("屏幕", "显示屏", "这台手机的屏幕"),
                    ("模糊", "暗", "刺眼"), ("清晰", "明亮", "通透"))
_ZH_CAMERA = _Topic(("拍照", "摄像头", "夜景模式"),
                    ("糊", "迟钝", "难用"), ("清楚", "灵敏", "好用"))

_ZH = _Lexicon(
    domains=(
        _Domain(("上周末去吃了一次，", "第二次来这家店，", "中午和同事过来吃饭，"),
                (_ZH_FOOD, _ZH_SERVICE, _ZH_ROOM)),
        _Domain(("昨晚在电影院看的，", "周末在家看了这部片子，", "第二遍看下来，"),
                (_ZH_PLOT, _ZH_ACTING, _ZH_MUSIC)),
        _Domain(("用了一个星期，", "刚拿到手的时候，", "升级系统以后，"),
                (_ZH_BATTERY, _ZH_SCREEN, _ZH_CAMERA)),
    ),
    general_negative=("差", "糟糕", "一般", "令人失望", "差劲"),
    general_positive=("好", "棒", "优秀", "令人满意", "出彩"),
    verbs=("",),
    clause="{subject}{verb}{predicate}",
    intensifiers=("很", "非常", "特别", "十分", "相当", "真的很"),
    hedges=("有点", "有些", "比较", "挺", "还挺"),
    plain=("{intensifier}{adj}", "{hedge}{adj}"),  # Chinese adjectives rarely stand bare
    negated=("不{adj}", "不太{adj}", "不是很{adj}", "一点也不{adj}", "并不{adj}",
             "没有想象中那么{adj}", "从不{adj}", "没那么{adj}"),
    frames=("我不觉得{clause}", "我不认为{clause}", "不能说{clause}", "谁也不会说{clause}"),
    contrasts=("{first}，但是{second}", "{first}，不过{second}", "虽然{first}，但是{second}",
               "{first}，可是{second}"),
    openers=("说实话，", "总的来说，", "老实讲，", "整体来看，", "在我看来，", "我觉得"),
    long_tails=("，后来我们又聊了一会儿{0}、{1}和{2}的事", "，然后大家聊了半天{0}和{1}",
                "，之后我们在门口说了很久{0}和{1}"),
    topics=("停车", "天气", "交通", "地铁", "假期", "邻居", "足球", "新闻", "周末", "工作"),
    stop="。",
)

_LEXICONS = {"en": _EN, "zh": _ZH}


def generate(rows: int = DEFAULT_ROWS, lang: str = "en", seed: int = 0) -> pd.DataFrame:
    """Generate demo reviews whose labels a bag of words cannot read but word order can.

    Args:
        rows: number of reviews; half are positive (the extra one of an odd count is negative).
        lang: ``"en"`` or ``"zh"``.
        seed: the same seed always gives the same frame; another seed gives other rows.

    Returns:
        A frame with columns ``text`` and ``label`` (``"negative"`` or ``"positive"``).

    Raises:
        StudioError: when ``rows``, ``lang`` or ``seed`` is out of range.
    """
    lexicon = _lexicon(lang)
    if not _is_whole(rows) or not 2 <= rows <= MAX_ROWS:
        raise StudioError(f"rows must be a whole number from 2 to {MAX_ROWS}; got {rows!r}.")
    if not _is_whole(seed) or seed < 0:
        raise StudioError(f"seed must be a whole number from 0 up; got {seed!r}.")
    rng = np.random.default_rng(int(seed))
    positive = rng.permutation(np.arange(rows) < rows // 2)
    texts = [_review(rng, lexicon, bool(is_positive)) for is_positive in positive]
    labels = np.where(positive, POSITIVE, NEGATIVE)
    return pd.DataFrame({"text": texts, "label": labels.tolist()})


def write_demo_csv(path: Path, rows: int = DEFAULT_ROWS, lang: str = "en", seed: int = 0) -> None:
    """Write ``generate(rows, lang, seed)`` to ``path`` as a UTF-8 CSV with columns text,label."""
    frame = generate(rows=rows, lang=lang, seed=seed)
    atomic_write_bytes(Path(path), frame.to_csv(index=False).encode("utf-8"))


def _is_whole(value: object) -> bool:
    """Python or numpy integers, but not booleans (``True`` is an int in Python)."""
    return isinstance(value, Integral) and not isinstance(value, bool | np.bool_)


def _lexicon(lang: str) -> _Lexicon:
    try:
        return _LEXICONS[lang]
    except (KeyError, TypeError):
        raise StudioError(f"lang must be one of {', '.join(_LEXICONS)}; got {lang!r}.") from None


def _review(rng: np.random.Generator, lex: _Lexicon, positive: bool) -> str:
    """One review: an optional opener, a body with the verdict, optional chatter after it."""
    domain = lex.domains[rng.integers(len(lex.domains))]
    shape = rng.random()
    framed = P_CONTRAST <= shape < P_CONTRAST + P_FRAMED
    if shape < P_CONTRAST:
        body = _pick(rng, lex.contrasts).format(
            first=_clause(rng, lex, domain, not positive),
            second=_clause(rng, lex, domain, positive),
        )
    elif framed:
        body = _pick(rng, lex.frames).format(clause=_clause(rng, lex, domain, not positive))
    else:
        body = _clause(rng, lex, domain, positive)
    # A frame already opens the sentence ("I do not think ..."), so it gets no opener.
    opener = _pick(rng, lex.openers) if rng.random() < P_OPENER and not framed else ""
    setting = _pick(rng, domain.settings) if rng.random() < P_SETTING else ""
    tail = ""
    if rng.random() < P_LONG_TAIL:
        topics = rng.choice(len(lex.topics), size=3, replace=False)
        tail = _pick(rng, lex.long_tails).format(*(lex.topics[i] for i in topics))
    text = opener + setting + body + tail + lex.stop
    return text[0].upper() + text[1:]


def _clause(rng: np.random.Generator, lex: _Lexicon, domain: _Domain, positive: bool) -> str:
    """A clause about one topic of ``domain`` whose meaning is ``positive``, negated or not."""
    topic = domain.topics[rng.integers(len(domain.topics))]
    negated = rng.random() < P_NEGATED
    if positive != negated:
        adjectives = topic.positive + lex.general_positive
    else:
        adjectives = topic.negative + lex.general_negative
    predicate = _pick(rng, lex.negated if negated else lex.plain).format(
        adj=_pick(rng, adjectives),
        intensifier=_pick(rng, lex.intensifiers),
        hedge=_pick(rng, lex.hedges),
    )
    return lex.clause.format(
        subject=_pick(rng, topic.phrasings), verb=_pick(rng, lex.verbs), predicate=predicate
    )


def _pick(rng: np.random.Generator, options: tuple[str, ...]) -> str:
    return options[rng.integers(len(options))]


# ---- the long-range lesson ------------------------------------------------------------------

LONG_RANGE_SOURCE = "demo-en-long-range"
MAX_CHATTER = 6  # pieces of small talk after the verdict, at most
_CHATTER = ("and then we talked about the {0}", "and later we chatted about the {0}",
            "and we discussed the {0}")


def long_range(rows: int = 1600, seed: int = 0, max_chatter: int = MAX_CHATTER) -> pd.DataFrame:
    """English reviews of one clause whose verdict is followed by 0 to ``max_chatter`` pieces of
    neutral small talk, so the deciding word stands anywhere from 0 to about 40 tokens from the
    end: the data of the "why gates" lesson.

    Returns:
        A frame with columns ``text`` and ``label``; ``cue_distance`` finds each text's distance.
    """
    if not _is_whole(rows) or not 2 <= rows <= MAX_ROWS:
        raise StudioError(f"rows must be a whole number from 2 to {MAX_ROWS}; got {rows!r}.")
    rng = np.random.default_rng(int(seed))
    positive = rng.permutation(np.arange(rows) < rows // 2)
    texts = []
    for is_positive in positive:
        domain = _EN.domains[rng.integers(len(_EN.domains))]
        clause = _clause(rng, _EN, domain, bool(is_positive))
        pieces = [_pick(rng, _CHATTER).format(_pick(rng, _EN.topics))
                  for _ in range(rng.integers(0, max_chatter + 1))]
        text = ", ".join([clause, *pieces]) + _EN.stop
        texts.append(text[0].upper() + text[1:])
    return pd.DataFrame({"text": texts,
                         "label": np.where(positive, POSITIVE, NEGATIVE).tolist()})


def _sentiment_words() -> frozenset[str]:
    words = set(_EN.general_negative + _EN.general_positive)
    for domain in _EN.domains:
        for topic in domain.topics:
            words.update(topic.negative + topic.positive)
    return frozenset(words)


SENTIMENT_WORDS = _sentiment_words()


def cue_distance(tokens: list[str]) -> int | None:
    """Tokens between the deciding word (the last sentiment adjective) and the end of a
    ``long_range`` text as the model reads it; None when it holds no such word (it was cut)."""
    for index in range(len(tokens) - 1, -1, -1):
        if tokens[index] in SENTIMENT_WORDS:
            return len(tokens) - 1 - index
    return None
