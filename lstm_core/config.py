"""Run configuration as data: one frozen dataclass per concern, round-tripped through config.json.

A run directory's ``config.json`` is ``RunConfig.to_dict()``; ``RunConfig.from_dict`` rebuilds the
same object, so a run can be retrained, resumed or explained from that file alone.

Every field is declared once, with ``setting()``: its default, what it means, what it accepts, and
how the ``train`` command and the Train page offer it. Validation, ``HELP``, the command's flags
and the Train form are generated from that declaration (as Keras' get_config feeds saving, cloning
and summaries), so they cannot disagree. A bad value raises a message that names the field, what
it accepts and what came in (the wording follows scikit-learn's parameter validation).
"""

from __future__ import annotations

import difflib
import functools
import math
import types
import typing
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from dataclasses import replace as dataclass_replace
from typing import Any

from lstm_core.data.encoding import normalize_encoding
from lstm_core.errors import StudioError

# Right padding is the one layout cuDNN accepts together with a mask (keras lstm.py: "strictly
# right-padded"); keras.utils.pad_sequences defaults to the left, so we state the side here once.
PADDING = "post"

CELLS = ("lstm", "gru", "simple_rnn")
CELL_NAMES = {"lstm": "LSTM", "gru": "GRU", "simple_rnn": "SimpleRNN"}  # as Keras names them
POOLINGS = ("last", "max", "mean")
OPTIMIZERS = ("adam", "rmsprop", "sgd")
LR_SCHEDULES = ("constant", "linear")
DEVICES = ("auto", "cpu", "gpu")
TOKENIZERS = ("auto", "word", "tweet", "char", "jieba")
TRUNCATING = ("pre", "post")
CLASS_WEIGHTS = ("none", "balanced")

# select: a drop-down of the choices; slider: a slider over the range; number: a number box;
# toggle: on/off; steps: a slider over a few listed values (sizes, rates spaced by factors).
WIDGETS = ("select", "slider", "number", "toggle", "steps")
FORM_COLUMNS = ("model", "training", "text")  # the Train form's columns, left to right
_SPEC = "setting"  # the key of a field's metadata that holds its SettingSpec


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


@dataclass(frozen=True)
class SettingSpec:
    """What a config field means and accepts, and how the CLI and the Train form offer it.

    A mistake here is the programmer's, so it raises TypeError while the class is defined.

    Attributes:
        help: what the setting does, in words a student can learn from; the CLI's ``--help``,
            the app's tooltips and the run report show it.
        choices: the accepted words of a text setting with a fixed set of values.
        low: the smallest accepted number (inclusive unless ``low_open``).
        high: the largest accepted number (inclusive).
        low_open: refuse ``low`` itself (a share that must be above 0).
        flag: the ``train`` command offers it as ``--name`` (``--name/--no-name`` when boolean).
        widget: how a form draws it, one of ``WIDGETS``.
        label: the widget's label.
        column: the Train form column that shows it (one of ``FORM_COLUMNS``); None keeps it off
            the Train form.
        steps: the values a ``steps`` widget offers.
        step: a ``slider``'s increment.
        ui_low: where the form's slider or number box starts, when that is above ``low``.
        ui_high: where it ends, when that is below ``high``; validation still accepts up to high.
    """

    help: str
    choices: tuple[str, ...] | None = None
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    flag: bool = True
    widget: str | None = None
    label: str | None = None
    column: str | None = None
    steps: tuple[float, ...] | None = None
    step: float | None = None
    ui_low: float | None = None
    ui_high: float | None = None

    def __post_init__(self) -> None:
        problems = []
        if not self.help:
            problems.append("help is empty")
        if self.widget is not None and self.widget not in WIDGETS:
            problems.append(f"widget {self.widget!r} is not one of {', '.join(WIDGETS)}")
        if self.column is not None and self.column not in FORM_COLUMNS:
            problems.append(f"column {self.column!r} is not one of {', '.join(FORM_COLUMNS)}")
        if self.column is not None and (self.widget is None or not self.label):
            problems.append("a setting on the Train form needs a widget and a label")
        if (self.widget == "steps") != bool(self.steps):
            problems.append("steps go with widget='steps', and it needs them")
        if (self.low is None) != (self.high is None):
            problems.append("declare both low and high, or neither")
        if self.low_open and self.widget in ("slider", "number") and self.ui_low is None:
            problems.append("an open low bound needs ui_low, the form's first value")
        for bound in (self.ui_low, self.ui_high):
            if bound is not None and (self.low is None or not self.low <= bound <= self.high):
                problems.append(f"ui bound {bound} is outside {self.low}..{self.high}")
        if problems:
            raise TypeError(f"Bad setting declaration: {'; '.join(problems)}.")


