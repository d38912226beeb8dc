"""The trained model and the baseline on the test texts: metrics.json and predictions.csv."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from lstm_core.fileio import atomic_write_bytes, atomic_write_json
from lstm_core.model.batching import predict_proba
from lstm_core.store import runs
from lstm_core.training.baseline import BagOfWordsBaseline
from lstm_core.training.metrics import classification_metrics
from lstm_core.training.prepare import PreparedData


@dataclass(frozen=True, eq=False)
class TestResults:
    """What the test split says about a run.

    Attributes:
        metrics: ``classification_metrics`` of the model.
        baseline_metrics: the same for the bag-of-words baseline.
        predictions: one row per test text: text, label, predicted, confidence,
            baseline_predicted, then p_<label> per class.
    """

    __test__ = False  # a result, not a test case for pytest to collect

    metrics: dict
    baseline_metrics: dict
    predictions: pd.DataFrame

    def summary(self) -> str:
        """The line the job reports."""
        return (
            f"test accuracy {self.metrics['accuracy']:.4f} (bag-of-words baseline "
            f"{self.baseline_metrics['accuracy']:.4f}) on {self.metrics['examples']} texts"
        )


def evaluate(forward: Callable[[np.ndarray], np.ndarray], baseline: BagOfWordsBaseline,
             data: PreparedData) -> TestResults:
    """Test metrics of the model behind ``forward`` and of the baseline, and their predictions.

    Args:
        forward: ``batching.compile_forward`` of the model to test.
        baseline: fitted on the same training texts.
        data: the run's examples; their "test" split is scored.
    """
    labels = data.vocabulary.labels
    ids, y, _ = data.subset("test")
    probabilities = predict_proba(forward, ids, len(labels))
    base_probabilities = baseline.predict_proba(data.tokens_in("test"))
    examples = data.examples_in("test")
    predictions = pd.DataFrame({
        "text": examples["text"].to_numpy(),
        "label": examples["label"].to_numpy(),
        "predicted": [labels[i] for i in probabilities.argmax(axis=1)],
        "confidence": probabilities.max(axis=1),
        "baseline_predicted": [labels[i] for i in base_probabilities.argmax(axis=1)],
    })
    for column, label in enumerate(labels):
        predictions[f"p_{label}"] = probabilities[:, column]
    return TestResults(
        metrics=classification_metrics(y, probabilities, labels),
        baseline_metrics=classification_metrics(y, base_probabilities, labels),
        predictions=predictions,
    )


def write_results(run_dir: Path, results: TestResults) -> None:
    """metrics.json (the baseline's under "baseline") and predictions.csv, each atomically."""
    atomic_write_json(Path(run_dir) / runs.METRICS_FILE,
                      {**results.metrics, "baseline": results.baseline_metrics})
    atomic_write_bytes(Path(run_dir) / runs.PREDICTIONS_FILE,
                       results.predictions.to_csv(index=False).encode("utf-8"))
