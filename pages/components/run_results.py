"""A run's test results: LSTM beside the bag-of-words baseline, per class, and its mistakes."""

from pathlib import Path

import pandas as pd

from lstm_core.figures.results import accuracy_comparison, confusion_matrix_figure, roc_figure
from lstm_core.store.results import (
    misclassified,
    probability_matrix,
    read_metrics,
    read_predictions,
    run_verdict,
)


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def show_results(container, run_dir: Path) -> None:
    metrics = read_metrics(run_dir)
    if metrics is None:
        container.info("No test results: the run ended before it was tested.")
        return
    baseline = metrics["baseline"]
    cols = container.columns(4)
    cols[0].metric("Test accuracy (LSTM)", _percent(metrics["accuracy"]),
                   delta=f"{(metrics['accuracy'] - baseline['accuracy']) * 100:+.1f} points vs "
                   "bag-of-words")
    cols[1].metric("Bag-of-words baseline", _percent(baseline["accuracy"]))
    cols[2].metric("Macro F1", f"{metrics['macro_f1']:.3f}")
    cols[3].metric("ROC AUC", "-" if metrics["roc_auc"] is None else f"{metrics['roc_auc']:.3f}")
    show_verdict(container, run_dir)
    container.plotly_chart(accuracy_comparison(metrics), key=f"compare-{run_dir.name}")

    labels = metrics["labels"]
    left, right = container.columns(2)
    left.plotly_chart(confusion_matrix_figure(metrics["confusion_matrix"], labels),
                      key=f"confusion-{run_dir.name}")
    predictions = read_predictions(run_dir)
    if predictions is not None and len(predictions):
        right.plotly_chart(roc_figure(predictions["label"].tolist(),
                                      probability_matrix(predictions, labels), labels),
                           key=f"roc-{run_dir.name}")
    container.dataframe(pd.DataFrame(metrics["per_class"]).T.rename_axis("class"),
                        width="stretch")
    if predictions is not None:
        wrong = misclassified(predictions)
        container.expander(f"Misclassified test texts ({len(wrong)} shown)").dataframe(
            wrong, hide_index=True, width="stretch")


def show_verdict(container, run_dir: Path) -> None:
    """Whether the model beats bag-of-words, said plainly; what to try when it does not."""
    verdict = run_verdict(run_dir)
    if verdict is None:
        return
    if verdict.outcome == "better":
        container.success(verdict.summary)
    else:
        container.warning(verdict.summary + "\n\n" + "\n".join(
            f"- {tip}" for tip in verdict.suggestions))
