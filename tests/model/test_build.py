import keras
import numpy as np
import pytest

from lstm_core.config import ModelConfig, TrainConfig
from lstm_core.model.build import SequencePooling, build_model, compile_model, learning_rate
from lstm_core.model.plan import model_plan


def test_sequence_pooling_golden_numbers_ignore_masked_steps():
    x = np.array([[[1.0, -2.0], [3.0, -1.0], [100.0, 100.0]]], dtype="float32")
    mask = np.array([[True, True, False]])
    np.testing.assert_allclose(SequencePooling("max")(x, mask=mask), [[3.0, -1.0]], atol=1e-6)
    np.testing.assert_allclose(SequencePooling("mean")(x, mask=mask), [[2.0, -1.5]], atol=1e-6)
    np.testing.assert_allclose(SequencePooling("max")(x), [[100.0, 100.0]], atol=1e-6)


CONFIGS = [
    ModelConfig(embed_dim=6, units=5),
    ModelConfig(embed_dim=6, units=5, layers=2, bidirectional=True, pooling="max"),
    ModelConfig(embed_dim=6, units=5, cell="gru", pooling="mean"),
    ModelConfig(embed_dim=6, units=5, cell="simple_rnn", layers=3, bidirectional=True),
    ModelConfig(embed_dim=6, units=5, bidirectional=True, pooling="max", word_dropout=0.3,
                embed_dropout=0.5),
]


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: f"{c.cell}-{c.layers}-{c.pooling}")
def test_output_does_not_depend_on_padding_width(config):
    keras.utils.set_random_seed(1)
    model = build_model(config, vocab_size=30, num_classes=3)
    ids = np.array([[4, 9, 2, 17]], dtype="int32")
    padded = np.concatenate([ids, np.zeros((1, 6), dtype="int32")], axis=1)
    np.testing.assert_allclose(model(ids), model(padded), atol=1e-6)
    np.testing.assert_allclose(np.sum(model(padded)), 1.0, atol=1e-6)


@pytest.mark.parametrize("config", CONFIGS[:2], ids=["lstm", "bilstm-max"])
def test_saved_model_reloads_with_identical_outputs(tmp_path, config):
    model = build_model(config, vocab_size=30, num_classes=2)
    ids = np.array([[4, 9, 2, 0, 0]], dtype="int32")
    model.save(tmp_path / "model.keras")
    loaded = keras.models.load_model(tmp_path / "model.keras", safe_mode=True)
    np.testing.assert_allclose(loaded(ids), model(ids), atol=1e-7)


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: f"{c.cell}-{c.layers}-{c.pooling}")
def test_the_unbuilt_plan_matches_the_built_model_layer_by_layer(config):
    model = build_model(config, vocab_size=50, num_classes=3)
    plan = model_plan(config, vocab_size=50, num_classes=3)
    built = [layer for layer in model.layers if layer.name != "token_ids"]
    assert [row["layer"] for row in plan] == [layer.name for layer in built]
    assert [row["parameters"] for row in plan] == [layer.count_params() for layer in built]
    assert [row["output_shape"] for row in plan] == [str(layer.output.shape) for layer in built]


def test_a_linear_schedule_falls_to_zero_at_the_last_planned_step():
    config = TrainConfig(learning_rate=0.01, lr_schedule="linear", epochs=4)
    rate = learning_rate(config, steps_per_epoch=5)  # 20 steps in all
    values = [float(rate(step)) for step in (0, 10, 19, 20, 25)]
    np.testing.assert_allclose(values, [0.01, 0.005, 0.0005, 0.0, 0.0], atol=1e-9)
    assert learning_rate(TrainConfig(learning_rate=0.01), steps_per_epoch=5) == 0.01


def test_the_compiled_optimizer_follows_the_schedule_and_keeps_it_when_saved(tmp_path):
    keras.utils.set_random_seed(1)
    model = build_model(ModelConfig(embed_dim=4, units=3), vocab_size=10, num_classes=2)
    compile_model(model, TrainConfig(learning_rate=0.01, lr_schedule="linear", epochs=2),
                  steps_per_epoch=2)
    ids = np.array([[2, 3, 4], [5, 6, 0]], dtype="int32")
    model.fit(ids, np.array([0, 1]), batch_size=1, epochs=1, verbose=0)  # 2 of the 4 steps
    assert float(model.optimizer.learning_rate) == pytest.approx(0.005)
    model.save(tmp_path / "model.keras")
    loaded = keras.models.load_model(tmp_path / "model.keras")
    assert float(loaded.optimizer.learning_rate) == pytest.approx(0.005)


def test_word_and_embedding_dropout_act_in_training_only_and_keep_the_mask():
    keras.utils.set_random_seed(3)
    config = ModelConfig(embed_dim=8, units=4, word_dropout=0.5, embed_dropout=0.5)
    model = build_model(config, vocab_size=30, num_classes=2)
    ids = np.array([[4, 9, 2, 17, 5, 6]], dtype="int32")
    padded = np.concatenate([ids, np.zeros((1, 4), dtype="int32")], axis=1)
    np.testing.assert_allclose(model(ids), model(padded), atol=1e-6)  # inference: no noise
    words = model.get_layer("word_dropout")(model.get_layer("embedding")(ids), training=True)
    hidden = np.all(np.asarray(words) == 0, axis=-1)[0]
    assert hidden.any() and not hidden.all()  # whole word vectors zeroed, not single numbers
    dims = model.get_layer("embed_dropout")(model.get_layer("embedding")(ids), training=True)
    zeroed = np.all(np.asarray(dims) == 0, axis=1)[0]
    assert zeroed.any() and not zeroed.all()  # whole dimensions, at every word alike
    assert model.get_layer("embedding").compute_mask(padded).numpy().sum() == 6
