"""A saved run, loaded to predict and to look inside: ``run = lstm_core.load_run(path)``.

Everything comes from the run directory: the preprocessing and vocabulary saved at training time
(never refitted), the best model, the bag-of-words baseline. One forward pass is a compiled call
on a right-padded batch (no ``model.predict``, whose fixed cost per call outweighs a sentence).
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

from lstm_core.config import RunConfig
from lstm_core.data.demo import DEMO_SOURCES
from lstm_core.errors import StudioError
from lstm_core.fileio import read_json
from lstm_core.inspect.flow import GradientFlow, LayerFlow, gradient_flow
from lstm_core.inspect.gates import SATURATING, TRACE_FIELDS, LayerTrace, trace_layers
from lstm_core.model.batching import compile_forward, predict_proba
from lstm_core.store import runs
from lstm_core.store.snapshots import Snapshot, list_snapshots, read_snapshot, snapshot_at
from lstm_core.text.processor import TextProcessor, guess_language
from lstm_core.text.vocab import UNK_ID, Vocabulary, truncate

LEFT_SATURATED, RIGHT_SATURATED = 0.1, 0.9  # Karpathy, Johnson & Fei-Fei (2015)
LANGUAGE_TOKENS = 50  # the most frequent tokens of the vocabulary that tell a run's language
# What a Prediction's flag means, for the CLI's table and the Predict page.
FLAG_MEANINGS = {
    "empty": "no tokens were left after preprocessing",
    "all_unknown": "none of the tokens is in the model's vocabulary",
}


@dataclass
class Prediction:
    """A text's verdict. ``flag`` is "empty" when no tokens are left after preprocessing and
    "all_unknown" when none of them is in the vocabulary: the model still answers (from its
    biases alone), but the answer says nothing about the text."""

    text: str
    label: str
    probabilities: dict[str, float]
    tokens: list[str]
    unknown_tokens: int = 0
    flag: str | None = None

    def to_dict(self) -> dict:
        return {"text": self.text, "label": self.label, "probabilities": self.probabilities,
                "tokens": self.tokens, "unknown_tokens": self.unknown_tokens, "flag": self.flag}


@dataclass
class Trajectory:
    """Class probabilities after each token: ``probabilities[t]`` is the model's verdict on the
    text cut after token ``t``, shape (tokens, classes)."""

    tokens: list[str]
    labels: list[str]
    probabilities: np.ndarray
    meaning: str


@dataclass
class Importance:
    """Per token, how much removing it lowers the probability of the predicted class
    (positive: the token argues for the verdict; negative: against it)."""

    tokens: list[str]
    label: str
    scores: np.ndarray
    probability: float


@dataclass
class GateTrace:
    """Every gate and state of every recurrent layer and direction, per real token."""

    tokens: list[str]
    token_ids: list[int]
    layers: list[LayerTrace] = field(default_factory=list)

    def layer(self, name: str, direction: str = "forward") -> LayerTrace:
        for trace in self.layers:
            if (trace.layer, trace.direction) == (name, direction):
                return trace
        raise StudioError(f"This model has no layer {name!r} with direction {direction!r}; it "
                          f"has {[(t.layer, t.direction) for t in self.layers]}.")

    def to_dict(self) -> dict:
        return {"tokens": self.tokens, "token_ids": self.token_ids,
                "layers": [trace.to_dict() for trace in self.layers]}


class Run:
    """A trained run ready for prediction and inspection. Build it with ``load_run``.

    ``snapshot`` is None for the best model (model.keras), else the snapshot whose weights the
    model holds (``at_epoch``); ``epoch`` is that snapshot's epoch.
    """

    def __init__(self, path: Path, config: RunConfig, vocab: Vocabulary, model, baseline,
                 snapshot: Snapshot | None = None) -> None:
        self.path = Path(path)
        self.config = config
        self.vocab = vocab
        self.model = model
        self.baseline = baseline
        self.snapshot = snapshot
        self.epoch = None if snapshot is None else snapshot.epoch
        self.labels = list(vocab.labels)
        self.processor = TextProcessor(config.text)
        self._forward = compile_forward(model)

    @cached_property
    def language(self) -> str:
        """"en" or "zh": a demo run's language, else the script of its most frequent tokens.

        Picks the example sentences (``lstm_core.inspect.examples``) this run can read.
        """
        demo = DEMO_SOURCES.get(self.config.data.source)
        if demo is not None:
            return demo
        return guess_language(self.vocab.tokens[UNK_ID + 1:UNK_ID + 1 + LANGUAGE_TOKENS])

    # ---- the run as it learned ----------------------------------------------------------

    def snapshots(self) -> list[dict]:
        """The points of training whose weights were kept, oldest first: {index, step, epoch}
        (epoch a float: 0.1 is a tenth of the first) with the figures logged there (loss,
        accuracy, val_loss, val_accuracy, best); [] for a run saved before snapshots were kept."""
        return [snapshot.to_dict() for snapshot in list_snapshots(self.path)]

    def at_epoch(self, epoch: float) -> Run:
        """This run as it was at the last snapshot at or before ``epoch`` (0: the initial
        weights): predict and look inside the model as it was then. The preprocessing and the
        vocabulary are the run's own, as in training.

        Raises:
            StudioError: the run kept no snapshots, or ``epoch`` lies outside those it kept.
        """
        return self.at_snapshot(snapshot_at(self.path, epoch))

    def at_snapshot(self, snapshot: Snapshot) -> Run:
        """This run with the weights of ``snapshot`` (one of ``list_snapshots(run.path)``)."""
        import keras

        model = keras.models.clone_model(self.model)
        _load_snapshot(model, snapshot, self.path.name)
        _use_lean_loops_off_gpu(model)
        return Run(self.path, self.config, self.vocab, model, self.baseline, snapshot=snapshot)

    def through_training(self) -> Iterator[tuple[Snapshot, Run]]:
        """Each kept snapshot, oldest first, with the run as it was there: how training taught
        the model to read a text. Nothing for a run without snapshots.

        One copy of the model takes each snapshot's weights in turn (its forward pass compiled
        once), so use each run before taking the next.
        """
        snapshots = list_snapshots(self.path)
        if not snapshots:
            return
        scratch = self.at_snapshot(snapshots[0])
        yield snapshots[0], scratch
        for snapshot in snapshots[1:]:
            scratch.move_to(snapshot)
            yield snapshot, scratch

    def move_to(self, snapshot: Snapshot) -> None:
        """Put ``snapshot``'s weights into this run's own model, in place: one model and one
        compiled forward pass for every snapshot. Only for a run at a snapshot (``at_epoch``,
        ``load_snapshot``), never for a run whose model others use as the best one.

        Raises:
            StudioError: this run holds the best model, or the snapshot cannot be read.
        """
        if self.snapshot is None:
            raise StudioError("move_to changes the model in place; call it on a run at a "
                              "snapshot (Run.at_epoch), not on the run's best model.")
        _load_snapshot(self.model, snapshot, self.path.name)
        self.snapshot, self.epoch = snapshot, snapshot.epoch

    # ---- tokens and forward passes ------------------------------------------------------

    def encode(self, text: str) -> tuple[list[str], list[int]]:
        """The tokens the model sees for ``text`` (cut to max_len as in training) and their ids."""
        tokens = truncate(self.processor.tokenize(text), self.config.text.max_len,
                          self.config.text.truncating)
        return tokens, self.vocab.encode(tokens)

    def encode_many(self, texts: list[str]) -> list[tuple[list[str], list[int]]]:
        """``encode`` for many texts; big inputs are tokenized on all cores."""
        cfg = self.config.text
        token_lists = self.processor.tokenize_many(texts, workers=os.cpu_count() or 1)
        cut = [truncate(tokens, cfg.max_len, cfg.truncating) for tokens in token_lists]
        return [(tokens, self.vocab.encode(tokens)) for tokens in cut]

    def probabilities(self, id_lists: list[list[int]]) -> np.ndarray:
        """Class probabilities for token id lists, (texts, classes); batched by length."""
        return predict_proba(self._forward, id_lists, len(self.labels))

    # ---- predictions --------------------------------------------------------------------

    def predict(self, texts: list[str] | str) -> list[Prediction]:
        """The label and a probability per class for each text."""
        texts = [texts] if isinstance(texts, str) else list(texts)
        encoded = self.encode_many(texts)
        probabilities = self.probabilities([ids for _, ids in encoded])
        results = []
        for text, (tokens, ids), row in zip(texts, encoded, probabilities, strict=True):
            unknown = sum(1 for i in ids if i == UNK_ID)
            flag = "empty" if not ids else "all_unknown" if unknown == len(ids) else None
            results.append(Prediction(
                text=text, label=self.labels[int(row.argmax())],
                probabilities={label: float(p) for label, p in zip(self.labels, row,
                                                                    strict=True)},
                tokens=tokens, unknown_tokens=unknown, flag=flag,
            ))
        return results

    def predict_baseline(self, texts: list[str]) -> list[str]:
        """The bag-of-words baseline's label for each text, for comparison."""
        if self.baseline is None:
            raise StudioError("This run has no bag-of-words baseline (it ended before testing).")
        return self.baseline.predict([self.encode(text)[0] for text in texts])

    def trajectory(self, text: str) -> Trajectory:
        """What the model would say if the text stopped after each token.

        Computed by running the model on every prefix, so it is exact for every architecture.
        With last-state pooling in one direction it is the classifier applied to the hidden
        state after each token. With max or mean pooling the pooled vector covers only the
        prefix, and a bidirectional layer's backward reading starts from the prefix's last
        token, so the curve shows the verdict on each shorter text, not a state inside the
        full reading.
        """
        tokens, ids = self.encode(text)
        probabilities = self.probabilities([ids[:t + 1] for t in range(len(ids))])
        pooling, bidirectional = self.config.model.pooling, self.config.model.bidirectional
        meaning = ("the classifier on the hidden state after each token"
                   if pooling == "last" and not bidirectional else
                   "the verdict on the text cut after each token (with "
                   f"{'bidirectional reading' if bidirectional else pooling + ' pooling'}, "
                   "not a state inside the full reading)")
        return Trajectory(tokens, self.labels, probabilities, meaning)

    def importance(self, text: str) -> Importance:
        """Occlusion: the drop in the predicted class's probability when each token is removed."""
        tokens, ids = self.encode(text)
        variants = [ids] + [ids[:t] + ids[t + 1:] for t in range(len(ids))]
        probabilities = self.probabilities(variants)
        predicted = int(probabilities[0].argmax())
        scores = probabilities[0, predicted] - probabilities[1:, predicted]
        return Importance(tokens, self.labels[predicted], scores,
                          float(probabilities[0, predicted]))

    def sample_texts(self, count: int = 200, split: str = "val") -> tuple[list[str], list[str]]:
        """Up to ``count`` texts and labels of the run's own ``split``, for gate statistics.

        Held-out texts show how the network behaves on text it did not fit; the pick is seeded,
        so the same run always gives the same sample.
        """
        import pandas as pd

        data = pd.read_parquet(self.path / runs.DATA_FILE, columns=["text", "label", "split"])
        part = data[data["split"] == split]
        if len(part) > count:
            part = part.sample(count, random_state=0)
        return part["text"].tolist(), part["label"].tolist()

    # ---- inside the network -------------------------------------------------------------

    def gates(self, text: str) -> GateTrace:
        """Gates and states per token for every recurrent layer and direction."""
        tokens, ids = self.encode(text)
        return GateTrace(tokens, ids, trace_layers(self.model, ids, self.config.model.cell))

    def gradient_flow(self, text: str, label: str | None = None) -> GradientFlow:
        """How strongly the loss on ``text`` reaches back to each token, per layer and direction.

        The loss is the cross-entropy of ``label`` (default: the class the model predicts); the
        norms are those of its gradient with respect to each token's vector and to each
        recurrent layer's hidden state after each token (``inspect.flow``).

        Raises:
            StudioError: an unknown label, or a text with no tokens.
        """
        tokens, ids = self.encode(text)
        if label is None:
            label = self.labels[int(self.probabilities([ids])[0].argmax())] if ids else \
                self.labels[0]
        if label not in self.labels:
            raise StudioError(f"label must be one of {', '.join(self.labels)}; got {label!r}.")
        loss, flows = gradient_flow(self.model, self.config.model, ids,
                                    self.labels.index(label))
        return GradientFlow(tokens, label, loss, [
            LayerFlow(layer, direction, [float(n) for n in norms])
            for layer, direction, norms in flows])

    def gate_stats(self, texts: list[str]) -> list[dict]:
        """Per layer, direction and unit: how often each gate is nearly shut (< 0.1) or wide
        open (> 0.9) over all tokens of ``texts``.

        Returns:
            One dict per layer and direction: {layer, direction, tokens, gates: {gate:
            {"left": [fraction per unit], "right": [fraction per unit]}}}.
        """
        traces = [self.gates(text).layers for text in texts]
        stats = []
        for position, first in enumerate(traces[0] if traces else []):
            gates = {}
            for gate in SATURATING[first.cell]:
                values = np.concatenate([t[position].values[gate] for t in traces], axis=0)
                gates[gate] = {"left": (values < LEFT_SATURATED).mean(axis=0).tolist(),
                               "right": (values > RIGHT_SATURATED).mean(axis=0).tolist()}
            tokens = sum(len(t[position].values["hidden"]) for t in traces)
            stats.append({"layer": first.layer, "direction": first.direction,
                          "tokens": tokens, "gates": gates})
        return stats

    def unit_dictionary(self, texts: list[str], labels: list[str] | None = None, *,
                        layer: str | None = None, direction: str = "forward",
                        top_k: int = 8) -> list[dict]:
        """Per hidden unit: the tokens that drive it highest and lowest, and how its final value
        follows the label.

        Args:
            texts: a sample of texts.
            labels: their true labels; without them the model's predictions stand in.
            layer: which recurrent layer (default: the last).
            direction: forward or backward.
            top_k: tokens listed per unit and sign.

        Returns:
            One dict per unit: {unit, top_tokens: [(token, max activation)], bottom_tokens,
            correlation: {class: Pearson r between the unit's final value and "is this class"}}.
        """
        layer = layer or f"recurrent_{self.config.model.layers}"
        if labels is None:
            labels = [p.label for p in self.predict(texts)]
        finals, peaks, troughs = [], {}, {}
        kept_labels = []
        for text, label in zip(texts, labels, strict=True):
            trace = self.gates(text)
            hidden = trace.layer(layer, direction).values["hidden"]
            if not len(hidden):
                continue
            finals.append(hidden[-1] if direction == "forward" else hidden[0])
            kept_labels.append(label)
            for token, row in zip(trace.tokens, hidden, strict=True):
                peaks[token] = np.maximum(peaks.get(token, row), row)
                troughs[token] = np.minimum(troughs.get(token, row), row)
        if not finals:
            raise StudioError("None of the texts has tokens the model can read.")
        finals_arr = np.stack(finals)
        vocab = list(peaks)
        peak_matrix = np.stack([peaks[t] for t in vocab])
        trough_matrix = np.stack([troughs[t] for t in vocab])
        units = []
        for unit in range(finals_arr.shape[1]):
            high = np.argsort(-peak_matrix[:, unit], kind="stable")[:top_k]
            low = np.argsort(trough_matrix[:, unit], kind="stable")[:top_k]
            units.append({
                "unit": unit,
                "top_tokens": [(vocab[i], float(peak_matrix[i, unit])) for i in high],
                "bottom_tokens": [(vocab[i], float(trough_matrix[i, unit])) for i in low],
                "correlation": {
                    label: _pearson(finals_arr[:, unit],
                                    np.array([k == label for k in kept_labels], dtype=float))
                    for label in self.labels
                },
            })
        return units

    def compare(self, text_a: str, text_b: str) -> dict:
        """Two texts side by side, aligned token by token (shared tokens paired, an inserted or
        deleted token paired with None), with B - A for every gate, state and probability.

        Returns:
            {tokens_a, tokens_b, pairs: [(index in A or None, index in B or None)],
            trajectory_a, trajectory_b (tokens, classes), probability_diff (pairs, classes or
            None), layers: [{layer, direction, diff: {field: [units list or None per pair]}}],
            a, b (the GateTrace of each)}.
        """
        a, b = self.gates(text_a), self.gates(text_b)
        pairs = _align(a.tokens, b.tokens)
        traj_a = self.trajectory(text_a).probabilities
        traj_b = self.trajectory(text_b).probabilities
        layers = []
        for trace_a, trace_b in zip(a.layers, b.layers, strict=True):
            diff = {name: [None if i is None or j is None else
                           (trace_b.values[name][j] - trace_a.values[name][i]).tolist()
                           for i, j in pairs]
                    for name in TRACE_FIELDS[trace_a.cell]}
            layers.append({"layer": trace_a.layer, "direction": trace_a.direction,
                           "diff": diff})
        return {
            "tokens_a": a.tokens, "tokens_b": b.tokens, "pairs": pairs,
            "trajectory_a": traj_a, "trajectory_b": traj_b,
            "probability_diff": [None if i is None or j is None else
                                 (traj_b[j] - traj_a[i]).tolist() for i, j in pairs],
            "layers": layers, "a": a, "b": b,
        }


