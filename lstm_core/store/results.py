"""A finished run's test results, read from its directory (metrics.json, predictions.csv), and
the verdict on them: does the recurrent model beat the bag-of-words baseline, and what to try
when it does not."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from lstm_core.config import CELL_NAMES, ModelConfig, RunConfig
from lstm_core.errors import StudioError
from lstm_core.fileio import read_json
from lstm_core.store.runs import (
    CONFIG_FILE,
    DATA_FILE,
    METRICS_FILE,
    PREDICTIONS_FILE,
    read_status,
    summarize_run,
)
from lstm_core.store.testset import short

# A difference of accuracy within this many binomial standard errors of an accuracy measured on
# the test texts is "about the same": another test set of that size could reverse it.
NOISE_STANDARD_ERRORS = 2.0
# Below this many training texts, a model that learns its word vectors from scratch seldom has
# enough to beat a bag of words.
FEW_TRAINING_TEXTS = 5_000
SEARCH_HINT = ('Search for better settings: "Find good settings" on the Train page, or '
               "python -m lstm_core search.")


def read_metrics(run_dir: Path) -> dict | None:
    """metrics.json, or None for a run that has not been tested (yet)."""
    path = Path(run_dir) / METRICS_FILE
    return read_json(path) if path.exists() else None


def read_predictions(run_dir: Path) -> pd.DataFrame | None:
    """One row per test text: text, label, predicted, confidence, baseline_predicted, p_<class>."""
    path = Path(run_dir) / PREDICTIONS_FILE
    if not path.exists():
        return None
    return pd.read_csv(path, keep_default_na=False, dtype={"label": str, "predicted": str,
                                                          "baseline_predicted": str})


def probability_matrix(predictions: pd.DataFrame, labels: list[str]) -> np.ndarray:
    """The p_<class> columns as a (texts, classes) array in label order."""
    return predictions[[f"p_{label}" for label in labels]].to_numpy(dtype="float64")


def misclassified(predictions: pd.DataFrame, limit: int = 100) -> pd.DataFrame:
    """Test texts the LSTM got wrong, most confident mistakes first."""
    wrong = predictions[predictions["label"] != predictions["predicted"]]
    columns = ["text", "label", "predicted", "confidence", "baseline_predicted"]
    return wrong.sort_values("confidence", ascending=False)[columns].head(limit)


@dataclass(frozen=True)
class Verdict:
    """The recurrent model against the bag-of-words baseline on the same test texts."""

    outcome: str  # "better", "same" (within noise) or "worse", for the model
    accuracy: float
    baseline_accuracy: float
    test_texts: int
    noise: float  # accuracy points a test of this size varies by (NOISE_STANDARD_ERRORS SEs)
    summary: str  # one sentence that says it
    suggestions: tuple[str, ...] = ()  # what to try when the model does not beat the baseline
    test_set: str | None = None  # the test texts' fingerprint (store.testset)

    @property
    def gap(self) -> float:
        """Model minus baseline, in accuracy points."""
        return (self.accuracy - self.baseline_accuracy) * 100

    def line(self) -> str:
        """The summary and the suggestions in one line, as the ``train`` command prints it."""
        return " ".join([self.summary, *self.suggestions])


def compare_with_baseline(
    metrics: dict,
    config: RunConfig,
    *,
    epochs_done: int | None = None,
    best_epoch: int | None = None,
    train_texts: int | None = None,
    test_set: str | None = None,
) -> Verdict | None:
    """Whether the model beats the bag-of-words baseline, by how much, and what to try if not.

    A difference within ``NOISE_STANDARD_ERRORS`` binomial standard errors of an accuracy on this
    many test texts is "about the same". When the model does not beat the baseline, the
    suggestions name the settings search, then whatever this run gives reason for: more epochs
    when the best epoch was the last one (still improving), a larger or bidirectional model when
    it is smaller than the defaults, more data when there are few training texts.

    Args:
        metrics: the run's metrics.json (``accuracy``, ``examples``, ``baseline.accuracy``).
        config: the run's settings.
        epochs_done: epochs trained (status.json); ``best_epoch``: the epoch kept.
        train_texts: texts the model learned from.
        test_set: the fingerprint of the test texts, named in the summary so a reader knows
            which runs' scores it can be set beside.

    Returns:
        The verdict, or None when there is no baseline or no test text to compare on.

    Example:
        >>> compare_with_baseline({"accuracy": 0.9, "examples": 1000,
        ...                        "baseline": {"accuracy": 0.8}}, RunConfig()).outcome
        'better'
    """
    baseline = metrics.get("baseline") or {}
    accuracy, base = metrics.get("accuracy"), baseline.get("accuracy")
    texts = metrics.get("examples")
    if accuracy is None or base is None or not texts:
        return None
    mean = (accuracy + base) / 2
    noise = NOISE_STANDARD_ERRORS * math.sqrt(mean * (1 - mean) / texts) * 100
    gap = (accuracy - base) * 100
    name = CELL_NAMES.get(config.model.cell, config.model.cell)
    scores = f"{accuracy:.1%} against {base:.1%} on {texts:,} test texts"
    if test_set:
        scores += f" of test set {short(test_set)}"
    varies = f"the ±{noise:.1f} points a test of this size varies by"
    if gap > noise:
        return Verdict("better", accuracy, base, texts, noise,
                       f"The {name} beats the bag-of-words baseline by {gap:.1f} points "
                       f"({scores}), more than {varies}.", test_set=test_set)
    if gap < -noise:
        outcome = "worse"
        summary = (f"The {name} does not beat the bag-of-words baseline: it scores {-gap:.1f} "
                   f"points lower ({scores}), more than {varies}.")
    else:
        outcome = "same"
        summary = (f"The {name} and the bag-of-words baseline score about the same ({scores}): "
                   f"the difference of {gap:+.1f} points is within {varies}.")
    return Verdict(outcome, accuracy, base, texts, noise, summary,
                   _suggestions(config, epochs_done, best_epoch, train_texts), test_set)


def _suggestions(config: RunConfig, epochs_done: int | None, best_epoch: int | None,
                 train_texts: int | None) -> tuple[str, ...]:
    tips = [SEARCH_HINT]
    if epochs_done and best_epoch == epochs_done:
        tips.append(f"Train for more epochs: the best epoch was the last one ({epochs_done}), "
                    "so the model was still improving.")
    model = config.model
    if model.units < ModelConfig.units or model.embed_dim < ModelConfig.embed_dim:
        either = "" if model.bidirectional else " or a bidirectional one"
        tips.append(f"Try a larger model{either}: "
                    f"{model.units} units and an embedding of {model.embed_dim} are below the "
                    f"defaults ({ModelConfig.units} and {ModelConfig.embed_dim}).")
    if train_texts is not None and train_texts < FEW_TRAINING_TEXTS:
        tips.append(f"Add data: {train_texts:,} training texts are few for a model that learns "
                    "its word vectors from scratch; a bag of words needs fewer.")
    return tuple(tips)


def run_verdict(run_dir: Path) -> Verdict | None:
    """``compare_with_baseline`` for a run directory; None before the run is tested."""
    run_dir = Path(run_dir)
    metrics = read_metrics(run_dir)
    if metrics is None:
        return None
    try:
        config = RunConfig.from_dict(read_json(run_dir / CONFIG_FILE))
        status = read_status(run_dir)
    except StudioError:  # a damaged run: its results are shown without a verdict
        return None
    try:
        splits = pd.read_parquet(run_dir / DATA_FILE, columns=["split"])["split"]
        train_texts = int((splits == "train").sum())
    except (OSError, ValueError, KeyError):
        train_texts = None
    return compare_with_baseline(metrics, config, epochs_done=status.get("epochs_done"),
                                 best_epoch=status.get("best_epoch"), train_texts=train_texts,
                                 test_set=summarize_run(run_dir).test_set)
