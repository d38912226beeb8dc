"""Run configuration as data: one frozen dataclass per concern, round-tripped through config.json.

A run directory's ``config.json`` is ``RunConfig.to_dict()``; ``RunConfig.from_dict`` rebuilds the
same object, so a run can be retrained, resumed or explained from that file alone. Every field is
validated when the object is built, with a message that names the field, what it accepts, what came
in and how to fix it (the wording follows scikit-learn's parameter validation).
"""

from __future__ import annotations

import difflib
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from lstm_core.errors import StudioError

# Right padding is the one layout cuDNN accepts together with a mask (keras lstm.py: "strictly
# right-padded"); keras.utils.pad_sequences defaults to the left, so we state the side here once.
PADDING = "post"

CELLS = ("lstm", "gru", "simple_rnn")
POOLINGS = ("last", "max", "mean")
OPTIMIZERS = ("adam", "rmsprop", "sgd")
LR_SCHEDULES = ("constant", "linear")
DEVICES = ("auto", "cpu", "gpu")
TOKENIZERS = ("auto", "word", "tweet", "char")
TRUNCATING = ("pre", "post")
CLASS_WEIGHTS = ("none", "balanced")


def _check_choice(name: str, value: Any, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise StudioError(f"{name} must be one of {', '.join(choices)}; got {value!r}.")


def _check_int(name: str, value: Any, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise StudioError(f"{name} must be a whole number from {low} to {high}; got {value!r}.")


def _check_float(name: str, value: Any, low: float, high: float, *, low_open: bool = False) -> None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if ok:
        ok = (low < value if low_open else low <= value) and value <= high
    if not ok:
        bound = f"above {low}" if low_open else f"from {low}"
        raise StudioError(f"{name} must be a number {bound} up to {high}; got {value!r}.")


def _check_bool(name: str, value: Any) -> None:
    if not isinstance(value, bool):
        raise StudioError(f"{name} must be true or false; got {value!r}.")


class _Section:
    """Shared to_dict/from_dict for the config dataclasses (Keras' get_config/from_config pair)."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload]

    @classmethod
    def from_dict(cls, data: dict[str, Any]):
        if not isinstance(data, dict):
            raise StudioError(
                f"{cls.__name__} settings must be a mapping; got {type(data).__name__}."
            )
        known = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        unknown = sorted(set(data) - known)
        if unknown:
            hint = difflib.get_close_matches(unknown[0], known, n=1)
            extra = f" Did you mean {hint[0]!r}?" if hint else ""
            raise StudioError(
                f"Unknown {cls.__name__} setting {unknown[0]!r}; known settings: "
                f"{', '.join(sorted(known))}.{extra}"
            )
        return cls(**data)


@dataclass(frozen=True)
class DataConfig(_Section):
    """Where the examples come from and how they are split."""

    source: str = "demo-en"  # file path, or a built-in name such as demo-en, demo-zh, keras-imdb
    text_col: str = "text"
    label_col: str = "label"
    rating_threshold: float | None = None  # numeric labels above it: "positive", else "negative"
    val_split: float = 0.1  # fraction held out to pick the best epoch
    test_split: float = 0.1  # fraction held out for the final report; 0 when test_data is given
    test_data: str | None = None  # a separate file to test on (e.g. an official test set)
    seed: int = 42  # drives the split, so the same seed gives the same split

    def __post_init__(self) -> None:
        for name in ("text_col", "label_col"):
            if not isinstance(getattr(self, name), str) or not getattr(self, name):
                raise StudioError(f"{name} must be a column name; got {getattr(self, name)!r}.")
        if self.rating_threshold is not None:
            _check_float("rating_threshold", self.rating_threshold, -1e9, 1e9)
        _check_float("val_split", self.val_split, 0.0, 0.5, low_open=True)
        _check_float("test_split", self.test_split, 0.0, 0.5)
        if self.val_split + self.test_split > 0.6:
            raise StudioError(
                f"val_split + test_split must leave at least 40% for training; got "
                f"{self.val_split} + {self.test_split}. Lower one of them."
            )
        _check_int("seed", self.seed, 0, 2**31 - 1)


@dataclass(frozen=True)
class TextConfig(_Section):
    """How raw text becomes token ids; saved with the model so prediction never refits it."""

    tokenizer: str = "auto"  # auto: words, with Chinese/Japanese split into characters
    lowercase: bool = True
    strip_html: bool = True  # web reviews carry tags such as <br />
    strip_urls: bool = True
    strip_mentions: bool = False  # @user handles
    strip_hashtags: bool = False  # drop #tags entirely (off: keep the word without '#')
    strip_punctuation: bool = True
    remove_stopwords: bool = False  # when on, negations such as "not" and "never" are kept
    vocab_size: int = 20000  # most frequent tokens kept, including 0 = padding and 1 = unknown
    min_count: int = 1  # rarer tokens become the unknown token
    max_len: int = 100  # tokens per text; longer texts are cut
    truncating: str = "pre"  # which end to cut: pre keeps the end, where reviews give their verdict
    padding: str = PADDING

    def __post_init__(self) -> None:
        _check_choice("tokenizer", self.tokenizer, TOKENIZERS)
        for name in ("lowercase", "strip_html", "strip_urls", "strip_mentions", "strip_hashtags",
                     "strip_punctuation", "remove_stopwords"):
            _check_bool(name, getattr(self, name))
        _check_int("vocab_size", self.vocab_size, 3, 2_000_000)
        _check_int("min_count", self.min_count, 1, 1_000_000)
        _check_int("max_len", self.max_len, 1, 5000)
        _check_choice("truncating", self.truncating, TRUNCATING)
        if self.padding != PADDING:
            raise StudioError(
                f"padding must be {PADDING!r} (right padding, which cuDNN needs with a mask); "
                f"got {self.padding!r}."
            )


@dataclass(frozen=True)
class ModelConfig(_Section):
    """Embedding -> recurrent layers -> pooling -> dropout -> Dense softmax."""

    cell: str = "lstm"  # gru and simple_rnn are there for comparison
    embed_dim: int = 64  # width of each token's learned vector
    units: int = 64  # width of each recurrent layer's state
    layers: int = 1  # stacked recurrent layers
    bidirectional: bool = False  # also read each text right to left and join both states
    pooling: str = "last"  # last state, or max / mean over the real (unpadded) time steps
    dropout: float = 0.2  # on the pooled vector, before the classifier
    recurrent_dropout: float = 0.0  # on the recurrent state; above 0 gives up cuDNN

    def __post_init__(self) -> None:
        _check_choice("cell", self.cell, CELLS)
        _check_int("embed_dim", self.embed_dim, 1, 4096)
        _check_int("units", self.units, 1, 4096)
        _check_int("layers", self.layers, 1, 3)
        _check_bool("bidirectional", self.bidirectional)
        _check_choice("pooling", self.pooling, POOLINGS)
        _check_float("dropout", self.dropout, 0.0, 0.9)
        _check_float("recurrent_dropout", self.recurrent_dropout, 0.0, 0.9)

    def cudnn_blockers(self) -> list[str]:
        """Reasons this model cannot use the fused cuDNN kernel on a GPU (empty when it can)."""
        reasons = []
        if self.recurrent_dropout > 0:
            reasons.append(
                f"recurrent_dropout={self.recurrent_dropout} runs the step-by-step kernel on a "
                "GPU, several times slower; set it to 0 to keep cuDNN"
            )
        if self.cell == "simple_rnn":
            reasons.append("simple_rnn has no cuDNN kernel; lstm and gru do")
        return reasons


@dataclass(frozen=True)
class TrainConfig(_Section):
    """How the weights are fitted."""

    epochs: int = 10
    batch_size: int = 32
    learning_rate: float = 1e-3
    lr_schedule: str = "constant"  # linear: down to 0 at the end of the last planned epoch
    optimizer: str = "adam"
    early_stopping: int = 2  # epochs without a better val_loss before stopping; 0 = never
    class_weights: str = "none"  # balanced: weigh rare classes up
    seed: int = 42  # weights and batch order; same seed on CPU = same numbers
    device: str = "auto"  # auto uses a GPU when TensorFlow sees one
    mixed_precision: bool = False  # float16 compute on a GPU; faster, slightly less exact
    bucket_by_length: bool = True  # batch texts of similar length to cut padding
    log_every: int = 5  # batches between two lines of events.jsonl

    def __post_init__(self) -> None:
        _check_int("epochs", self.epochs, 1, 1000)
        _check_int("batch_size", self.batch_size, 1, 65536)
        _check_float("learning_rate", self.learning_rate, 0.0, 10.0, low_open=True)
        _check_choice("lr_schedule", self.lr_schedule, LR_SCHEDULES)
        _check_choice("optimizer", self.optimizer, OPTIMIZERS)
        _check_int("early_stopping", self.early_stopping, 0, 1000)
        _check_choice("class_weights", self.class_weights, CLASS_WEIGHTS)
        _check_int("seed", self.seed, 0, 2**31 - 1)
        _check_choice("device", self.device, DEVICES)
        _check_bool("mixed_precision", self.mixed_precision)
        _check_bool("bucket_by_length", self.bucket_by_length)
        _check_int("log_every", self.log_every, 1, 100_000)


# What each setting does, in words a student can learn from: the Train page's help texts and the
# CLI's --help both read this.
HELP = {
    "val_split": "Share of the examples held out to pick the best epoch. The model never trains "
    "on them, so their score shows how it does on text it has not seen.",
    "test_split": "Share held out until the very end for the final report (accuracy, confusion "
    "matrix). Never used to choose anything, so it is an honest estimate.",
    "max_len": "Tokens kept per text. Longer texts are cut; shorter ones are padded. Each extra "
    "step costs time, so the data check suggests a length that covers 95% of texts.",
    "vocab_size": "How many distinct words the model gets a vector for (the most frequent ones); "
    "rarer words all share the 'unknown' vector.",
    "cell": "LSTM keeps a cell state with input, forget and output gates; GRU is a lighter cousin "
    "with two gates; SimpleRNN has no gates and forgets quickly - compare them.",
    "embed_dim": "Length of the vector that represents each word. Bigger can hold more meaning "
    "but needs more data.",
    "units": "Size of the memory (hidden and cell state) of each recurrent layer; each unit is "
    "one number you can watch on the Gates page.",
    "layers": "Recurrent layers stacked on top of each other; the second reads the first one's "
    "outputs.",
    "bidirectional": "Also read each text from right to left and join both readings; helps long "
    "texts, doubles the cost.",
    "pooling": "How the per-token states become one vector: the last state (what the LSTM "
    "remembers at the end), or the max / mean over all tokens.",
    "dropout": "Share of the pooled vector's numbers zeroed at random during training, so the "
    "model cannot lean on a few of them; reduces overfitting.",
    "recurrent_dropout": "Dropout inside the recurrence. Above 0 it rules out the fast cuDNN "
    "kernel on a GPU.",
    "epochs": "Passes over the training data. Early stopping may end training sooner.",
    "batch_size": "Texts per weight update. Bigger batches are faster per text but make fewer, "
    "smoother steps.",
    "learning_rate": "Size of each weight update. Too high and the loss jumps or becomes NaN; "
    "too low and learning crawls.",
    "lr_schedule": "constant keeps the learning rate; linear lowers it step by step to 0 at the "
    "end of the last epoch, so training ends with small steps instead of bouncing around a good "
    "solution (steadier results when the model learns fast, as on long reviews).",
    "optimizer": "The rule that turns gradients into weight updates; Adam adapts the step per "
    "weight and is a safe default.",
    "early_stopping": "Stop when the validation loss has not improved for this many epochs; 0 "
    "trains every epoch. The best epoch's model is kept either way.",
    "class_weights": "'balanced' counts mistakes on rare classes more, so the model does not "
    "ignore them.",
    "seed": "Fixes the random split, the starting weights and the batch order: the same seed "
    "gives the same numbers on a CPU.",
    "device": "Where to train: auto uses a GPU when TensorFlow sees one.",
    "mixed_precision": "Compute in 16-bit floats on a GPU: faster, slightly less exact.",
    "bucket_by_length": "Batch texts of similar length together so short texts are not padded to "
    "the longest one: much faster on a CPU.",
    "tokenizer": "auto splits words (Chinese and Japanese into characters); tweet keeps emoticons "
    "and hashtags; char makes every character a token.",
    "remove_stopwords": "Drop very common words (the, a, is); negations such as 'not' are kept.",
    "lowercase": "'Great' and 'great' become one token, so the model learns one vector for both; "
    "off keeps SHOUTING apart from normal text.",
    "strip_html": "Drop tags such as <br /> that web reviews carry; they say nothing about "
    "sentiment but fill the vocabulary.",
    "strip_urls": "Drop http://... and www... addresses; each one is a rare token the model "
    "cannot learn from.",
    "strip_mentions": "Drop @user handles (tweets); names are rarely sentiment, and a model can "
    "learn to like or dislike a person instead.",
    "strip_hashtags": "Drop #tags entirely. Off keeps the word without the '#', which often "
    "carries the mood (#fail, #love).",
    "strip_punctuation": "Drop tokens made only of punctuation. Off keeps '!' and '?', which can "
    "carry emphasis.",
}

_SECTIONS = {"data": DataConfig, "text": TextConfig, "model": ModelConfig, "train": TrainConfig}


@dataclass(frozen=True)
class RunConfig:
    """Everything needed to rebuild a run; this is config.json."""

    data: DataConfig = field(default_factory=DataConfig)
    text: TextConfig = field(default_factory=TextConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name).to_dict() for name in _SECTIONS}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunConfig:
        if not isinstance(data, dict):
            raise StudioError(f"A run configuration must be a mapping; got {type(data).__name__}.")
        unknown = sorted(set(data) - set(_SECTIONS))
        if unknown:
            raise StudioError(
                f"Unknown configuration section {unknown[0]!r}; known: {', '.join(_SECTIONS)}."
            )
        return cls(**{name: kind.from_dict(data.get(name, {})) for name, kind in _SECTIONS.items()})

