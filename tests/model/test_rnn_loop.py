"""rnn_loop: the lean loop trains the very weights Keras' own loop does, and is never saved."""

import keras
import numpy as np
import pytest

from lstm_core import load_run
from lstm_core.config import ModelConfig, TrainConfig
from lstm_core.model import rnn_loop
from lstm_core.model.batching import make_dataset
from lstm_core.model.build import build_model, compile_model
from lstm_core.model.rnn_loop import use_lean_loops
from lstm_core.text.vocab import pad_batch
from lstm_core.training.fit_setup import prepare_fit
from lstm_core.training.train import create_run, train_run
from tests.helpers import demo_examples, tiny_config

SEQUENCES = [[(i * 7 + j) % 29 + 2 for j in range(1 + i % 9)] for i in range(48)]
LABELS = np.array([i % 3 for i in range(48)], dtype="int32")
WEIGHTS = np.ones(48, dtype="float32")

CONFIGS = {
    "lstm, last state": ModelConfig(embed_dim=8, units=6),
    "bidirectional lstm, max pooling, dropout": ModelConfig(
        embed_dim=8, units=6, bidirectional=True, pooling="max", dropout=0.3),
    "two gru layers, mean pooling": ModelConfig(cell="gru", embed_dim=8, units=6, layers=2,
                                                pooling="mean"),
    "bidirectional simple_rnn, two layers": ModelConfig(cell="simple_rnn", embed_dim=8, units=6,
                                                        layers=2, bidirectional=True),
    "lstm with recurrent dropout": ModelConfig(embed_dim=8, units=6, recurrent_dropout=0.2),
}


def _trained(config: ModelConfig, lean: bool):
    keras.utils.set_random_seed(3)
    model = build_model(config, vocab_size=32, num_classes=3)
    compile_model(model, TrainConfig(learning_rate=0.01))
    if lean:
        use_lean_loops(model)
    prepare_fit(model, (pad_batch(SEQUENCES[:2]), LABELS[:2], WEIGHTS[:2]), one_device=True)
    train, per_epoch = make_dataset(SEQUENCES, LABELS, WEIGHTS, batch_size=8, bucket=True,
                                    seed=0, passes=2)
    val, _ = make_dataset(SEQUENCES[:16], LABELS[:16], WEIGHTS[:16], batch_size=8, bucket=True,
                          seed=None)
    history = model.fit(train, validation_data=val, epochs=2, steps_per_epoch=per_epoch,
                        verbose=0)
    return model, history.history


@pytest.fixture
def traced(monkeypatch) -> list:
    """One entry each time TensorFlow traces the lean loop."""
    calls = []
    real = rnn_loop.masked_rnn
    monkeypatch.setattr(rnn_loop, "masked_rnn", lambda *a, **k: calls.append(1) or real(*a, **k))
    return calls


@pytest.mark.parametrize("name", CONFIGS)
def test_the_lean_loop_learns_keras_own_weights_to_the_last_digit(name, traced):
    lean, lean_history = _trained(CONFIGS[name], lean=True)
    assert traced  # the lean loop was used, not Keras' own
    usual, usual_history = _trained(CONFIGS[name], lean=False)
    assert lean_history == usual_history
    for ours, theirs in zip(lean.get_weights(), usual.get_weights(), strict=True):
        np.testing.assert_array_equal(ours, theirs)
    batch = pad_batch(SEQUENCES[:10])
    np.testing.assert_array_equal(lean.predict_on_batch(batch), usual.predict_on_batch(batch))


def test_a_saved_model_is_plain_keras(tmp_path):
    model, _ = _trained(CONFIGS["bidirectional lstm, max pooling, dropout"], lean=True)
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras", compile=False)
    for layer in loaded._flatten_layers(include_self=False):
        assert "inner_loop" not in vars(layer)
    batch = pad_batch(SEQUENCES[:10])
    np.testing.assert_array_equal(loaded.predict_on_batch(batch), model.predict_on_batch(batch))


def test_a_cpu_run_trains_and_predicts_with_the_lean_loop(tmp_path, traced):
    run_dir = create_run(tiny_config(epochs=1), demo_examples(120), run_dir=tmp_path / "run")
    assert train_run(run_dir)["status"] == "finished"
    assert traced
    traced.clear()
    run = load_run(run_dir)
    plain = keras.saving.load_model(run_dir / "model.keras", compile=False)
    batch = pad_batch(SEQUENCES[:10])
    np.testing.assert_array_equal(run.model.predict_on_batch(batch), plain.predict_on_batch(batch))
    assert traced  # load_run's model ran the lean loop; the plain one Keras' own
