"""prepare_fit: the train and test steps are traced once, and training learns the same weights."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from lstm_core.batching import make_dataset
from lstm_core.config import ModelConfig, TrainConfig
from lstm_core.fit_setup import fused_adam_step, prepare_fit
from lstm_core.models import build_model, compile_model
from lstm_core.vocab import pad_batch

SEQUENCES = [[(i * 7 + j) % 29 + 2 for j in range(1 + i % 9)] for i in range(48)]
LABELS = np.array([i % 2 for i in range(48)], dtype="int32")
WEIGHTS = np.ones(48, dtype="float32")


def _model(prepared: bool):
    keras.utils.set_random_seed(5)
    model = build_model(ModelConfig(embed_dim=8, units=6), vocab_size=32, num_classes=2)
    compile_model(model, TrainConfig(learning_rate=0.01))
    traces = {"train": 0, "test": 0}
    for name in traces:
        step = getattr(model, f"{name}_step")

        def counted(data, name=name, step=step):
            traces[name] += 1  # Python runs only while TensorFlow traces
            return step(data)

        setattr(model, f"{name}_step", counted)
    if prepared:
        prepare_fit(model, (pad_batch(SEQUENCES[:2]), LABELS[:2], WEIGHTS[:2]), one_device=True)
    return model, traces


def _fit(model):
    train, per_epoch = make_dataset(SEQUENCES, LABELS, WEIGHTS, batch_size=8, bucket=True,
                                    seed=0, passes=3)
    val, _ = make_dataset(SEQUENCES[:16], LABELS[:16], WEIGHTS[:16], batch_size=8, bucket=True,
                          seed=None)
    return model.fit(train, validation_data=val, epochs=3, steps_per_epoch=per_epoch, verbose=0)


def test_each_step_is_traced_once_though_widths_vary():
    model, traces = _model(prepared=True)
    _fit(model)
    assert traces == {"train": 1, "test": 1}


def test_keras_alone_traces_the_train_step_twice():
    """What prepare_fit saves: Keras creates the optimizer inside the first trace, then retraces."""
    model, traces = _model(prepared=False)
    _fit(model)
    assert traces["train"] == 2


def test_training_learns_what_keras_own_step_functions_learn():
    """The same curve. Not the same weights to the last digit: Adam's fused kernel rounds a few
    ulps differently, and Adam turns rounding in a near-zero gradient into a full step."""
    prepared, _ = _model(prepared=True)
    plain, _ = _model(prepared=False)
    np.testing.assert_allclose(_fit(prepared).history["loss"], _fit(plain).history["loss"],
                               rtol=1e-2)


def test_with_plain_adam_the_weights_are_keras_own_to_the_last_digit():
    prepared, _ = _model(prepared=True)
    del prepared.optimizer.update_step  # back to Keras' Adam: only the step functions differ
    plain, _ = _model(prepared=False)
    assert _fit(prepared).history["loss"] == _fit(plain).history["loss"]
    for ours, theirs in zip(prepared.get_weights(), plain.get_weights(), strict=True):
        np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("steps, tolerance", [(1, 1e-6), (6, 1e-5)])
def test_fused_adam_takes_keras_adam_steps_on_dense_and_sparse_gradients(steps, tolerance):
    """Within a few float32 ulps per step; rows a sparse gradient never touches do not move."""
    rng = np.random.default_rng(0)
    start = rng.normal(size=(6, 3)).astype("float32")
    gradients = [tf.constant(rng.normal(size=(6, 3)).astype("float32")),
                 tf.IndexedSlices(tf.constant(rng.normal(size=(2, 3)).astype("float32")),
                                  tf.constant([1, 4]), tf.constant([6, 3]))] * 3
    for first in (0, 1):  # dense first, or an embedding's sparse gradient first
        weights = []
        for fused in (False, True):
            variable = keras.Variable(start)
            optimizer = keras.optimizers.Adam(learning_rate=0.05)
            optimizer.build([variable])
            if fused:
                optimizer.update_step = fused_adam_step.__get__(optimizer)
            for gradient in gradients[first : first + steps]:
                optimizer.apply_gradients([(gradient, variable)])
            weights.append(variable.numpy())
        assert not np.allclose(weights[0], start)
        np.testing.assert_allclose(weights[1], weights[0], rtol=0, atol=tolerance)
        if steps == 1 and first == 1:
            np.testing.assert_array_equal(weights[1][[0, 2, 3, 5]], start[[0, 2, 3, 5]])