def setting(default: Any, help: str, **spec: Any) -> Any:
    """A dataclass field with its default and its ``SettingSpec`` (in the field's metadata).

    Example:
        ``units: int = setting(64, "Width of each recurrent layer.", low=1, high=4096)``
    """
    return field(default=default, metadata={_SPEC: SettingSpec(help=help, **spec)})


@dataclass(frozen=True)
class Setting:
    """One declared field of a config class: its name, Python type, default and spec."""

    name: str
    kind: type  # bool, int, float or str
    optional: bool  # None is accepted too
    default: Any
    spec: SettingSpec

    @property
    def flag(self) -> str:
        """The ``train`` command's flag, such as ``--embed-dim``."""
        return "--" + self.name.replace("_", "-")

    def form_range(self) -> tuple[float, float]:
        """The form's slider or number-box range: the valid range unless the spec narrows it."""
        spec = self.spec
        return (spec.low if spec.ui_low is None else spec.ui_low,
                spec.high if spec.ui_high is None else spec.ui_high)

    def check(self, value: Any) -> None:
        """Raise StudioError when ``value`` is not one this setting accepts.

        Text without choices (a path, a column name) is left to the class's ``_check_rules``.
        """
        spec = self.spec
        if value is None and self.optional:
            return
        if self.kind is bool:
            _check_bool(self.name, value)
        elif spec.choices is not None:
            _check_choice(self.name, value, spec.choices)
        elif self.kind is int:
            _check_int(self.name, value, spec.low, spec.high)
        elif self.kind is float:
            _check_float(self.name, value, spec.low, spec.high, low_open=spec.low_open)


TRUE_WORDS = ("true", "1", "yes", "on")
FALSE_WORDS = ("false", "0", "no", "off")


def parse_setting(item: Setting, text: str) -> Any:
    """A setting's value from text, as a link or a preset gives it; checked as the config would.

    Raises:
        StudioError: text that is not a value this setting accepts, saying what it accepts.
    """
    text = str(text).strip()
    if item.kind is bool:
        if text.lower() not in TRUE_WORDS + FALSE_WORDS:
            raise StudioError(f"{item.name} must be true or false; got {text!r}.")
        value: Any = text.lower() in TRUE_WORDS
    elif item.kind is int:
        try:
            value = int(text)
        except ValueError:
            raise StudioError(f"{item.name} must be a whole number; got {text!r}.") from None
    elif item.kind is float:
        try:
            value = float(text)
        except ValueError:
            raise StudioError(f"{item.name} must be a number; got {text!r}.") from None
        if not math.isfinite(value):
            raise StudioError(f"{item.name} must be a finite number; got {text!r}.")
    else:
        value = text
    item.check(value)
    return value


def format_setting_value(value: Any) -> str:
    """A setting's value as a link writes it: ``true``/``false``, numbers as Python prints them."""
    return str(value).lower() if isinstance(value, bool) else str(value)


@functools.cache
def settings_of(cls: type) -> tuple[Setting, ...]:
    """The declared fields of a config dataclass, in field order.

    A field made without ``setting()`` has no spec and is left out: no flag, widget or check.

    Raises:
        TypeError: a spec does not fit its field's type (a number without a range, choices on
            a number, a type other than bool, int, float or str).
    """
    hints = typing.get_type_hints(cls)
    found = []
    for item in fields(cls):
        spec = item.metadata.get(_SPEC)
        if spec is None:
            continue
        kind, optional = _kind(hints[item.name])
        where = f"{cls.__name__}.{item.name}"
        if kind not in (bool, int, float, str):
            raise TypeError(f"{where}: a setting is a bool, int, float or str, not {kind}.")
        if spec.choices is not None and kind is not str:
            raise TypeError(f"{where}: choices go with a str setting.")
        if kind in (int, float) and spec.low is None:
            raise TypeError(f"{where}: a number setting needs low and high.")
        bounds = (spec.low, spec.high, spec.ui_low, spec.ui_high, *(spec.steps or ()))
        if kind is int and not all(isinstance(b, int) for b in bounds if b is not None):
            raise TypeError(f"{where}: the bounds and steps of a whole-number setting are ints.")
        found.append(Setting(item.name, kind, optional, item.default, spec))
    return tuple(found)


