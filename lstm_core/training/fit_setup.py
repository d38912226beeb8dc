"""A compiled model made ready for ``fit`` so that a short run on a CPU pays no avoidable costs.

Keras' TensorFlow trainer does two things that a run of a few seconds on a CPU feels:

- It creates the optimizer's and the metrics' variables inside the first trace of the train
  step. A traced function may create variables only on its first trace, so TensorFlow traces
  the step again.
- Each step goes through two nested ``tf.function``s (one to pull several steps from the
  iterator, one per step) and turns the result into an ``Optional`` and back in Python, which
  costs as much as the LSTM itself on a batch of short texts.

``prepare_fit`` creates the variables up front (what Keras itself does under a distribution
strategy, there by tracing the model's forward pass once more in a scratch graph; here the
functional model's own symbolic output stands in for it) and, on one device, gives ``fit`` one
``tf.function`` per step that reads its batch from the iterator (Keras keeps a
``train_function`` already set). The arithmetic is Keras' own, to the last digit.

``graph_rewrites_off`` spares a CPU run TensorFlow's graph optimizer (Grappler): it takes its
time on each traced function the first time it runs (the train step, then the forward pass that
validates and tests), a sizeable share of a short run, and the steps run no faster for it. The
weights come out the same to the last digit (test). GPU runs keep it.

Not done, though measured: TensorFlow's fused ``ResourceApplyAdam`` kernel (what tf.keras used)
updates a large embedding in one pass instead of Keras' several, so a step is shorter, but it
takes 1 - beta_1 in float32 (0.100000024) where Keras rounds 1 - 0.9 once (0.1), and it squares
a word's gradient summed over the batch where Keras' Adam squares each occurrence's gradient and
sums the squares (Keras' sparse update). The weights part within a few steps, early stopping may
then run one more epoch, and on IMDB it gave no better runs. Figures: docs/benchmarks.md.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import keras


def prepare_fit(model: keras.Model, sample_batch: tuple, *, one_device: bool) -> None:
    """Call after ``compile`` and before ``fit``.

    Args:
        sample_batch: (ids, labels, sample_weights) of a batch; only the shapes and dtypes count.
        one_device: no distribution strategy; under one, Keras' own step functions stay, since
            they run each replica's step and reduce the results.
    """
    _build_metrics_and_loss(model, sample_batch)
    model._symbolic_build(data_batch=sample_batch)  # now only the optimizer's variables are left
    if one_device:
        model.train_function = _step_function(model.train_step)


def _build_metrics_and_loss(model: keras.Model, sample_batch: tuple) -> None:
    from keras.src import backend

    x, y, sample_weight = (keras.KerasTensor(v.shape, backend.standardize_dtype(v.dtype))
                           for v in sample_batch)
    (y_pred,) = model.outputs
    backend.compute_output_spec(model.compute_metrics, x, y, y_pred, sample_weight=sample_weight)
    backend.compute_output_spec(model._compute_loss, x, y, y_pred, sample_weight=sample_weight,
                                training=False)


def _step_function(step):
    import tensorflow as tf

    # An exhausted iterator raises OutOfRangeError here, which Keras' epoch loop catches.
    return tf.function(lambda iterator: step(iterator.get_next()), reduce_retracing=True)


@contextlib.contextmanager
def graph_rewrites_off() -> Iterator[None]:
    """Grappler off for the functions first called inside; the setting before is restored."""
    import tensorflow as tf

    before = tf.config.optimizer.get_experimental_options().get("disable_meta_optimizer", False)
    tf.config.optimizer.set_experimental_options({"disable_meta_optimizer": True})
    try:
        yield
    finally:
        tf.config.optimizer.set_experimental_options({"disable_meta_optimizer": before})
