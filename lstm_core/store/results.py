"""A finished run's test results, read from its directory (metrics.json, predictions.csv)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from lstm_core.fileio import read_json
from lstm_core.store.runs import METRICS_FILE, PREDICTIONS_FILE


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
