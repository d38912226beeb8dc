"""Texts -> padded id batches, grouped by length so short texts are not padded to the longest.

On a CPU a recurrent layer costs time per time step, so the padded width of a batch is what a
batch costs. Grouping texts of similar length (shuffle, take a pool of ``POOL_BATCHES`` batches,
sort the pool by length, cut it into batches, shuffle the batches) keeps most of the randomness of
plain shuffling while cutting the padding. Batches go to Keras through
``tf.data.Dataset.from_generator`` with a (None, None) signature, because ``keras.utils.PyDataset``
would fix the time axis from its first batch.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from lstm_core.config import TextConfig
from lstm_core.vocab import Vocabulary, pad_batch, truncate

POOL_BATCHES = 32


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


def iterate_batches(
    sequences: Sequence[Sequence[int]],
    labels: np.ndarray,
    weights: np.ndarray,
    batches: Sequence[np.ndarray],
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    for index in batches:
        yield pad_batch([sequences[i] for i in index]), labels[index], weights[index]


def make_dataset(
    sequences: Sequence[Sequence[int]],
    labels: np.ndarray,
    weights: np.ndarray,
    *,
    batch_size: int,
    bucket: bool,
    seed: int | None,
):
    """A ``tf.data.Dataset`` of (ids, labels, sample_weights), reshuffled each epoch.

    Each pass draws its order from ``np.random.default_rng([seed, epoch])``, so a seeded run sees
    the same batches in the same order every time. ``seed=None`` gives a fixed order.

    Returns:
        (dataset, batches_per_epoch).
    """
    import tensorflow as tf

    lengths = np.array([len(s) for s in sequences])
    passes = iter(range(1_000_000))

    def generate():
        rng = None if seed is None else np.random.default_rng([seed, next(passes)])
        yield from iterate_batches(
            sequences, labels, weights, batch_order(lengths, batch_size, rng, bucket=bucket)
        )

    signature = (
        tf.TensorSpec(shape=(None, None), dtype=tf.int32),
        tf.TensorSpec(shape=(None,), dtype=tf.int32),
        tf.TensorSpec(shape=(None,), dtype=tf.float32),
    )
    batches_per_epoch = len(batch_order(lengths, batch_size, None, bucket=bucket))
    dataset = tf.data.Dataset.from_generator(generate, output_signature=signature)
    # A known length lets Keras end each epoch cleanly instead of warning that data ran out.
    dataset = dataset.apply(tf.data.experimental.assert_cardinality(batches_per_epoch))
    return dataset.prefetch(2), batches_per_epoch


def predict_proba(model, sequences: Sequence[Sequence[int]], batch_size: int = 256) -> np.ndarray:
    """Class probabilities for many id sequences, in their original order.

    Sequences are sorted by length so each batch is padded only to its own longest text, and each
    batch goes through ``predict_on_batch`` (no per-call ``model.predict`` overhead).
    """
    order = np.argsort([len(s) for s in sequences], kind="stable")
    outputs = np.zeros((len(sequences), model.output_shape[-1]), dtype="float32")
    for start in range(0, len(order), batch_size):
        index = order[start : start + batch_size]
        batch = pad_batch([sequences[i] for i in index])
        outputs[index] = np.asarray(model.predict_on_batch(batch))
    return outputs
