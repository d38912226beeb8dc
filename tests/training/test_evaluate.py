"""evaluate and write_results: the model's and the baseline's test scores, as the run keeps them."""

import json

import keras
import numpy as np
import pandas as pd

from lstm_core.model.batching import compile_forward
from lstm_core.model.build import build_model
from lstm_core.store import runs
from lstm_core.text.vocab import pad_batch
from lstm_core.training.baseline import BagOfWordsBaseline
from lstm_core.training.evaluate import evaluate, write_results
from lstm_core.training.prepare import prepare_data
from lstm_core.training.train import create_run
from tests.helpers import demo_examples, tiny_config


def test_every_test_text_is_scored_by_the_model_and_the_baseline(tmp_path):
    config = tiny_config()
    run_dir = create_run(config, demo_examples(), run_dir=tmp_path / "run")
    data = prepare_data(run_dir, config)
    keras.utils.set_random_seed(0)
    model = build_model(config.model, data.vocabulary.size, len(data.vocabulary.labels))
    forward = compile_forward(model)
    baseline = BagOfWordsBaseline().fit(data.tokens_in("train"),
                                        data.examples_in("train")["label"],
                                        data.vocabulary.labels)

    results = evaluate(forward, baseline, data)

    ids, labels, _ = data.subset("test")
    expected = np.concatenate([forward(pad_batch([one])) for one in ids])
    predictions = results.predictions
    assert predictions["text"].tolist() == data.examples_in("test")["text"].tolist()
    np.testing.assert_allclose(predictions[["p_negative", "p_positive"]], expected, atol=1e-6)
    assert predictions["baseline_predicted"].tolist() == baseline.predict(data.tokens_in("test"))
    assert results.metrics["examples"] == len(ids) == 30
    assert results.metrics["accuracy"] == np.mean(expected.argmax(axis=1) == labels)
    assert results.baseline_metrics["accuracy"] == np.mean(
        predictions["baseline_predicted"] == predictions["label"])
    assert results.summary() == (
        f"test accuracy {results.metrics['accuracy']:.4f} (bag-of-words baseline "
        f"{results.baseline_metrics['accuracy']:.4f}) on 30 texts")

    write_results(run_dir, results)
    saved = json.loads((run_dir / runs.METRICS_FILE).read_text())
    assert saved == {**results.metrics, "baseline": results.baseline_metrics}
    assert list(saved)[-1] == "baseline"
    pd.testing.assert_frame_equal(pd.read_csv(run_dir / runs.PREDICTIONS_FILE), predictions,
                                  check_dtype=False)
