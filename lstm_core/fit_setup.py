"""A compiled model made ready for ``fit`` so that a short run on a CPU pays no avoidable costs.

Keras' TensorFlow trainer does three things that a run on a CPU feels:

- It creates the optimizer's and the metrics' variables inside the first trace of the train
  step. A traced function may create variables only on its first trace, so TensorFlow traces
  the step again: about half a second more per run on 2 CPU cores.
- Each step goes through two nested ``tf.function``s (one to pull several steps from the
  iterator, one per step) and turns the result into an ``Optional`` and back in Python: about
  0.7 ms a step, as much as the LSTM itself costs on a batch of 5-token texts.
- Its Adam is written in backend-neutral ops: about ten passes over every weight per step. The
  embedding of a 20,000-word vocabulary is 2.6 million weights, so that is 6 ms a step on 2 cores,
  more than a short batch's forward and backward pass.

``prepare_fit`` creates the variables up front (what Keras itself does under a distribution
strategy) and, on one device, gives ``fit`` and ``evaluate`` one ``tf.function`` per step that
reads its batch from the iterator (Keras keeps what it built when ``train_function`` and
``test_function`` are already set), and runs Adam's update as TensorFlow's fused
``ResourceApplyAdam``, the kernel tf.keras used: the same update in one pass. Only the model in
memory changes; its config, and so what ``model.save`` writes, stays plain Keras.
"""

from __future__ import annotations

import types

import keras


def prepare_fit(model: keras.Model, sample_batch: tuple, *, one_device: bool) -> None:
    """Call after ``compile`` and before ``fit``.

    Args:
        sample_batch: (ids, labels, sample_weights) of a batch; only the shapes and dtypes count.
        one_device: no distribution strategy; under one, Keras' own step functions stay, since
            they run each replica's step and reduce the results.
    """
    model._symbolic_build(data_batch=sample_batch)
    if one_device:
        model.train_function = _step_function(model.train_step)
        model.test_function = _step_function(model.test_step)
        optimizer = model.optimizer
        if type(optimizer) is keras.optimizers.Adam and not optimizer.amsgrad:
            optimizer.update_step = types.MethodType(fused_adam_step, optimizer)


def _step_function(step):
    import tensorflow as tf

    # An exhausted iterator raises OutOfRangeError here, which Keras' epoch loop catches.
    return tf.function(lambda iterator: step(iterator.get_next()), reduce_retracing=True)


def fused_adam_step(optimizer: keras.optimizers.Adam, gradient, variable, learning_rate) -> None:
    """``Adam.update_step`` in one kernel: m, v and the weight updated in place in one pass.

    The arithmetic is Keras' (``lr * sqrt(1 - beta_2^t) / (1 - beta_1^t) * m / (sqrt(v) +
    epsilon)``, with ``t`` the step about to be taken); only the rounding of the moment updates
    differs, by about one float32 ulp.
    """
    import tensorflow as tf

    index = optimizer._get_variable_index(variable)
    dtype = variable.dtype
    step = tf.cast(optimizer.iterations + 1, dtype)
    beta_1, beta_2 = tf.cast(optimizer.beta_1, dtype), tf.cast(optimizer.beta_2, dtype)
    tf.raw_ops.ResourceApplyAdam(
        var=_handle(variable), m=_handle(optimizer._momentums[index]),
        v=_handle(optimizer._velocities[index]), beta1_power=tf.pow(beta_1, step),
        beta2_power=tf.pow(beta_2, step), lr=tf.cast(learning_rate, dtype), beta1=beta_1,
        beta2=beta_2, epsilon=tf.cast(optimizer.epsilon, dtype),
        grad=tf.convert_to_tensor(gradient, dtype),  # an embedding's sparse gradient, densified
    )


def _handle(variable):
    """The resource handle of a Keras variable, or of the tf.Variable Keras hands the update."""
    import tensorflow as tf

    return variable.handle if isinstance(variable, tf.Variable) else variable.value.handle
