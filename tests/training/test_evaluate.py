"""evaluate, write_results and evaluate_held_out: the model's and the baseline's test scores, as
the run keeps them."""

import json
from dataclasses import replace

import keras
import numpy as np
import pandas as pd
import pytest

from lstm_core import load_run
from lstm_core.data.demo import generate
from lstm_core.errors import StudioError
from lstm_core.model.batching import compile_forward
from lstm_core.model.build import build_model
from lstm_core.store import runs
from lstm_core.text.vocab import pad_batch
from lstm_core.training.baseline import BagOfWordsBaseline
from lstm_core.training.evaluate import evaluate, evaluate_held_out, write_results
from lstm_core.training.prepare import prepare_data
from lstm_core.training.train import create_run, train_run
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


def test_a_run_trained_without_test_texts_is_tested_once_on_held_out_ones(tmp_path):
    config = tiny_config(epochs=1)
    config = replace(config, data=replace(config.data, test_split=0.0))
    run_dir = create_run(config, demo_examples(), run_dir=tmp_path / "run")
    train_run(run_dir)
    trained = pd.read_parquet(run_dir / runs.DATA_FILE)
    assert not (run_dir / runs.METRICS_FILE).exists() and set(trained["split"]) == {"train", "val"}
    held_out = generate(40, seed=9)
    with pytest.raises(StudioError, match="'neutral' was not seen in training"):
        evaluate_held_out(run_dir, pd.concat([held_out, pd.DataFrame(
            {"text": ["so so"], "label": ["neutral"]})]))
    assert not (run_dir / runs.METRICS_FILE).exists()

    results = evaluate_held_out(run_dir, held_out)

    predictions = pd.read_csv(run_dir / runs.PREDICTIONS_FILE)
    assert predictions["text"].tolist() == held_out["text"].tolist()
    saved = json.loads((run_dir / runs.METRICS_FILE).read_text())
    assert saved["examples"] == 40 and saved["accuracy"] == results.metrics["accuracy"]
    assert saved["accuracy"] == np.mean(predictions["predicted"] == predictions["label"])
    assert "baseline" in saved
    expected = [p.probabilities["positive"] for p in load_run(run_dir).predict(
        held_out["text"].tolist())]
    np.testing.assert_allclose(predictions["p_positive"], expected, atol=1e-5)
    data = pd.read_parquet(run_dir / runs.DATA_FILE)
    pd.testing.assert_frame_equal(data.iloc[:len(trained)], trained)
    assert data.iloc[len(trained):]["text"].tolist() == held_out["text"].tolist()
    assert set(data.iloc[len(trained):]["split"]) == {"test"}
    with pytest.raises(StudioError, match="already has test texts; it is tested only once"):
        evaluate_held_out(run_dir, held_out)
