"""Validation: the val_loss and val_accuracy Keras reports, from the compiled forward pass."""

import keras
import numpy as np
import pytest

from lstm_core.config import ModelConfig, TrainConfig
from lstm_core.model.batching import compile_forward, padded_batches
from lstm_core.model.build import build_model, compile_model
from lstm_core.text.vocab import pad_batch
from lstm_core.training.callbacks import Validation, validation_scores

SEQUENCES = [[(i * 5 + j) % 23 + 2 for j in range(1 + i % 7)] for i in range(60)]


def _trained(classes: int):
    keras.utils.set_random_seed(2)
    model = build_model(ModelConfig(embed_dim=6, units=5), vocab_size=25, num_classes=classes)
    compile_model(model, TrainConfig(learning_rate=0.05))
    labels = np.array([i % classes for i in range(60)], dtype="int32")
    weights = np.linspace(0.5, 2.0, 60).astype("float32")
    for ids, y, w in padded_batches(SEQUENCES, labels, weights, batch_size=16):
        model.train_on_batch(ids, y, sample_weight=w)  # so the probabilities differ
    return model, labels, weights


@pytest.mark.parametrize("classes", [2, 3])
def test_scores_match_keras_evaluate_with_sample_weights(classes):
    model, labels, weights = _trained(classes)
    ids = pad_batch(SEQUENCES)
    keras_loss, keras_accuracy = model.evaluate(ids, labels, sample_weight=weights,
                                                batch_size=60, verbose=0)

    scores = validation_scores(compile_forward(model)(ids), labels, weights)

    assert scores["val_loss"] == pytest.approx(keras_loss, rel=1e-5)
    assert scores["val_accuracy"] == pytest.approx(keras_accuracy, abs=1e-6)
    assert 0.0 < scores["val_accuracy"] < 1.0


def test_a_confident_wrong_answer_costs_what_keras_clipping_allows():
    probabilities = np.array([[1.0, 0.0], [0.5, 0.5]], dtype="float32")
    scores = validation_scores(probabilities, np.array([1, 0]), np.ones(2, dtype="float32"))
    assert scores["val_loss"] == pytest.approx((-np.log(1e-7) - np.log(0.5)) / 2, rel=1e-5)
    assert scores["val_accuracy"] == 0.5


def test_the_callback_fills_the_epoch_logs_in_place_for_later_callbacks():
    model, labels, weights = _trained(2)
    batches = padded_batches(SEQUENCES, labels, weights, batch_size=16)
    logs = {"loss": 0.7}
    Validation(batches, compile_forward(model)).on_epoch_end(0, logs)
    whole = validation_scores(compile_forward(model)(pad_batch(SEQUENCES)), labels, weights)
    assert logs["loss"] == 0.7
    assert logs["val_loss"] == pytest.approx(whole["val_loss"], rel=1e-6)
    assert logs["val_accuracy"] == pytest.approx(whole["val_accuracy"])