def _load_snapshot(model, snapshot: Snapshot, run_name: str) -> None:
    try:
        model.set_weights(read_snapshot(snapshot.path))
    except (OSError, ValueError, KeyError, EOFError) as exc:
        raise StudioError(f"The snapshot at epoch {snapshot.epoch:g} of run {run_name} cannot be "
                          f"read ({exc}).") from None


def _use_lean_loops_off_gpu(model) -> None:
    """The lean recurrent loop where there is no GPU (the web server): the same probabilities,
    less work per step."""
    import tensorflow as tf

    from lstm_core.model.rnn_loop import use_lean_loops

    if not tf.config.list_logical_devices("GPU"):  # none in the web server (web_process)
        use_lean_loops(model)


def _pearson(x: np.ndarray, y: np.ndarray) -> float | None:
    """Pearson r, or None when either side is constant (r is undefined there)."""
    if x.std() == 0 or y.std() == 0:
        return None
    return float(np.corrcoef(x, y)[0, 1])


def _align(tokens_a: list[str], tokens_b: list[str]) -> list[tuple[int | None, int | None]]:
    """Pair the tokens of two texts: equal runs pair up, replaced runs pair position by
    position, the rest pairs with None ("the food was good" / "the food was not good" pairs
    the, food, was, good and leaves "not" alone)."""
    pairs: list[tuple[int | None, int | None]] = []
    matcher = difflib.SequenceMatcher(a=tokens_a, b=tokens_b, autojunk=False)
    for _, a0, a1, b0, b1 in matcher.get_opcodes():
        span = max(a1 - a0, b1 - b0)
        for k in range(span):
            i = a0 + k if a0 + k < a1 else None
            j = b0 + k if b0 + k < b1 else None
            pairs.append((i, j))
    return pairs


