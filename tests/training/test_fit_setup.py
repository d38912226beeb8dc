"""prepare_fit and graph_rewrites_off: steps traced once, and training learns the same weights."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from lstm_core.config import ModelConfig, TrainConfig
from lstm_core.model.batching import make_dataset
from lstm_core.model.build import build_model, compile_model
from lstm_core.text.vocab import pad_batch
from lstm_core.training.fit_setup import graph_rewrites_off, prepare_fit
from tests.helpers import grappler_off

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


def test_training_learns_keras_own_weights_to_the_last_digit():
    prepared, _ = _model(prepared=True)
    plain, _ = _model(prepared=False)
    assert _fit(prepared).history["loss"] == _fit(plain).history["loss"]
    for ours, theirs in zip(prepared.get_weights(), plain.get_weights(), strict=True):
        np.testing.assert_array_equal(ours, theirs)


def test_without_graph_rewrites_training_learns_the_same_weights_to_the_last_digit():
    with graph_rewrites_off():
        assert grappler_off()
        quick, _ = _model(prepared=True)
        quick_loss = _fit(quick).history["loss"]
    assert not grappler_off()
    usual, _ = _model(prepared=True)
    assert quick_loss == _fit(usual).history["loss"]
    for ours, theirs in zip(quick.get_weights(), usual.get_weights(), strict=True):
        np.testing.assert_array_equal(ours, theirs)


def test_graph_rewrites_come_back_as_they_were_even_after_an_error():
    tf.config.optimizer.set_experimental_options({"disable_meta_optimizer": True})
    try:
        with graph_rewrites_off():
            pass
        assert grappler_off()  # a caller that had them off keeps them off
    finally:
        tf.config.optimizer.set_experimental_options({"disable_meta_optimizer": False})
    with pytest.raises(RuntimeError), graph_rewrites_off():
        raise RuntimeError("a failed run")
    assert not grappler_off()
