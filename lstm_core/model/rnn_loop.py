"""A leaner loop for Keras' recurrent layers on a CPU, with the same numbers to the last digit.

On a CPU, Keras' LSTM, GRU and SimpleRNN step through time in ``keras.src.backend.tensorflow.
rnn.rnn``, a ``tf.while_loop`` written for every case at once. With a mask (our padding) it also:

- runs the cell once more before the loop, on the first time step, only to learn the output's
  shape and dtype (two matrix products and the activations on every call, then thrown away);
- carries the output as a loop variable of its own and masks it with a third ``tf.where``,
  though for these cells the output *is* the new hidden state, which is masked already;
- tiles the (batch, 1) mask to the state's width at every step, once per ``tf.where``;
- writes every step's output into a list even when only the last one is returned.

``masked_rnn`` is that loop without the extras: the same cell calls, the same ``tf.where`` on
the states (their mask tiled once for all steps), the same transposes, so forward values and
gradients come out identical; tests compare weights after training (one-way and bidirectional,
LSTM, GRU and SimpleRNN, stacked, dropout, recurrent dropout, max and mean pooling). A fit is
shorter on short and long texts alike, with the same accuracy (figures: docs/benchmarks.md).

``use_lean_loops`` sets it on the recurrent layers of one model object, as an instance
attribute: nothing of it is saved, and ``model.keras`` stays a plain Keras model. Callers use
it where no GPU runs the model, since on a GPU Keras' LSTM and GRU take cuDNN's kernel instead,
which this loop would bypass. A batch without a mask, or ``unroll``, goes to Keras' own loop.
"""

from __future__ import annotations

import types

import keras
from keras import layers

_CELLS = (layers.LSTMCell, layers.GRUCell, layers.SimpleRNNCell)


def use_lean_loops(model: keras.Model) -> None:
    """Give every LSTM, GRU and SimpleRNN layer of ``model`` the lean loop (CPU-only runs)."""
    if keras.backend.backend() != "tensorflow":
        return
    for layer in model._flatten_layers(include_self=False):
        # Keras' own cells only: their output is their first new state, which the loop relies on.
        if isinstance(layer, layers.RNN) and type(layer.cell) in _CELLS:
            layer.inner_loop = types.MethodType(_lean_inner_loop, layer)


def _lean_inner_loop(self, sequences, initial_state, mask, training=False):
    """``RNN.inner_loop`` with ``masked_rnn`` in place of Keras' loop."""
    from keras.src import tree

    if tree.is_nested(mask):
        mask = mask[0]
    if mask is None or self.unroll:
        return type(self).inner_loop(self, sequences, initial_state, mask, training)

    def step(inputs, states):
        return self.cell(inputs, states, training=training)[1]

    states = initial_state if tree.is_nested(initial_state) else [initial_state]
    return masked_rnn(step, sequences, states, mask, go_backwards=self.go_backwards,
                      return_sequences=self.return_sequences,
                      zero_output_for_mask=self.zero_output_for_mask)


def masked_rnn(step, inputs, initial_states, mask, *, go_backwards: bool, return_sequences: bool,
               zero_output_for_mask: bool):
    """Keras' masked ``rnn`` loop for a cell whose output is its first state.

    Args:
        step: ``(input_t, states) -> new_states``, the cell.
        inputs: (batch, time, features).
        mask: (batch, time), true on real steps.

    Returns:
        (last_output, outputs, states), as Keras' loop: outputs (batch, time, units) when
        ``return_sequences``, else (batch, 1, units).
    """
    import tensorflow as tf
    from keras.src import tree

    states = tuple(tree.flatten(initial_states))
    inputs = tf.transpose(inputs, (1, 0, 2))
    mask = tf.transpose(tf.expand_dims(tf.cast(mask, tf.bool), -1), (1, 0, 2))
    if go_backwards:
        inputs, mask = tf.reverse(inputs, [0]), tf.reverse(mask, [0])
    time_steps = tf.shape(inputs)[0]
    input_ta = tf.TensorArray(inputs.dtype, size=time_steps).unstack(inputs)
    # Tiled to the states' width once for all steps: tf.where with a broadcast condition is
    # slower than with a full one on wide batches.
    mask = tf.tile(mask, (1, 1, states[0].shape[-1]))
    mask_ta = tf.TensorArray(tf.bool, size=time_steps).unstack(mask)

    def body(time, *carried):
        outputs, states = (carried[0], carried[1:]) if return_sequences else (None, carried)
        mask_t = mask_ta.read(time)
        new_states = tree.flatten(step(input_ta.read(time), states))
        new_states = tuple(tf.where(mask_t, new, old)
                           for new, old in zip(new_states, states, strict=True))
        if not return_sequences:
            return (time + 1, *new_states)
        output = new_states[0]
        if zero_output_for_mask:
            output = tf.where(mask_t, output, tf.zeros_like(output))
        return (time + 1, outputs.write(time, output), *new_states)

    outputs = tf.TensorArray(states[0].dtype, size=time_steps, element_shape=states[0].shape)
    final = tf.while_loop(
        lambda time, *_: time < time_steps, body,
        (tf.constant(0), *([outputs] if return_sequences else []), *states),
        maximum_iterations=time_steps, parallel_iterations=32, swap_memory=True,
    )
    if not return_sequences:
        new_states = list(final[1:])
        return new_states[0], tf.expand_dims(new_states[0], 1), new_states
    outputs = tf.transpose(final[1].stack(), (1, 0, 2))
    return outputs[:, -1], outputs, list(final[2:])