def load_run(path: str | Path) -> Run:
    """Load a finished (or stopped) run for prediction and inspection.

    Only this project's own model files are loaded, with Keras' safe mode on.

    Raises:
        StudioError: the directory is not a run, or has no saved model yet.
    """
    import keras

    from lstm_core.model import build as models  # noqa: F401 - registers SequencePooling for loading
    from lstm_core.training.baseline import BagOfWordsBaseline

    path = Path(path)
    if not (path / runs.CONFIG_FILE).is_file():
        raise StudioError(f"{path} is not a run directory (it has no config.json).")
    if not runs.has_model(path):
        raise StudioError(f"Run {path.name} has no saved model yet; wait for its first epoch "
                          "to finish.")
    config = RunConfig.from_dict(read_json(path / runs.CONFIG_FILE))
    vocab = Vocabulary.load(path / runs.VOCAB_FILE)
    try:
        model = keras.models.load_model(path / runs.MODEL_FILE, compile=False, safe_mode=True)
    except (OSError, ValueError) as exc:
        raise StudioError(f"The model of run {path.name} cannot be loaded ({exc}).") from None
    _use_lean_loops_off_gpu(model)
    baseline_path = path / runs.BASELINE_FILE
    baseline = BagOfWordsBaseline.load(baseline_path) if baseline_path.is_file() else None
    return Run(path, config, vocab, model, baseline)


def load_snapshot(path: str | Path, epoch: float) -> Run:
    """The run as at its last snapshot at or before ``epoch``, built from its settings and
    vocabulary, so it needs no saved model: what the Train page looks inside while the run is
    still training (its first model is saved only after the first epoch).

    Raises:
        StudioError: not a run, no vocabulary yet, or ``epoch`` outside the snapshots kept.
    """
    from lstm_core.model.build import build_model

    path = Path(path)
    if not (path / runs.CONFIG_FILE).is_file():
        raise StudioError(f"{path} is not a run directory (it has no config.json).")
    snapshot = snapshot_at(path, epoch)
    if not (path / runs.VOCAB_FILE).is_file():
        raise StudioError(f"Run {path.name} has no vocabulary yet; wait for training to start.")
    config = RunConfig.from_dict(read_json(path / runs.CONFIG_FILE))
    vocab = Vocabulary.load(path / runs.VOCAB_FILE)
    model = build_model(config.model, vocab.size, len(vocab.labels))
    _load_snapshot(model, snapshot, path.name)
    _use_lean_loops_off_gpu(model)
    return Run(path, config, vocab, model, None, snapshot=snapshot)

