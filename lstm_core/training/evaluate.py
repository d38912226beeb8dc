"""The trained model and the baseline on the test texts: metrics.json and predictions.csv.

A run tests itself at the end of its job (``evaluate``). A run trained without test texts, such
as a settings search's trial, can be tested once later on texts held out from it
(``evaluate_held_out``).
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from lstm_core.config import RunConfig
from lstm_core.errors import StudioError
from lstm_core.fileio import atomic_write_bytes, atomic_write_json, read_json
from lstm_core.model.batching import encode_tokens, predict_proba
from lstm_core.store import runs
from lstm_core.text.processor import TextProcessor
from lstm_core.text.vocab import Vocabulary
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


def evaluate_held_out(run_dir: Path, test_examples: pd.DataFrame) -> TestResults:
    """Test a saved run once on texts it never saw, as its own job would have tested it.

    Loads the run's best model, vocabulary and baseline, scores ``test_examples`` with
    ``evaluate``, writes metrics.json and predictions.csv, and adds the texts to data.parquet as
    the run's test split, so the run reads like any tested run.

    Args:
        run_dir: a run trained without a test split, with model.keras and baseline.json.
        test_examples: columns text, label; every label must be one the run trained on.

    Raises:
        StudioError: the run already has test texts, lacks its model or baseline, or a label
            is new to it.
    """
    import keras
    import tensorflow as tf

    from lstm_core.model import build  # noqa: F401 - registers SequencePooling for loading
    from lstm_core.model.batching import compile_forward
    from lstm_core.model.device import configure_device
    from lstm_core.model.rnn_loop import use_lean_loops

    run_dir = Path(run_dir)
    examples = pd.read_parquet(run_dir / runs.DATA_FILE)
    if (examples["split"] == "test").any():
        raise StudioError(f"Run {run_dir.name} already has test texts; it is tested only once.")
    for name in (runs.MODEL_FILE, runs.BASELINE_FILE):
        if not (run_dir / name).is_file():
            raise StudioError(f"Run {run_dir.name} has no {name} to test.")
    config = RunConfig.from_dict(read_json(run_dir / runs.CONFIG_FILE))
    vocabulary = Vocabulary.load(run_dir / runs.VOCAB_FILE)
    test = test_examples[["text", "label"]].assign(split="test").reset_index(drop=True)
    labels = vocabulary.label_ids(test["label"])  # a label new to the run fails here
    tokens = TextProcessor(config.text).tokenize_many(test["text"], workers=os.cpu_count() or 1)
    data = PreparedData(
        examples=test, tokens=tokens, vocabulary=vocabulary,
        ids=encode_tokens(tokens, vocabulary, config.text), labels=labels,
        weights=np.ones(len(test), dtype="float32"),
        index={"train": np.array([], dtype=int), "val": np.array([], dtype=int),
               "test": np.arange(len(test))},
    )
    tf_device, _ = configure_device(config.train.device)
    with tf.device(tf_device):
        model = keras.models.load_model(run_dir / runs.MODEL_FILE, compile=False,
                                        safe_mode=True)
        if tf_device.startswith("/CPU"):
            use_lean_loops(model)  # the same probabilities, less work per step
        results = evaluate(compile_forward(model),
                           BagOfWordsBaseline.load(run_dir / runs.BASELINE_FILE), data)
    write_results(run_dir, results)
    buffer = io.BytesIO()
    pd.concat([examples, test], ignore_index=True).to_parquet(buffer, index=False)
    atomic_write_bytes(run_dir / runs.DATA_FILE, buffer.getvalue())
    return results
