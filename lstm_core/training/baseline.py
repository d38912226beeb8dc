"""A bag-of-words baseline reported beside the LSTM, so its gain over word order is visible.

Logistic regression on which of the very tokens the LSTM sees a text holds (present or not). It
knows which words a text holds but not their order, so "not good, but great" and "not great, but
good" look the same to it. Once fitted it is plain numbers (vocabulary, coefficients, intercepts)
saved as JSON, never a pickle, and prediction needs numpy only.

Presence rather than counts: on long texts such as IMDB's reviews the solver converges in far
fewer iterations to the same test accuracy (figures: docs/benchmarks.md). Baselines saved with
counts (no ``features`` field) still predict with counts.

Example:
    >>> baseline = BagOfWordsBaseline().fit(
    ...     [["good"], ["bad"]], ["positive", "negative"], ["negative", "positive"])
    >>> baseline.predict([["good", "film"]])
    ['positive']
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from lstm_core.errors import StudioError
from lstm_core.fileio import atomic_write_json, read_json

FORMAT = "bag-of-words-logreg"
MAX_ITER = 1000  # lbfgs iterations; small vocabularies converge far sooner
PRESENCE, COUNTS = "presence", "counts"


class BagOfWordsBaseline:
    """Unigram-count logistic regression over token lists.

    Args:
        seed: seeds the solver, so the same data always gives the same weights.
    """

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self.class_names: list[str] = []
        self.vocabulary: dict[str, int] = {}
        self.coef = np.zeros((0, 0))  # (1 for two classes else classes, vocabulary)
        self.intercept = np.zeros(0)
        self.features = PRESENCE

    def fit(
        self,
        token_lists: Sequence[Sequence[str]],
        labels: Sequence[str],
        class_names: Sequence[str],
    ) -> BagOfWordsBaseline:
        """Fit on token lists and their string labels.

        Args:
            token_lists: tokens per text, as ``TextProcessor.tokenize`` returns them.
            labels: one label per text, each one of ``class_names``.
            class_names: class order; column ``i`` of ``predict_proba`` is ``class_names[i]``.

        Returns:
            ``self``, fitted.

        Raises:
            StudioError: on fewer than two classes, unknown labels, or texts without tokens.
        """
        # Imported here: scikit-learn is needed to fit, never to predict from a saved baseline.
        from sklearn.feature_extraction.text import CountVectorizer
        from sklearn.linear_model import LogisticRegression

        class_ids = _class_ids(labels, class_names)
        if len(token_lists) != len(class_ids):
            raise StudioError(
                f"Got {len(token_lists)} texts but {len(class_ids)} labels; give one per text."
            )
        vectorizer = CountVectorizer(analyzer=_identity, binary=True)
        try:
            counts = vectorizer.fit_transform(token_lists)
        except ValueError:  # sklearn's "empty vocabulary"
            raise StudioError(
                "The training texts have no tokens; check the text column and tokenizer settings."
            ) from None
        model = LogisticRegression(max_iter=MAX_ITER, random_state=self.seed)
        model.fit(counts, class_ids)
        self.class_names = list(class_names)
        self.vocabulary = {str(tok): int(i) for tok, i in vectorizer.vocabulary_.items()}
        self.coef = np.asarray(model.coef_, dtype="float64")
        self.intercept = np.asarray(model.intercept_, dtype="float64")
        self.features = PRESENCE
        return self

    def predict_proba(self, token_lists: Sequence[Sequence[str]]) -> np.ndarray:
        """Class probabilities, shape (texts, classes), columns in ``class_names`` order.

        Uses the same link as scikit-learn: a sigmoid of one score for two classes, a softmax of
        one score per class otherwise. Tokens never seen in training are ignored.
        """
        if not self.class_names:
            raise StudioError("The baseline is not fitted; call fit() or load() first.")
        scores = np.empty((len(token_lists), len(self.intercept)))
        for row, tokens in enumerate(token_lists):
            ids = [self.vocabulary[tok] for tok in tokens if tok in self.vocabulary]
            if self.features == PRESENCE:
                ids = sorted(set(ids))
            scores[row] = self.intercept + self.coef[:, ids].sum(axis=1)
        if len(self.class_names) == 2:
            positive = np.exp(-np.logaddexp(0.0, -scores[:, 0]))  # sigmoid without overflow
            return np.column_stack([1.0 - positive, positive])
        shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
        return shifted / shifted.sum(axis=1, keepdims=True)

    def predict(self, token_lists: Sequence[Sequence[str]]) -> list[str]:
        """The most probable class name per text."""
        best = self.predict_proba(token_lists).argmax(axis=1)
        return [self.class_names[i] for i in best]

    def to_dict(self) -> dict:
        """Everything prediction needs, as JSON-ready lists; tokens in coefficient-column order."""
        tokens = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        return {"format": FORMAT, "features": self.features, "seed": self.seed,
                "class_names": list(self.class_names), "vocabulary": tokens,
                "coef": self.coef.tolist(), "intercept": self.intercept.tolist()}

    @classmethod
    def from_dict(cls, data: dict) -> BagOfWordsBaseline:
        """Rebuild a fitted baseline from ``to_dict()``'s output.

        Raises:
            StudioError: when the data is not a saved baseline or its shapes disagree.
        """
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise StudioError(f"This is not a saved bag-of-words baseline (format {FORMAT!r}).")
        try:
            baseline = cls(seed=int(data["seed"]))
            baseline.class_names = [str(name) for name in data["class_names"]]
            baseline.vocabulary = {str(tok): i for i, tok in enumerate(data["vocabulary"])}
            baseline.coef = np.asarray(data["coef"], dtype="float64")
            baseline.intercept = np.asarray(data["intercept"], dtype="float64")
            baseline.features = data.get("features", COUNTS)  # saved before presence came in
        except (KeyError, TypeError, ValueError) as exc:
            raise StudioError(f"The saved baseline is damaged ({exc!r}); fit it again.") from None
        if baseline.features not in (PRESENCE, COUNTS):
            raise StudioError(
                f"The saved baseline uses features {baseline.features!r}, which this version does "
                "not know; fit it again."
            )
        rows = 1 if len(baseline.class_names) == 2 else len(baseline.class_names)
        expected = (rows, len(baseline.vocabulary))
        if len(baseline.class_names) < 2 or baseline.coef.shape != expected or (
            baseline.intercept.shape != (rows,)
        ):
            raise StudioError(
                f"The saved baseline is damaged: coefficients of shape {baseline.coef.shape} do "
                f"not fit {len(baseline.class_names)} classes and {len(baseline.vocabulary)} "
                "tokens; fit it again."
            )
        return baseline

    def save(self, path: Path) -> None:
        atomic_write_json(path, self.to_dict())

    @classmethod
    def load(cls, path: Path) -> BagOfWordsBaseline:
        return cls.from_dict(read_json(path))


def _identity(tokens: Sequence[str]) -> Sequence[str]:
    """The analyzer: texts arrive already tokenized, exactly as the LSTM sees them."""
    return tokens


def _class_ids(labels: Sequence[str], class_names: Sequence[str]) -> np.ndarray:
    """Labels as indices into ``class_names``; every class must occur so each gets weights."""
    if len(set(class_names)) != len(class_names) or len(class_names) < 2:
        raise StudioError(
            f"class_names must hold at least two distinct names; got {list(class_names)}."
        )
    positions = {name: i for i, name in enumerate(class_names)}
    unknown = sorted(set(labels) - set(positions))
    if unknown:
        raise StudioError(f"Label {unknown[0]!r} is not one of the classes {list(class_names)}.")
    ids = np.array([positions[label] for label in labels], dtype="int64")
    counts = np.bincount(ids, minlength=len(class_names))
    if counts.min() == 0:
        raise StudioError(
            f"Class {class_names[int(counts.argmin())]!r} has no training examples; the baseline "
            "needs every class."
        )
    return ids
