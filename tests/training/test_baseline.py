"""BagOfWordsBaseline: fits word presence, predicts with numpy, round-trips through JSON."""

import numpy as np
import pytest
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression

from lstm_core.config import TextConfig
from lstm_core.errors import StudioError
from lstm_core.text.processor import TextProcessor
from lstm_core.training.baseline import BagOfWordsBaseline

TWO_CLASSES = ["negative", "positive"]
THREE_CLASSES = ["negative", "neutral", "positive"]
TEXTS = {
    "positive": ["A good film.", "Great acting and a good plot!", "Good fun, great cast."],
    "negative": ["A bad film.", "Awful acting and a bad plot!", "Bad, awful cast."],
    "neutral": ["The film is on at nine.", "The cast has five actors.", "It is a plot."],
}


def _data(class_names):
    processor = TextProcessor(TextConfig())
    texts = [text for name in class_names for text in TEXTS[name]]
    labels = [name for name in class_names for _ in TEXTS[name]]
    return processor.tokenize_many(texts), labels


def _sklearn_proba(tokens, labels, class_names, queries):
    """Reference: the same model as plain scikit-learn, columns in class_names order."""
    vectorizer = CountVectorizer(analyzer=lambda doc: doc, binary=True)
    model = LogisticRegression(max_iter=1000, random_state=0)
    model.fit(vectorizer.fit_transform(tokens), [class_names.index(label) for label in labels])
    return model.predict_proba(vectorizer.transform(queries))


QUERIES = [["good", "plot"], ["awful", "film"], ["five", "actors"], ["unseen", "words"], [],
           ["good", "good", "good", "awful"]]


@pytest.mark.parametrize("class_names", [TWO_CLASSES, THREE_CLASSES])
def test_fits_separable_data_and_matches_sklearn(class_names):
    tokens, labels = _data(class_names)
    baseline = BagOfWordsBaseline().fit(tokens, labels, class_names)

    assert baseline.predict(tokens) == labels
    proba = baseline.predict_proba(QUERIES)
    assert proba.shape == (len(QUERIES), len(class_names))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_allclose(proba, _sklearn_proba(tokens, labels, class_names, QUERIES),
                               atol=1e-9)
    assert baseline.predict([["good", "plot"], ["awful", "film"]]) == ["positive", "negative"]


@pytest.mark.parametrize("class_names", [TWO_CLASSES, THREE_CLASSES])
def test_json_round_trip_gives_identical_probabilities(tmp_path, class_names):
    tokens, labels = _data(class_names)
    baseline = BagOfWordsBaseline(seed=3).fit(tokens, labels, class_names)
    baseline.save(tmp_path / "baseline.json")

    loaded = BagOfWordsBaseline.load(tmp_path / "baseline.json")

    assert loaded.class_names == class_names
    assert loaded.seed == 3
    np.testing.assert_allclose(loaded.predict_proba(QUERIES), baseline.predict_proba(QUERIES),
                               rtol=0, atol=1e-9)
    assert loaded.predict(QUERIES) == baseline.predict(QUERIES)


def test_columns_follow_the_given_class_order():
    tokens, labels = _data(TWO_CLASSES)
    baseline = BagOfWordsBaseline().fit(tokens, labels, ["positive", "negative"])

    proba = baseline.predict_proba([["good", "good", "great"]])

    assert proba[0, 0] > 0.5
    assert baseline.predict([["good", "good", "great"]]) == ["positive"]


def test_rejects_labels_outside_the_classes():
    tokens, labels = _data(TWO_CLASSES)
    with pytest.raises(StudioError, match=r"Label 'neutral' is not one of the classes"):
        BagOfWordsBaseline().fit(tokens, labels[:-1] + ["neutral"], TWO_CLASSES)


def test_needs_every_class_in_training():
    tokens, labels = _data(TWO_CLASSES)
    with pytest.raises(StudioError, match=r"Class 'neutral' has no training examples"):
        BagOfWordsBaseline().fit(tokens, labels, THREE_CLASSES)


def test_needs_two_classes():
    with pytest.raises(StudioError, match=r"at least two distinct names"):
        BagOfWordsBaseline().fit([["good"]], ["positive"], ["positive"])


def test_rejects_texts_without_tokens():
    with pytest.raises(StudioError, match=r"no tokens"):
        BagOfWordsBaseline().fit([[], []], TWO_CLASSES, TWO_CLASSES)


def test_predict_before_fit_says_what_to_do():
    with pytest.raises(StudioError, match=r"call fit\(\) or load\(\) first"):
        BagOfWordsBaseline().predict([["good"]])


def test_damaged_json_is_a_studio_error(tmp_path):
    tokens, labels = _data(TWO_CLASSES)
    data = BagOfWordsBaseline().fit(tokens, labels, TWO_CLASSES).to_dict()

    with pytest.raises(StudioError, match=r"not a saved bag-of-words baseline"):
        BagOfWordsBaseline.from_dict({"format": "pickle"})
    with pytest.raises(StudioError, match=r"damaged"):
        BagOfWordsBaseline.from_dict({**data, "coef": data["coef"][0][:-1]})
    with pytest.raises(StudioError, match=r"damaged"):
        BagOfWordsBaseline.from_dict({key: v for key, v in data.items() if key != "intercept"})


def test_a_baseline_saved_with_counts_still_predicts_with_counts():
    """Runs saved before presence features (no "features" field) keep their exact scores."""
    tokens, labels = _data(TWO_CLASSES)
    data = BagOfWordsBaseline().fit(tokens, labels, TWO_CLASSES).to_dict()
    del data["features"]
    old = BagOfWordsBaseline.from_dict(data)
    coef = dict(zip(data["vocabulary"], data["coef"][0], strict=True))

    score = data["intercept"][0] + 3 * coef["good"] + coef["awful"]
    np.testing.assert_allclose(old.predict_proba([["good", "good", "good", "awful"]])[0, 1],
                               1 / (1 + np.exp(-score)), atol=1e-12)
    with pytest.raises(StudioError, match=r"features 'tf-idf'"):
        BagOfWordsBaseline.from_dict({**data, "features": "tf-idf"})