def _kind(hint: Any) -> tuple[Any, bool]:
    """``float | None`` -> (float, True); ``int`` -> (int, False)."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        members = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        if len(members) == 1:
            return members[0], True
    return hint, False


def declared(sections: Mapping[str, type] | None = None) -> list[tuple[str, Setting]]:
    """(section name, setting) for every declared field of ``sections`` (default: a RunConfig's),
    in section order, then field order."""
    sections = SECTIONS if sections is None else sections
    return [(name, item) for name, kind in sections.items() for item in settings_of(kind)]


def form_settings(sections: Mapping[str, type] | None = None
                  ) -> dict[str, list[tuple[str, Setting]]]:
    """The settings a form shows, by column (``FORM_COLUMNS``), in section, then field order."""
    by_column: dict[str, list[tuple[str, Setting]]] = {column: [] for column in FORM_COLUMNS}
    for section, item in declared(sections):
        if item.spec.column is not None:
            by_column[item.spec.column].append((section, item))
    return by_column


class ConfigSection:
    """Shared validation and to_dict/from_dict (Keras' get_config/from_config pair)."""

    def __post_init__(self) -> None:
        for item in settings_of(type(self)):
            item.check(getattr(self, item.name))
        self._check_rules()

    def _check_rules(self) -> None:
        """Rules a field's own declaration cannot state, such as a limit on two fields' sum."""

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


SEED_HELP = ("Fixes the starting weights, the dropout and the batch order: the same seed gives "
             "the same numbers on a CPU. It never moves the validation and test split.")
SPLIT_SEED_HELP = (
    "Fixes which texts are held out for validation and test. Keep it the same and every run on "
    "a data set is tested on the same texts, so their scores can be compared.")
# The split seed everyone gets unless they choose one: a class's runs on one data set share it.
DEFAULT_SPLIT_SEED = 42


@dataclass(frozen=True)
class DataConfig(ConfigSection):
    """Where the examples come from and how they are split.

    The fields that describe the input file have no generated flag: the ``train`` command words
    those flags itself. ``split_seed`` alone decides the split, never the model's seed, so runs
    that differ in their seed are still tested on the same texts.
    """

    source: str = setting(
        "demo-en", "The examples: a file, or a built-in data set such as demo-en, demo-zh or "
        "keras-imdb.", flag=False)
    encoding: str | None = setting(
        None, "The text encoding the file was read in, detected or chosen (utf-8, gb18030, "
        "cp1251...); empty for built-in sets, Excel and Parquet.", flag=False)
    text_col: str = setting("text", "The column that holds the text.", flag=False)
    label_col: str = setting("label", "The column that holds the label, the class to predict.",
                             flag=False)
    rating_threshold: float | None = setting(
        None, "Turns numeric ratings into two classes: above it 'positive', otherwise "
        "'negative'. Empty keeps the labels as they are.", low=-1e9, high=1e9, flag=False)
    val_split: float = setting(
        0.1, "Share of the examples held out to pick the best epoch. The model never trains "
        "on them, so their score shows how it does on text it has not seen.",
        low=0.0, high=0.5, low_open=True, widget="slider", step=0.05, ui_low=0.05,
        label="Validation share", column="text")
    test_split: float = setting(
        0.1, "Share held out until the very end for the final report (accuracy, confusion "
        "matrix). Never used to choose anything, so it is an honest estimate.",
        low=0.0, high=0.5, widget="slider", step=0.05, label="Test share", column="text")
    test_data: str | None = setting(
        None, "A separate file to test on, such as an official test set; the test share is "
        "then 0.", flag=False)
    split_seed: int = setting(DEFAULT_SPLIT_SEED, SPLIT_SEED_HELP, low=0, high=2**31 - 1,
                              widget="number", label="Split seed", column="text")

    @classmethod
    def from_dict(cls, data: dict[str, Any]):
        # Runs saved before the split had a seed of its own split with the training seed, which
        # their config.json kept as data.seed: that was their split seed.
        if isinstance(data, dict) and "seed" in data and "split_seed" not in data:
            data = {("split_seed" if key == "seed" else key): value for key, value in data.items()}
        return super().from_dict(data)

    def _check_rules(self) -> None:
        for name in ("text_col", "label_col"):
            if not isinstance(getattr(self, name), str) or not getattr(self, name):
                raise StudioError(f"{name} must be a column name; got {getattr(self, name)!r}.")
        if self.encoding is not None:
            normalize_encoding(self.encoding)
        if self.val_split + self.test_split > 0.6:
            raise StudioError(
                f"val_split + test_split must leave at least 40% for training; got "
                f"{self.val_split} + {self.test_split}. Lower one of them."
            )


@dataclass(frozen=True)
class TextConfig(ConfigSection):
    """How raw text becomes token ids; saved with the model so prediction never refits it.

    The tokenizer and the cleaning switches are chosen on the Data page, where their effect on
    the tokens can be seen, so they are not on the Train form.
    """

    tokenizer: str = setting(
        "auto", "auto splits words (Chinese and Japanese into characters); word leaves runs of "
        "Chinese as they are; tweet keeps emoticons and hashtags; char makes every character a "
        "token; jieba splits Chinese into dictionary words, a leading 不 or 没 kept apart.",
        choices=TOKENIZERS, widget="select", label="Tokenizer")
    lowercase: bool = setting(
        True, "'Great' and 'great' become one token, so the model learns one vector for both; "
        "off keeps SHOUTING apart from normal text.",
        flag=False, widget="toggle", label="Lowercase")
    strip_html: bool = setting(
        True, "Drop tags such as <br /> that web reviews carry; they say nothing about "
        "sentiment but fill the vocabulary.", flag=False, widget="toggle", label="Remove HTML")
    strip_urls: bool = setting(
        True, "Drop http://... and www... addresses; each one is a rare token the model "
        "cannot learn from.", flag=False, widget="toggle", label="Remove links")
    strip_mentions: bool = setting(
        False, "Drop @user handles (tweets); names are rarely sentiment, and a model can "
        "learn to like or dislike a person instead.",
        flag=False, widget="toggle", label="Remove @mentions")
    strip_hashtags: bool = setting(
        False, "Drop #tags entirely. Off keeps the word without the '#', which often "
        "carries the mood (#fail, #love).", flag=False, widget="toggle", label="Remove #hashtags")
    strip_punctuation: bool = setting(
        True, "Drop tokens made only of punctuation. Off keeps '!' and '?', which can "
        "carry emphasis.", flag=False, widget="toggle", label="Remove punctuation")
    remove_stopwords: bool = setting(
        False, "Drop very common words (the, a, is); negations such as 'not' are kept.",
        widget="toggle", label="Remove stopwords")
    vocab_size: int = setting(
        20000, "How many distinct words the model gets a vector for (the most frequent ones); "
        "rarer words all share the 'unknown' vector.",
        low=3, high=2_000_000, widget="number", label="Vocabulary size", column="text")
    min_count: int = setting(
        1, "Tokens seen fewer times than this in the training texts become the 'unknown' "
        "token.", low=1, high=1_000_000, flag=False)
    max_len: int = setting(
        100, "Tokens kept per text. Longer texts are cut; shorter ones are padded. Each extra "
        "step costs time, so the data check suggests a length that covers 99% of texts.",
        low=1, high=5000, widget="number", label="Max length (tokens)", column="text")
    truncating: str = setting(
        "pre", "Which end of a long text is cut: pre keeps the end, where reviews give their "
        "verdict; post keeps the start.", choices=TRUNCATING, flag=False)
    padding: str = setting(
        PADDING, "Which end of a short text is padded: always the end (post), the one side "
        "cuDNN accepts together with a mask.", flag=False)

    def _check_rules(self) -> None:
        if self.padding != PADDING:
            raise StudioError(
                f"padding must be {PADDING!r} (right padding, which cuDNN needs with a mask); "
                f"got {self.padding!r}."
            )


@dataclass(frozen=True)
class ModelConfig(ConfigSection):
    """Embedding -> recurrent layers -> pooling -> dropout -> Dense softmax."""

    cell: str = setting(
        "lstm", "LSTM keeps a cell state with input, forget and output gates; GRU is a lighter "
        "cousin with two gates; SimpleRNN has no gates and forgets quickly - compare them.",
        choices=CELLS, widget="select", label="Cell", column="model")
    embed_dim: int = setting(
        64, "Length of the vector that represents each word. Bigger can hold more meaning "
        "but needs more data.", low=1, high=4096, widget="steps", steps=(16, 32, 64, 128, 256),
        label="Embedding size", column="model")
    word_dropout: float = setting(
        0.0, "Share of the words of each training text hidden at random (their vectors zeroed), "
        "a new draw every time the text is seen, so the model cannot hang its verdict on one "
        "word it has memorised and learns to use the rest; never applied at prediction.",
        low=0.0, high=0.9, widget="slider", step=0.05, ui_high=0.5,
        label="Word dropout", column="model")
    embed_dropout: float = setting(
        0.0, "Share of the word-vector dimensions zeroed at random during training, the same "
        "ones at every word of a text, so no single feature of a word carries the verdict.",
        low=0.0, high=0.9, widget="slider", step=0.05, ui_high=0.5,
        label="Embedding dropout", column="model")
    units: int = setting(
        64, "Size of the memory (hidden and cell state) of each recurrent layer; each unit is "
        "one number you can watch on the Gates page.", low=1, high=4096, widget="steps",
        steps=(4, 8, 16, 32, 64, 128, 256), label="Units", column="model")
    layers: int = setting(
        1, "Recurrent layers stacked on top of each other; the second reads the first one's "
        "outputs.", low=1, high=3, widget="slider", label="Layers", column="model")
    bidirectional: bool = setting(
        False, "Also read each text from right to left and join both readings; helps long "
        "texts, doubles the cost.", widget="toggle", label="Bidirectional", column="model")
    pooling: str = setting(
        "last", "How the per-token states become one vector: the last state (what the LSTM "
        "remembers at the end), or the max / mean over all tokens.",
        choices=POOLINGS, widget="select", label="Pooling", column="model")
    dropout: float = setting(
        0.2, "Share of the pooled vector's numbers zeroed at random during training, so the "
        "model cannot lean on a few of them; reduces overfitting.",
        low=0.0, high=0.9, widget="slider", step=0.05, label="Dropout", column="model")
    # The slider stops at 0.5: dropping more than half of the state at every step leaves the
    # recurrence little to remember; the CLI and config.json still accept up to 0.9.
    recurrent_dropout: float = setting(
        0.0, "Dropout inside the recurrence. Above 0 it rules out the fast cuDNN kernel on a "
        "GPU.", low=0.0, high=0.9, widget="slider", step=0.05, ui_high=0.5,
        label="Recurrent dropout", column="model")

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
class TrainConfig(ConfigSection):
    """How the weights are fitted."""

    epochs: int = setting(
        10, "Passes over the training data. Early stopping may end training sooner.",
        low=1, high=1000, widget="number", label="Epochs", column="training")
    batch_size: int = setting(
        32, "Texts per weight update. Bigger batches are faster per text but make fewer, "
        "smoother steps.", low=1, high=65536, widget="steps",
        steps=(8, 16, 32, 64, 128, 256, 512), label="Batch size", column="training")
    learning_rate: float = setting(
        1e-3, "Size of each weight update. Too high and the loss jumps or becomes NaN; too low "
        "and learning crawls.", low=0.0, high=10.0, low_open=True, widget="steps",
        steps=(1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1), label="Learning rate",
        column="training")
    lr_schedule: str = setting(
        "constant", "constant keeps the learning rate; linear lowers it step by step to 0 at "
        "the end of the last epoch, so training ends with small steps instead of bouncing "
        "around a good solution (steadier results when the model learns fast, as on long "
        "reviews).", choices=LR_SCHEDULES, widget="select", label="Learning-rate schedule",
        column="training")
    optimizer: str = setting(
        "adam", "The rule that turns gradients into weight updates; Adam adapts the step per "
        "weight and is a safe default.", choices=OPTIMIZERS, widget="select", label="Optimizer",
        column="training")
    early_stopping: int = setting(
        2, "Stop when the validation loss has not improved for this many epochs; 0 trains "
        "every epoch. The best epoch's model is kept either way.", low=0, high=1000,
        widget="number", label="Early stopping patience", column="training")
    class_weights: str = setting(
        "none", "'balanced' counts mistakes on rare classes more, so the model does not ignore "
        "them.", choices=CLASS_WEIGHTS, widget="select", label="Class weights",
        column="training")
    seed: int = setting(42, SEED_HELP, low=0, high=2**31 - 1, widget="number", label="Seed",
                        column="training")
    device: str = setting(
        "auto", "Where to train: auto uses a GPU when TensorFlow sees one.",
        choices=DEVICES, widget="select", label="Device", column="text")
    mixed_precision: bool = setting(
        False, "Compute in 16-bit floats on a GPU: faster, slightly less exact.",
        widget="toggle", label="Mixed precision", column="text")
    bucket_by_length: bool = setting(
        True, "Batch texts of similar length together so short texts are not padded to the "
        "longest one: much faster on a CPU.", widget="toggle", label="Group batches by length",
        column="text")
    log_every: int = setting(
        5, "Training batches between two lines of the live log (events.jsonl): fewer draw "
        "finer curves, more cost less time.", low=1, high=100_000, flag=False)


SECTIONS: dict[str, type[ConfigSection]] = {
    "data": DataConfig, "text": TextConfig, "model": ModelConfig, "train": TrainConfig,
}


def _help_texts() -> dict[str, str]:
    texts: dict[str, str] = {}
    for section, item in declared():
        if texts.setdefault(item.name, item.spec.help) != item.spec.help:
            raise TypeError(f"{section}.{item.name}: settings of the same name need the same "
                            "help, as HELP is keyed by name.")
    return texts


# What each setting does, by field name: the CLI's --help, the app's tooltips and the run report
# read this. Building it checks every declaration when the module is imported.
HELP = _help_texts()


@dataclass(frozen=True)
class RunConfig:
    """Everything needed to rebuild a run; this is config.json."""

    data: DataConfig = field(default_factory=DataConfig)
    text: TextConfig = field(default_factory=TextConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name).to_dict() for name in SECTIONS}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunConfig:
        if not isinstance(data, dict):
            raise StudioError(f"A run configuration must be a mapping; got {type(data).__name__}.")
        unknown = sorted(set(data) - set(SECTIONS))
        if unknown:
            raise StudioError(
                f"Unknown configuration section {unknown[0]!r}; known: {', '.join(SECTIONS)}."
            )
        return cls(**{name: kind.from_dict(data.get(name, {})) for name, kind in SECTIONS.items()})


def form_fields() -> dict[str, tuple[str, Setting]]:
    """Every setting the Train form shows, by field name (names are unique across sections)."""
    found: dict[str, tuple[str, Setting]] = {}
    for section, item in declared():
        if item.spec.column is not None:
            if item.name in found:
                raise TypeError(f"{section}.{item.name}: two form settings share a name, so a "
                                "link could not tell them apart.")
            found[item.name] = (section, item)
    return found


def apply_settings_text(base: RunConfig, values: Mapping[str, str]
                        ) -> tuple[RunConfig, dict[str, str], list[str]]:
    """``base`` with the Train-form settings named in ``values`` (a link's query, a preset).

    Each value is parsed and checked on its own, then together with the others already taken
    (so a validation share that leaves too little for training with the test share is refused);
    a value that fails is left out with a note, so a link with one typo still opens.

    Args:
        base: the settings to start from (the data check's suggestion).
        values: setting name -> text; names that are not Train-form settings are refused too.

    Returns:
        (the settings, the values taken as text, one note per value left out).

    Example:
        >>> config, taken, notes = apply_settings_text(RunConfig(), {"units": "16", "cell": "x"})
        >>> config.model.units, notes[0].startswith("cell")
        (16, True)
    """
    known = form_fields()
    config, taken, notes = base, {}, []
    for name, text in values.items():
        if name not in known:
            hint = difflib.get_close_matches(name, known, n=1)
            notes.append(f"{name!r} is not a Train setting" +
                         (f"; did you mean {hint[0]!r}?" if hint else "."))
            continue
        section, item = known[name]
        try:
            value = parse_setting(item, text)
            changed = dataclass_replace(getattr(config, section), **{name: value})
        except StudioError as exc:
            kept = format_setting_value(getattr(getattr(config, section), name))
            notes.append(f"{exc} Kept {kept}.")
            continue
        config = dataclass_replace(config, **{section: changed})
        taken[name] = format_setting_value(value)
    return config, taken, notes


def settings_text(config: RunConfig, base: RunConfig) -> dict[str, str]:
    """The Train-form settings where ``config`` differs from ``base``, as a link writes them."""
    changed = {}
    for name, (section, _) in form_fields().items():
        value = getattr(getattr(config, section), name)
        if value != getattr(getattr(base, section), name):
            changed[name] = format_setting_value(value)
    return changed
