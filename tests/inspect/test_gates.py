"""Gates rebuilt from the weights must reproduce each layer's own output (golden check)."""

import keras
import numpy as np
import pytest

from lstm_core.config import ModelConfig
from lstm_core.inspect.gates import LSTM_GATES, run_cell, trace_layers
from lstm_core.model.build import build_model

IDS = [5, 9, 2, 17, 3, 11, 8]


def layer_outputs(model, ids):
    """Each recurrent layer's own output sequence on one unpadded text."""
    names = [layer.name for layer in model.layers if layer.name.startswith("recurrent_")]
    probe = keras.Model(model.input, [model.get_layer(name).output for name in names])
    outputs = probe(np.array([ids], dtype="int32"))
    outputs = outputs if isinstance(outputs, list) else [outputs]
    return {name: np.asarray(out)[0] for name, out in zip(names, outputs, strict=True)}


def random_weights(model, seed=0):
    """Weights far from the initialiser's (biases too), so every term of the cell matters."""
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(0, 0.6, w.shape).astype("float32") for w in model.get_weights()])


@pytest.mark.parametrize("cell", ["lstm", "gru", "simple_rnn"])
@pytest.mark.parametrize("layers", [1, 2])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_rebuilt_hidden_sequence_equals_the_layers_output(cell, layers, bidirectional):
    config = ModelConfig(cell=cell, embed_dim=6, units=5, layers=layers,
                         bidirectional=bidirectional, pooling="max")
    model = build_model(config, vocab_size=20, num_classes=2)
    random_weights(model)
    traces = trace_layers(model, IDS, cell)
    expected = layer_outputs(model, IDS)
    assert len(traces) == layers * (2 if bidirectional else 1)
    for name, output in expected.items():
        mine = [t for t in traces if t.layer == name]
        rebuilt = np.concatenate([t.values["hidden"] for t in mine], axis=1)
        np.testing.assert_allclose(rebuilt, output, atol=1e-5, rtol=0)


def test_last_state_pooling_output_is_the_last_hidden_state():
    config = ModelConfig(embed_dim=6, units=5, layers=2, bidirectional=True, pooling="last")
    model = build_model(config, vocab_size=20, num_classes=2)
    random_weights(model, seed=3)
    traces = trace_layers(model, IDS, "lstm")
    final = layer_outputs(model, IDS)["recurrent_2"]  # (2 * units,): forward end, backward start
    forward, backward = (t.values["hidden"] for t in traces if t.layer == "recurrent_2")
    np.testing.assert_allclose(final, np.concatenate([forward[-1], backward[0]]), atol=1e-5)


def test_gate_order_matches_keras_kernel_layout():
    """Set one gate block's bias high and check that exactly that gate opens."""
    layer = keras.layers.LSTM(3)
    layer.build((None, None, 2))
    kernel, recurrent, bias = (np.zeros(w.shape, "float32") for w in layer.get_weights())
    for block, gate in enumerate(LSTM_GATES):
        biased = bias.copy()
        biased[block * 3:(block + 1) * 3] = 10.0
        layer.set_weights([kernel, recurrent, biased])
        values = run_cell(layer.cell, np.zeros((1, 2), "float32"))
        opened = [name for name in LSTM_GATES if np.all(values[name] > 0.99)]
        assert opened == [gate]


def test_lstm_identities_hold_token_by_token():
    model = build_model(ModelConfig(embed_dim=4, units=3), vocab_size=20, num_classes=2)
    random_weights(model, seed=1)
    v = trace_layers(model, IDS, "lstm")[0].values
    cell = np.vstack([np.zeros(3), v["cell"][:-1]])
    np.testing.assert_allclose(v["cell"], v["forget_gate"] * cell + v["input_gate"] *
                               v["candidate"], atol=1e-6)
    np.testing.assert_allclose(v["hidden"], v["output_gate"] * np.tanh(v["cell"]), atol=1e-6)
    for gate in ("input_gate", "forget_gate", "output_gate"):
        assert ((v[gate] > 0) & (v[gate] < 1)).all()


def test_an_empty_text_gives_empty_traces():
    model = build_model(ModelConfig(embed_dim=4, units=3, bidirectional=True), 20, 2)
    traces = trace_layers(model, [], "lstm")
    assert [t.values["hidden"].shape for t in traces] == [(0, 3), (0, 3)]
