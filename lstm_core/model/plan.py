"""The model's layers and parameter counts, worked out from its config without building it.

The Train page shows this before launching; computing it by hand keeps TensorFlow out of the web
process. A test checks every count against the model ``build.build_model`` really builds.
"""

from __future__ import annotations

from lstm_core.config import CELL_NAMES, ModelConfig


def recurrent_parameters(cell: str, inputs: int, units: int) -> int:
    """Weights of one recurrent layer (one direction) reading ``inputs`` features per step.

    LSTM has four gates (input, forget, candidate, output), each with a kernel, a recurrent
    kernel and a bias; Keras' GRU has three with ``reset_after=True``, hence two biases each;
    SimpleRNN has one.
    """
    per_gate = units * (inputs + units)
    if cell == "lstm":
        return 4 * (per_gate + units)
    if cell == "gru":
        return 3 * (per_gate + 2 * units)
    return per_gate + units


def model_plan(config: ModelConfig, vocab_size: int, num_classes: int) -> list[dict]:
    """One row per layer: name, type, output shape, parameters (the Keras summary, unbuilt)."""
    directions = 2 if config.bidirectional else 1
    rows = [{"layer": "embedding", "type": "Embedding",
             "output_shape": f"(None, None, {config.embed_dim})",
             "parameters": vocab_size * config.embed_dim}]
    for name, kind, rate in (("word_dropout", "Dropout(words)", config.word_dropout),
                             ("embed_dropout", "SpatialDropout1D", config.embed_dropout)):
        if rate:
            rows.append({"layer": name, "type": kind,
                         "output_shape": f"(None, None, {config.embed_dim})", "parameters": 0})
    width = config.embed_dim
    for index in range(config.layers):
        returns_sequence = not (index == config.layers - 1 and config.pooling == "last")
        kind = CELL_NAMES[config.cell]
        params = directions * recurrent_parameters(config.cell, width, config.units)
        width = directions * config.units
        rows.append({
            "layer": f"recurrent_{index + 1}",
            "type": f"Bidirectional({kind})" if config.bidirectional else kind,
            "output_shape": f"(None, None, {width})" if returns_sequence else f"(None, {width})",
            "parameters": params,
        })
    if config.pooling != "last":
        rows.append({"layer": "pooling", "type": f"SequencePooling({config.pooling})",
                     "output_shape": f"(None, {width})", "parameters": 0})
    rows.append({"layer": "dropout", "type": "Dropout", "output_shape": f"(None, {width})",
                 "parameters": 0})
    rows.append({"layer": "classifier", "type": "Dense(softmax)",
                 "output_shape": f"(None, {num_classes})",
                 "parameters": width * num_classes + num_classes})
    return rows
