"""Hostile input, seeded: random bytes and awkward Unicode through loading, text, prediction, gates.

Each input must end in a result or a StudioError (a message for the person), never another
exception. The generator is seeded, so a failure names an input that can be replayed.
"""

import gzip
import random

import pandas as pd
import pytest

from lstm_core import load_run
from lstm_core.config import TOKENIZERS, TextConfig
from lstm_core.data.examples import to_examples
from lstm_core.data.read import read_table
from lstm_core.errors import StudioError
from lstm_core.text.processor import TextProcessor
from tests.inspect.test_run import trained

SEED = 20261202
AWKWARD = [
    "😀👍🏽👨‍👩‍👧‍👦", "\u200b\u200c\u200d\ufeff", "مرحبا بالعالم لم يكن جيدا", "שלום \u202e טוב",
    "e\u0301\u0301\u0301", "\x00\x01\x1f", "\ud7ff\ue000\U0010ffff", "<img src=x onerror=alert(1)>",
    "不好看但是演员很好", "ｆｕｌｌｗｉｄｔｈ", "\r\n\t  ", "", "n't not never", "a" * 100_000,
    "🙂 " * 20_000,
]
EXTENSIONS = [".csv", ".tsv", ".txt", ".json", ".jsonl", ".xlsx", ".parquet", ".csv.gz"]


def random_text(rng: random.Random, length: int) -> str:
    pieces = []
    for _ in range(length):
        pick = rng.random()
        if pick < 0.3:
            pieces.append(rng.choice(AWKWARD[:11]))
        elif pick < 0.6:
            pieces.append(chr(rng.randrange(0x20, 0x7F)))
        else:  # any code point but the lone surrogates a str can hold and UTF-8 cannot
            code = rng.randrange(0x110000)
            pieces.append(chr(code) if not 0xD800 <= code <= 0xDFFF else " ")
    return "".join(pieces)


def random_file(rng: random.Random) -> bytes:
    kind = rng.random()
    if kind < 0.4:
        return rng.randbytes(rng.randrange(0, 4000))
    rows = [(random_text(rng, rng.randrange(0, 40)), rng.choice(["pos", "neg", "", "1"]))
            for _ in range(rng.randrange(1, 30))]
    text = "text,label\n" + "\n".join(f'"{t}",{label}' for t, label in rows)
    data = text.encode(rng.choice(["utf-8", "utf-16", "gb18030"]), errors="replace")
    if kind < 0.7:  # flip some bytes of an otherwise fine file
        flipped = bytearray(data)
        for _ in range(rng.randrange(1, 10)):
            flipped[rng.randrange(len(flipped))] = rng.randrange(256)
        data = bytes(flipped)
    return data


@pytest.mark.parametrize("case", range(120))
def test_random_files_load_or_are_refused_with_a_message(case):
    rng = random.Random(SEED + case)
    data, extension = random_file(rng), rng.choice(EXTENSIONS)
    if extension.endswith(".gz"):
        data = gzip.compress(data)
    try:
        frame = read_table(data, name=f"upload{extension}", max_bytes=1_000_000)
    except StudioError as exc:
        assert str(exc) and "Traceback" not in str(exc)
        return
    assert isinstance(frame, pd.DataFrame)
    if {"text", "label"} <= set(frame.columns):
        try:
            to_examples(frame, "text", "label")
        except StudioError:
            pass


@pytest.mark.parametrize("tokenizer", TOKENIZERS)
def test_awkward_text_always_tokenizes_to_strings(tokenizer):
    rng = random.Random(SEED)
    texts = AWKWARD + [random_text(rng, rng.randrange(0, 300)) for _ in range(200)]
    for options in ({}, {"lowercase": False, "remove_stopwords": True, "strip_urls": False,
                                 "strip_punctuation": False, "strip_html": False}):
        processor = TextProcessor(TextConfig(tokenizer=tokenizer, **options))
        for text in texts:
            tokens = processor.tokenize(text)
            assert all(isinstance(t, str) and t for t in tokens), repr(text[:80])


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return load_run(trained(tmp_path_factory, "fuzz"))


def test_awkward_text_goes_through_prediction_and_gates(run):
    rng = random.Random(SEED)
    texts = AWKWARD + [random_text(rng, rng.randrange(0, 200)) for _ in range(30)]
    predictions = run.predict(texts)
    assert len(predictions) == len(texts)
    for text in texts[:8] + texts[-4:]:
        for view in (run.trajectory, run.importance, run.gates):
            try:
                view(text)
            except StudioError as exc:  # e.g. a text with no tokens: said, not crashed
                assert str(exc)
    run.compare(AWKWARD[0], AWKWARD[2])
