"""Gradient flow: how much the loss on one sentence changes with each token's input and with
each recurrent layer's hidden state at each token.

The recurrence is unrolled here with each layer's own Keras cell, one token at a time, so the
hidden state after every token is a tensor of its own: the gradient with respect to it counts
every path to the loss, through the later tokens' recurrence and the layers above. In a
SimpleRNN these norms shrink fast towards the start of a long sentence (the vanishing gradient);
an LSTM's cell state and a GRU's update gate keep them from vanishing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from lstm_core.config import ModelConfig
from lstm_core.errors import StudioError
from lstm_core.model.build import recurrent_layer_names

INPUT_LAYER, INPUT_DIRECTION = "embedding", "input"


@dataclass
class LayerFlow:
    """Gradient norms of one layer and direction, one per token (in reading order)."""

    layer: str
    direction: str  # "input" for the token vectors, else "forward" or "backward"
    norms: list[float]

    def to_dict(self) -> dict:
        return {"layer": self.layer, "direction": self.direction, "norms": self.norms}


@dataclass
class GradientFlow:
    """The size of the loss's gradient at every token, per layer and direction.

    Attributes:
        tokens: the tokens the model reads.
        label: the class whose cross-entropy is the loss (the predicted one unless given).
        loss: that loss, -log p(label).
        layers: the token vectors first ("embedding", "input"), then each recurrent layer's
            hidden state, forward before backward.
    """

    tokens: list[str]
    label: str
    loss: float
    layers: list[LayerFlow] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"tokens": self.tokens, "label": self.label, "loss": self.loss,
                "layers": [layer.to_dict() for layer in self.layers]}


def gradient_flow(model, config: ModelConfig, ids: list[int], target: int
                  ) -> tuple[float, list[tuple[str, str, np.ndarray]]]:
    """The loss -log p(target) for one text and its gradient norms per token.

    Args:
        model: the run's classifier (``model.build.build_model``).
        config: its architecture.
        ids: the text's token ids, no padding, shape (timesteps,).
        target: the class index whose loss is differentiated.

    Returns:
        (loss, [(layer, direction, norms of shape (timesteps,))]).

    Raises:
        StudioError: no tokens.
    """
    import tensorflow as tf

    if not ids:
        raise StudioError("The text has no tokens the model reads, so there is no gradient "
                          "to show. Try a longer sentence.")
    inputs = tf.cast(model.get_layer("embedding")(tf.constant([ids], dtype="int32")), "float32")
    probes: list[tuple[str, str, list]] = []
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        sequence, pooled = inputs, None
        for index, name in enumerate(recurrent_layer_names(config)):
            layer = model.get_layer(name)
            if config.bidirectional:
                forward, forward_probes = _unroll(layer.forward_layer.cell, sequence, tape)
                backward, backward_probes = _unroll(layer.backward_layer.cell, sequence, tape,
                                                    reverse=True)
                probes += [(name, "forward", forward_probes),
                           (name, "backward", backward_probes)]
                sequence = tf.concat([forward, backward], axis=-1)
                last = tf.concat([forward[:, -1], backward[:, 0]], axis=-1)
            else:
                sequence, cell_probes = _unroll(layer.cell, sequence, tape)
                probes.append((name, "forward", cell_probes))
                last = sequence[:, -1]
            if index == config.layers - 1:
                pooled = (last if config.pooling == "last" else
                          tf.reduce_max(sequence, axis=1) if config.pooling == "max" else
                          tf.reduce_mean(sequence, axis=1))
        probabilities = tf.cast(model.get_layer("classifier")(pooled), "float32")
        loss = -tf.math.log(tf.maximum(probabilities[0, target], 1e-12))
    watched = [inputs] + [p for _, _, step_probes in probes for p in step_probes]
    gradients = tape.gradient(loss, watched)
    flows = [(INPUT_LAYER, INPUT_DIRECTION, np.linalg.norm(gradients[0][0].numpy(), axis=-1))]
    position = 1
    for name, direction, step_probes in probes:
        steps = gradients[position:position + len(step_probes)]
        position += len(step_probes)
        norms = np.array([float(np.linalg.norm(g.numpy())) for g in steps])
        flows.append((name, direction, norms[::-1] if direction == "backward" else norms))
    return float(loss.numpy()), flows


def _unroll(cell, sequence, tape, reverse: bool = False):
    """Run ``cell`` over ``sequence`` (1, timesteps, features) token by token.

    After each step a zero tensor is added to the hidden state, watched by ``tape``: the
    gradient with respect to it is the gradient with respect to that hidden state, by every
    path. Returns the outputs in time order (1, timesteps, units) and the probes in the order
    the cell read the tokens.
    """
    import tensorflow as tf

    steps = range(sequence.shape[1])
    order = list(reversed(steps)) if reverse else list(steps)
    sizes = cell.state_size if isinstance(cell.state_size, (list, tuple)) else [cell.state_size]
    states = [tf.zeros((1, size), dtype=sequence.dtype) for size in sizes]
    outputs, probes = {}, []
    for t in order:
        hidden, states = cell(sequence[:, t], list(states), training=False)
        probe = tf.zeros_like(hidden)
        tape.watch(probe)
        hidden = hidden + probe
        states = [hidden, *list(states)[1:]]
        outputs[t] = hidden
        probes.append(probe)
    return tf.stack([outputs[t] for t in steps], axis=1), probes
