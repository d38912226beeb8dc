"""Build the classifier from a ``ModelConfig``: Embedding -> recurrent stack -> pooling -> Dense.

Layer names are fixed (``embedding``, ``word_dropout``, ``embed_dropout``, ``recurrent_1``..
``recurrent_3``, ``pooling``, ``dropout``, ``classifier``) because gate extraction and the figures
find layers by these names.
"""

from __future__ import annotations

import keras
from keras import layers, ops

from lstm_core.config import ModelConfig, TrainConfig

_CELL_LAYERS = {"lstm": layers.LSTM, "gru": layers.GRU, "simple_rnn": layers.SimpleRNN}


@keras.saving.register_keras_serializable(package="lstm_studio")
class SequencePooling(layers.Layer):
    """Max or mean over the real time steps of a (batch, timesteps, features) sequence.

    Keras' ``GlobalMaxPooling1D`` ignores the mask, so padded steps (whose outputs are zeros or
    carried-over states) would leak into the max; here they never do.
    """

    def __init__(self, mode: str = "max", **kwargs):
        super().__init__(**kwargs)
        if mode not in ("max", "mean"):
            raise ValueError(f"mode must be 'max' or 'mean'; got {mode!r}.")
        self.mode = mode
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            mask = ops.ones(ops.shape(inputs)[:2], dtype="bool")
        keep = ops.expand_dims(ops.cast(mask, "bool"), -1)
        if self.mode == "max":
            lowest = ops.full_like(inputs, -1e4 if inputs.dtype == "float16" else -1e9)
            return ops.max(ops.where(keep, inputs, lowest), axis=1)
        weights = ops.cast(keep, inputs.dtype)
        total = ops.sum(inputs * weights, axis=1)
        return total / ops.maximum(ops.sum(weights, axis=1), 1.0)

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[2])

    def get_config(self):
        return {**super().get_config(), "mode": self.mode}


def recurrent_layer_names(config: ModelConfig) -> list[str]:
    return [f"recurrent_{i + 1}" for i in range(config.layers)]


def build_model(config: ModelConfig, vocab_size: int, num_classes: int) -> keras.Model:
    """The classifier, uncompiled; seed Keras first (``keras.utils.set_random_seed``).

    Args:
        config: architecture settings.
        vocab_size: rows of the embedding, including padding (0) and unknown (1).
        num_classes: width of the softmax.

    Returns:
        A functional model mapping int32 token ids (batch, timesteps), right-padded with 0, to
        class probabilities (batch, num_classes).
    """
    token_ids = keras.Input(shape=(None,), dtype="int32", name="token_ids")
    x = layers.Embedding(vocab_size, config.embed_dim, mask_zero=True, name="embedding")(token_ids)
    # In training only: whole words hidden (their vectors zeroed; noise shared along the vector),
    # then whole vector dimensions (noise shared along the text). Both leave the mask alone.
    if config.word_dropout:
        x = layers.Dropout(config.word_dropout, noise_shape=(None, None, 1),
                           name="word_dropout")(x)
    if config.embed_dropout:
        x = layers.SpatialDropout1D(config.embed_dropout, name="embed_dropout")(x)
    for index, name in enumerate(recurrent_layer_names(config)):
        is_last = index == config.layers - 1
        rnn = _CELL_LAYERS[config.cell](
            config.units,
            return_sequences=not (is_last and config.pooling == "last"),
            recurrent_dropout=config.recurrent_dropout,
            name=name if not config.bidirectional else f"{config.cell}_{index + 1}",
        )
        if config.bidirectional:
            rnn = layers.Bidirectional(rnn, merge_mode="concat", name=name)
        x = rnn(x)
    if config.pooling != "last":
        x = SequencePooling(config.pooling, name="pooling")(x)
    x = layers.Dropout(config.dropout, name="dropout")(x)
    # float32 output keeps the softmax stable under mixed precision.
    probabilities = layers.Dense(
        num_classes, activation="softmax", dtype="float32", name="classifier"
    )(x)
    return keras.Model(token_ids, probabilities, name=f"{config.cell}_classifier")


def compile_model(model: keras.Model, config: TrainConfig, steps_per_epoch: int = 1) -> None:
    """Optimizer, loss and metrics; ``steps_per_epoch`` sets the length of a linear schedule."""
    optimizers = {
        "adam": keras.optimizers.Adam,
        "rmsprop": keras.optimizers.RMSprop,
        "sgd": keras.optimizers.SGD,
    }
    rate = learning_rate(config, steps_per_epoch)
    model.compile(
        optimizer=optimizers[config.optimizer](learning_rate=rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )


def learning_rate(config: TrainConfig, steps_per_epoch: int):
    """The configured rate, or a schedule that reaches 0 after the last planned epoch's last step.

    The schedule counts the optimizer's own steps, which a backup saves, so a resumed run goes on
    where the interrupted one was.
    """
    if config.lr_schedule == "constant":
        return config.learning_rate
    return keras.optimizers.schedules.PolynomialDecay(
        config.learning_rate, decay_steps=max(1, steps_per_epoch * config.epochs),
        end_learning_rate=0.0,
    )
