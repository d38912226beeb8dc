"""Texts -> padded id batches, grouped by length so short texts are not padded to the longest.

On a CPU a recurrent layer costs time per time step, so the padded width of a batch is what a
batch costs. Grouping texts of similar length (shuffle, take a pool of ``POOL_BATCHES`` batches,
sort the pool by length, cut it into batches, shuffle the batches) keeps most of the randomness of
plain shuffling while cutting the padding. Batches go to Keras as a ``tf.data.Dataset`` whose
width varies from batch to batch (``keras.utils.PyDataset`` would fix the time axis from its
first batch).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from lstm_core.config import TextConfig
from lstm_core.text.vocab import PAD_ID, Vocabulary, pad_batch, truncate

POOL_BATCHES = 32
PREDICT_BATCH = 256  # texts per forward pass when predicting, validating or testing


def encode_tokens(
    token_lists: Sequence[Sequence[str]], vocab: Vocabulary, config: TextConfig
) -> list[list[int]]:
    """Token ids of each tokenized text, cut to ``max_len`` from the configured side."""
    return [truncate(vocab.encode(tokens), config.max_len, config.truncating)
            for tokens in token_lists]


def batch_order(
    lengths: np.ndarray, batch_size: int, rng: np.random.Generator | None, *, bucket: bool
) -> list[np.ndarray]:
    """Index arrays, one per batch.

    Args:
        lengths: tokens per example, shape (examples,).
        batch_size: examples per batch (the last batch of a pool may be smaller).
        rng: shuffles examples and batches; ``None`` keeps a fixed order (validation, test).
        bucket: group by length; off gives plain (shuffled) batches, as the tutorials do.
    """
    order = np.arange(len(lengths)) if rng is None else rng.permutation(len(lengths))
    if not bucket:
        batches = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    else:
        pool = batch_size * POOL_BATCHES
        batches = []
        for start in range(0, len(order), pool):
            chunk = order[start : start + pool]
            chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
            batches.extend(chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size))
    if rng is not None:
        batches = [batches[i] for i in rng.permutation(len(batches))]
    return batches


def padded_batches(
    sequences: Sequence[Sequence[int]], labels: np.ndarray, weights: np.ndarray, *,
    batch_size: int,
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """(ids, labels, sample_weights) batches in a fixed, length-grouped order, ids padded."""
    lengths = np.array([len(s) for s in sequences])
    return [(pad_batch([sequences[i] for i in index]), labels[index], weights[index])
            for index in batch_order(lengths, batch_size, None, bucket=True)]


def make_dataset(
    sequences: Sequence[Sequence[int]],
    labels: np.ndarray,
    weights: np.ndarray,
    *,
    batch_size: int,
    bucket: bool,
    seed: int | None,
    passes: int = 1,
    first_pass: int = 0,
):
    """A ``tf.data.Dataset`` of (ids, labels, sample_weights): ``passes`` passes over the data.

    Pass ``p`` draws its order from ``np.random.default_rng([seed, p])``, so a seeded run sees the
    same batches in the same order every time, and a run resumed at epoch ``first_pass`` sees what
    it would have seen without the break. ``seed=None`` gives a fixed order.

    Every pass is planned up front and the padding happens inside TensorFlow (a ragged gather),
    so ``fit(steps_per_epoch=batches_per_epoch)`` reads all epochs from one iterator with no
    Python in the loop. A generator-fed dataset (``from_generator``) cost an iterator per epoch,
    now and then a noticeable pause each, and was slow to close when training ended before its
    last batch was read.

    Returns:
        (dataset, batches_per_epoch).
    """
    import tensorflow as tf

    lengths = np.array([len(s) for s in sequences], dtype="int64")
    plan = [
        batch
        for pass_ in range(first_pass, first_pass + passes)
        for batch in batch_order(
            lengths, batch_size, None if seed is None else np.random.default_rng([seed, pass_]),
            bucket=bucket,
        )
    ]
    flat = np.fromiter((i for s in sequences for i in s), dtype="int32", count=int(lengths.sum()))
    tokens = tf.RaggedTensor.from_row_lengths(flat, lengths)
    batches = tf.RaggedTensor.from_row_lengths(
        np.concatenate(plan).astype("int64") if plan else np.zeros(0, "int64"),
        np.array([len(batch) for batch in plan], dtype="int64"),
    )
    labels = tf.constant(labels)
    weights = tf.constant(weights)

    def gather(index):
        ids = tf.gather(tokens, index).to_tensor(default_value=PAD_ID)  # padded on the right
        # At least one column, as pad_batch gives: a batch of texts without tokens.
        ids = tf.pad(ids, [[0, 0], [0, tf.maximum(1 - tf.shape(ids)[1], 0)]])
        return ids, tf.gather(labels, index), tf.gather(weights, index)

    options = tf.data.Options()
    options.autotune.enabled = False
    dataset = tf.data.Dataset.from_tensor_slices(batches).map(gather).prefetch(2)
    return dataset.with_options(options), len(plan) // max(passes, 1)


def compile_forward(model) -> Callable[[np.ndarray], np.ndarray]:
    """One compiled forward pass for padded id batches of any shape, returning numpy.

    Far cheaper a call than ``model.predict``, which sets up its whole loop each time, and traced
    once whatever the batch widths (``predict_on_batch`` traces a second time when the width
    first changes).
    """
    import keras

    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        call = tf.function(lambda ids: model(ids, training=False), reduce_retracing=True,
                           input_signature=[tf.TensorSpec((None, None), tf.int32)])
        return lambda batch: call(tf.constant(batch, dtype=tf.int32)).numpy()
    return lambda batch: keras.ops.convert_to_numpy(model(batch, training=False))


def predict_proba(
    forward: Callable[[np.ndarray], np.ndarray],
    sequences: Sequence[Sequence[int]],
    classes: int,
    batch_size: int = PREDICT_BATCH,
) -> np.ndarray:
    """Class probabilities (texts, classes) for many id sequences, in their original order.

    Sequences are sorted by length so each batch is padded only to its own longest text.

    Args:
        forward: ``compile_forward(model)``.
    """
    order = np.argsort([len(s) for s in sequences], kind="stable")
    outputs = np.zeros((len(sequences), classes), dtype="float32")
    for start in range(0, len(order), batch_size):
        index = order[start : start + batch_size]
        outputs[index] = forward(pad_batch([sequences[i] for i in index]))
    return outputs
