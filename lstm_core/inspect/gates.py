"""The inside of a recurrent layer, step by step, from the layer's own weights.

We show students the real numbers, so nothing here is approximated: each gate is computed with
Keras' weight layout and activations (keras/src/layers/rnn/lstm.py, gru.py, simple_rnn.py), and a
test checks that the hidden sequence rebuilt here equals the layer's own output within 1e-5.
Only the real tokens are run (no padding), which is what the masked layer computes for them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from lstm_core.errors import StudioError

# Keras packs an LSTM's four gate blocks in this order, each ``units`` wide, in the kernel,
# recurrent kernel and bias; a GRU packs update, reset, candidate.
LSTM_GATES = ("input_gate", "forget_gate", "candidate", "output_gate")
GRU_GATES = ("update_gate", "reset_gate", "candidate")
# What each cell exposes per token, in display order.
TRACE_FIELDS = {
    "lstm": (*LSTM_GATES, "cell", "hidden"),
    "gru": (*GRU_GATES, "hidden"),
    "simple_rnn": ("hidden",),
}
# Gates whose values are probabilities in (0, 1): the ones a saturation plot counts.
SATURATING = {"lstm": ("input_gate", "forget_gate", "output_gate"),
              "gru": ("update_gate", "reset_gate"), "simple_rnn": ()}

# What each field means, for the Gates page and the report.
EXPLANATIONS = {
    "input_gate": "How much of the new candidate is written into the cell (0 = ignore this "
    "token, 1 = write it fully).",
    "forget_gate": "How much of the old cell is kept (1 = remember everything so far, 0 = wipe "
    "it). A unit that drops to 0 at 'but' is resetting the verdict.",
    "candidate": "The new information this token offers, between -1 and 1, before the input "
    "gate decides how much of it to store.",
    "output_gate": "How much of the cell is shown to the next layer and the classifier.",
    "cell": "The long-term memory: forget gate × old cell + input gate × candidate. It can grow "
    "beyond ±1 as evidence accumulates.",
    "hidden": "What the layer outputs after each token: output gate × tanh(cell). With "
    "last-state pooling the classifier reads the final column.",
    "update_gate": "GRU: how much of the old state to keep (1 = keep it, 0 = replace it with the "
    "candidate).",
    "reset_gate": "GRU: how much of the old state the candidate may look at (0 = start fresh).",
}

_ACTIVATIONS = {
    "sigmoid": lambda x: 0.5 * (1.0 + np.tanh(0.5 * x)),  # = 1 / (1 + e^-x), never overflows
    "tanh": np.tanh,
    "hard_sigmoid": lambda x: np.clip(x / 6.0 + 0.5, 0.0, 1.0),
    "relu": lambda x: np.maximum(x, 0.0),
    "linear": lambda x: x,
}


@dataclass
class LayerTrace:
    """One recurrent layer in one direction: each field is (tokens, units), in token order."""

    layer: str  # recurrent_1, recurrent_2, ...
    direction: str  # forward or backward
    cell: str  # lstm, gru or simple_rnn
    values: dict[str, np.ndarray]

    def to_dict(self) -> dict:
        return {"layer": self.layer, "direction": self.direction,
                **{name: array.tolist() for name, array in self.values.items()}}


def _activation(function) -> Callable[[np.ndarray], np.ndarray]:
    name = getattr(function, "__name__", str(function))
    if name not in _ACTIVATIONS:
        raise StudioError(f"Gate extraction does not know the activation {name!r}.")
    return _ACTIVATIONS[name]


def run_cell(cell, inputs: np.ndarray) -> dict[str, np.ndarray]:
    """Step a Keras LSTM, GRU or SimpleRNN cell over ``inputs`` (tokens, features).

    Returns:
        Field name -> (tokens, units) float32 array, in ``TRACE_FIELDS`` order.
    """
    kind = {"LSTMCell": "lstm", "GRUCell": "gru", "SimpleRNNCell": "simple_rnn"}.get(
        type(cell).__name__)
    if kind is None:
        raise StudioError(f"Gate extraction supports LSTM, GRU and SimpleRNN, not {cell!r}.")
    weights = [np.asarray(w, dtype="float32") for w in cell.get_weights()]
    steps = {"lstm": _lstm_steps, "gru": _gru_steps, "simple_rnn": _simple_steps}[kind]
    return steps(cell, np.asarray(inputs, dtype="float32"), *weights)


def _lstm_steps(cell, x, kernel, recurrent, bias=None):
    units = recurrent.shape[0]
    act, rec_act = _activation(cell.activation), _activation(cell.recurrent_activation)
    projected = x @ kernel + (bias if bias is not None else 0.0)  # (tokens, 4 * units)
    out = {name: np.zeros((len(x), units), dtype="float32") for name in TRACE_FIELDS["lstm"]}
    h = np.zeros(units, dtype="float32")
    c = np.zeros(units, dtype="float32")
    for t in range(len(x)):
        z = projected[t] + h @ recurrent
        i, f, g, o = (z[k * units:(k + 1) * units] for k in range(4))
        i, f, g, o = rec_act(i), rec_act(f), act(g), rec_act(o)
        c = f * c + i * g
        h = o * act(c)
        for name, value in zip(TRACE_FIELDS["lstm"], (i, f, g, o, c, h), strict=True):
            out[name][t] = value
    return out


def _gru_steps(cell, x, kernel, recurrent, bias=None):
    units = recurrent.shape[0]
    if not getattr(cell, "reset_after", True):
        raise StudioError("Gate extraction supports Keras' default GRU (reset_after=True).")
    act, rec_act = _activation(cell.activation), _activation(cell.recurrent_activation)
    input_bias, recurrent_bias = (bias[0], bias[1]) if bias is not None else (0.0, 0.0)
    projected = x @ kernel + input_bias
    out = {name: np.zeros((len(x), units), dtype="float32") for name in TRACE_FIELDS["gru"]}
    h = np.zeros(units, dtype="float32")
    for t in range(len(x)):
        inner = h @ recurrent + recurrent_bias
        z = rec_act(projected[t, :units] + inner[:units])
        r = rec_act(projected[t, units:2 * units] + inner[units:2 * units])
        candidate = act(projected[t, 2 * units:] + r * inner[2 * units:])
        h = z * h + (1.0 - z) * candidate
        for name, value in zip(TRACE_FIELDS["gru"], (z, r, candidate, h), strict=True):
            out[name][t] = value
    return out


def _simple_steps(cell, x, kernel, recurrent, bias=None):
    act = _activation(cell.activation)
    projected = x @ kernel + (bias if bias is not None else 0.0)
    hidden = np.zeros((len(x), recurrent.shape[0]), dtype="float32")
    h = np.zeros(recurrent.shape[0], dtype="float32")
    for t in range(len(x)):
        h = act(projected[t] + h @ recurrent)
        hidden[t] = h
    return {"hidden": hidden}


def trace_layers(model, token_ids: list[int], cell_kind: str) -> list[LayerTrace]:
    """Every recurrent layer and direction of ``model`` on one text's token ids.

    A layer's input is the previous layer's hidden sequence (both directions joined, forward
    first, as ``Bidirectional(merge_mode="concat")`` does); the backward direction reads the
    tokens right to left and its values are given back in token order.
    """
    embedding = np.asarray(model.get_layer("embedding").embeddings, dtype="float32")
    inputs = embedding[np.asarray(token_ids, dtype="int64")]
    traces: list[LayerTrace] = []
    index = 1
    while True:
        try:
            layer = model.get_layer(f"recurrent_{index}")
        except ValueError:
            return traces
        if type(layer).__name__ == "Bidirectional":
            forward = run_cell(layer.forward_layer.cell, inputs)
            backward = {name: values[::-1] for name, values in
                        run_cell(layer.backward_layer.cell, inputs[::-1]).items()}
            traces.append(LayerTrace(layer.name, "forward", cell_kind, forward))
            traces.append(LayerTrace(layer.name, "backward", cell_kind, backward))
            inputs = np.concatenate([forward["hidden"], backward["hidden"]], axis=1)
        else:
            forward = run_cell(layer.cell, inputs)
            traces.append(LayerTrace(layer.name, "forward", cell_kind, forward))
            inputs = forward["hidden"]
        index += 1


def most_active_units(trace: LayerTrace, count: int, field: str = "hidden") -> list[int]:
    """Units with the largest mean absolute value of ``field`` over the tokens."""
    values = trace.values[field]
    if not len(values):
        return list(range(min(count, values.shape[1])))
    return np.argsort(-np.abs(values).mean(axis=0), kind="stable")[:count].tolist()


def most_correlated_units(units: list[dict], label: str, count: int) -> list[int]:
    """Units whose final value follows ``label`` most closely (by |Pearson r|), from
    ``Run.unit_dictionary``; units with an undefined r come last."""
    def strength(unit: dict) -> float:
        r = unit["correlation"].get(label)
        return -1.0 if r is None else abs(r)

    return [u["unit"] for u in sorted(units, key=strength, reverse=True)[:count]]
