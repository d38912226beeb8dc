"""Gradient flow checked against tf.GradientTape on the Keras layers themselves."""

import numpy as np
import pytest
import tensorflow as tf

from lstm_core.config import ModelConfig
from lstm_core.errors import StudioError
from lstm_core.inspect.flow import gradient_flow
from lstm_core.inspect.gates import trace_layers
from lstm_core.model.build import build_model
from tests.inspect.test_gates import IDS, random_weights

TARGET = 1


def model_for(**settings):
    config = ModelConfig(**{"embed_dim": 6, "units": 5, **settings})
    model = build_model(config, vocab_size=20, num_classes=2)
    random_weights(model, seed=4)
    return config, model


def rest_of_model(model, config, vectors):
    """The model from the token vectors on, through its own Keras layers."""
    x = vectors
    for index in range(config.layers):
        x = model.get_layer(f"recurrent_{index + 1}")(x)
    if config.pooling != "last":
        x = model.get_layer("pooling")(x)
    return model.get_layer("classifier")(x)


@pytest.mark.parametrize(("cell", "layers", "bidirectional", "pooling"), [
    ("lstm", 1, False, "last"), ("gru", 2, True, "max"), ("simple_rnn", 1, True, "mean"),
    ("lstm", 2, False, "mean")])
def test_token_input_norms_and_loss_match_the_tape_on_the_keras_model(cell, layers,
                                                                     bidirectional, pooling):
    config, model = model_for(cell=cell, layers=layers, bidirectional=bidirectional,
                              pooling=pooling)
    vectors = model.get_layer("embedding")(tf.constant([IDS]))
    with tf.GradientTape() as tape:
        tape.watch(vectors)
        loss = -tf.math.log(rest_of_model(model, config, vectors)[0, TARGET])
    expected = np.linalg.norm(tape.gradient(loss, vectors)[0].numpy(), axis=-1)
    got_loss, flows = gradient_flow(model, config, IDS, TARGET)
    assert got_loss == pytest.approx(float(loss), abs=1e-5)
    assert float(loss) == pytest.approx(-np.log(model(np.array([IDS]))[0, TARGET]), abs=1e-5)
    directions = ["forward", "backward"] if bidirectional else ["forward"]
    assert [(name, d) for name, d, _ in flows] == [("embedding", "input")] + [
        (f"recurrent_{i + 1}", d) for i in range(layers) for d in directions]
    assert all(norms.shape == (len(IDS),) for _, _, norms in flows)
    np.testing.assert_allclose(flows[0][2], expected, rtol=1e-4, atol=1e-7)


@pytest.mark.parametrize("cell", ["lstm", "gru", "simple_rnn"])
def test_hidden_state_norms_match_the_tape_through_the_keras_layer(cell):
    """dL/dh_t by every path: the Keras layer run on the later tokens from h_t (its cell state
    held), then the classifier."""
    config, model = model_for(cell=cell)
    layer, classifier = model.get_layer("recurrent_1"), model.get_layer("classifier")
    vectors = model.get_layer("embedding")(tf.constant([IDS]))
    [trace] = trace_layers(model, IDS, cell)
    expected = []
    for t in range(len(IDS)):
        hidden = tf.constant(trace.values["hidden"][t][None].astype("float32"))
        with tf.GradientTape() as tape:
            tape.watch(hidden)
            if t == len(IDS) - 1:
                final = hidden
            else:
                state = [hidden] + ([tf.constant(trace.values["cell"][t][None].astype(
                    "float32"))] if cell == "lstm" else [])
                final = layer(vectors[:, t + 1:], initial_state=state)
            loss = -tf.math.log(classifier(final)[0, TARGET])
        expected.append(np.linalg.norm(tape.gradient(loss, hidden).numpy()))
    _, flows = gradient_flow(model, config, IDS, TARGET)
    np.testing.assert_allclose(flows[1][2], expected, rtol=1e-4, atol=1e-7)


def test_a_text_without_tokens_is_refused():
    config, model = model_for()
    with pytest.raises(StudioError, match="no tokens"):
        gradient_flow(model, config, [], TARGET)
