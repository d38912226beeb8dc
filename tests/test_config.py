from dataclasses import dataclass, fields

import pytest

from lstm_core.config import (
    DEFAULT_SPLIT_SEED,
    HELP,
    SECTIONS,
    ConfigSection,
    DataConfig,
    ModelConfig,
    RunConfig,
    TextConfig,
    TrainConfig,
    declared,
    form_settings,
    setting,
    settings_of,
)
from lstm_core.errors import StudioError


def test_run_config_round_trips_through_dict():
    config = RunConfig(
        data=DataConfig(source="reviews.csv", encoding="cp1251", rating_threshold=3.0,
                        test_data="test.csv"),
        text=TextConfig(tokenizer="tweet", max_len=50),
        model=ModelConfig(cell="gru", layers=2, bidirectional=True, pooling="max"),
        train=TrainConfig(epochs=3, device="cpu"),
    )
    assert RunConfig.from_dict(config.to_dict()) == config


def test_missing_sections_take_defaults():
    assert RunConfig.from_dict({}) == RunConfig()


def test_a_config_saved_before_the_encoding_was_recorded_still_loads():
    data = RunConfig().to_dict()
    del data["data"]["encoding"]
    assert RunConfig.from_dict(data).data.encoding is None


@pytest.mark.parametrize(
    ("make", "pattern"),
    [
        (lambda: ModelConfig(units=0), r"units must be a whole number from 1 to 4096; got 0"),
        (lambda: ModelConfig(layers=4), r"layers must be a whole number from 1 to 3; got 4"),
        (lambda: ModelConfig(cell="lstmm"), r"cell must be one of lstm, gru, simple_rnn"),
        (lambda: ModelConfig(bidirectional="yes"), r"bidirectional must be true or false"),
        (lambda: TrainConfig(learning_rate=0), r"learning_rate must be a number above 0"),
        (lambda: TrainConfig(lr_schedule="cosine"), r"lr_schedule must be one of constant, linear"),
        (lambda: TrainConfig(batch_size=True), r"batch_size must be a whole number"),
        (lambda: DataConfig(val_split=0.4, test_split=0.4), r"at least 40% for training"),
        (lambda: DataConfig(encoding="klingon"), r"encoding must be a Python codec name such as"),
        (lambda: TextConfig(padding="pre"), r"padding must be 'post'.*cuDNN"),
    ],
)
def test_bad_settings_name_the_field_and_the_fix(make, pattern):
    with pytest.raises(StudioError, match=pattern):
        make()


def test_unknown_setting_suggests_the_closest_name():
    pattern = r"Unknown ModelConfig setting 'unit'.*Did you mean 'units'"
    with pytest.raises(StudioError, match=pattern):
        RunConfig.from_dict({"model": {"unit": 8}})


def test_studio_error_is_a_value_error():
    assert issubclass(StudioError, ValueError)


def test_defaults_keep_cudnn_and_blockers_say_why():
    assert ModelConfig().cudnn_blockers() == []
    reasons = ModelConfig(recurrent_dropout=0.2).cudnn_blockers()
    assert len(reasons) == 1 and "recurrent_dropout" in reasons[0]
    assert "cuDNN" in ModelConfig(cell="simple_rnn").cudnn_blockers()[0]


# --- settings declared once ----------------------------------------------------------------------


def test_every_field_is_declared_with_its_help():
    for kind in SECTIONS.values():
        declared_names = [item.name for item in settings_of(kind)]
        assert declared_names == [f.name for f in fields(kind)], kind.__name__
    assert set(HELP) == {item.name for _, item in declared()}
    assert all(text.strip() for text in HELP.values())


@pytest.mark.parametrize(("section", "item"), [pair for pairs in form_settings().values()
                                               for pair in pairs], ids=lambda p: str(p))
def test_every_form_value_is_one_validation_accepts(section, item):
    """The Train form offers nothing the config would refuse: its ends, steps and choices."""
    kind = SECTIONS[section]
    offered = {"select": item.spec.choices, "toggle": (True, False), "steps": item.spec.steps,
               "slider": item.form_range(), "number": item.form_range()}[item.spec.widget]
    for value in offered:
        kind(**{item.name: value})  # raises StudioError when refused
    if item.spec.widget in ("slider", "number"):
        low, high = item.form_range()
        assert item.spec.low <= low < high <= item.spec.high


def test_a_narrower_slider_is_declared_not_hidden():
    narrowed = {item.name: item.form_range() for _, item in declared()
                if item.spec.ui_low is not None or item.spec.ui_high is not None}
    assert narrowed == {"val_split": (0.05, 0.5), "word_dropout": (0.0, 0.5),
                        "embed_dropout": (0.0, 0.5), "recurrent_dropout": (0.0, 0.5)}
    assert ModelConfig(recurrent_dropout=0.9).recurrent_dropout == 0.9  # still valid


def test_the_split_has_a_seed_of_its_own_and_old_configs_keep_theirs():
    assert [section for section, item in declared() if item.name == "seed"] == ["train"]
    assert DataConfig().split_seed == DEFAULT_SPLIT_SEED
    old = RunConfig.from_dict({"data": {"seed": 7}, "train": {"seed": 7}})
    assert (old.data.split_seed, old.train.seed) == (7, 7)
    assert RunConfig.from_dict(old.to_dict()) == old


@pytest.mark.parametrize(
    ("spec", "pattern"),
    [
        ({"widget": "dial"}, r"widget 'dial' is not one of"),
        ({"column": "model"}, r"needs a widget and a label"),
        ({"widget": "steps"}, r"steps go with widget='steps'"),
        ({"low": 0.0}, r"declare both low and high"),
        ({"low": 0.0, "high": 1.0, "low_open": True, "widget": "slider", "label": "x"},
         r"open low bound needs ui_low"),
        ({"low": 0.0, "high": 1.0, "ui_high": 2.0}, r"ui bound 2.0 is outside 0.0..1.0"),
    ],
)
def test_a_bad_declaration_fails_when_the_class_is_defined(spec, pattern):
    with pytest.raises(TypeError, match=pattern):
        setting(0.5, "Some help.", **spec)


def test_a_spec_must_fit_its_field_type():
    @dataclass(frozen=True)
    class Bad(ConfigSection):
        size: int = setting(3, "A size.", low=1, high=10.5)

    with pytest.raises(TypeError, match=r"Bad.size: the bounds and steps of a whole-number"):
        Bad()


@dataclass(frozen=True)
class Throwaway(ConfigSection):
    """A section as a new concern would add it: nothing but declarations."""

    momentum: float = setting(0.9, "How much of the last update carries on.", low=0.0, high=1.0,
                              low_open=True, widget="slider", step=0.1, ui_low=0.1,
                              label="Momentum", column="training")
    nesterov: bool = setting(False, "Look ahead before stepping.", widget="toggle",
                             label="Nesterov", column="training")
    warmup: int | None = setting(None, "Epochs of warm-up.", low=0, high=5, flag=False)
    schedule: str = setting("cosine", "The curve.", choices=("cosine", "step"), flag=False)


@pytest.mark.parametrize(
    ("values", "pattern"),
    [
        ({"momentum": 0.0}, r"momentum must be a number above 0.0 up to 1.0; got 0.0"),
        ({"nesterov": 1}, r"nesterov must be true or false; got 1"),
        ({"warmup": 6}, r"warmup must be a whole number from 0 to 5; got 6"),
        ({"schedule": "linear"}, r"schedule must be one of cosine, step; got 'linear'"),
    ],
)
def test_a_new_declared_field_is_validated(values, pattern):
    assert Throwaway(warmup=None) == Throwaway()  # None is accepted: the type is optional
    with pytest.raises(StudioError, match=pattern):
        Throwaway(**values)


def test_a_new_declared_field_gets_help_and_a_place_on_the_form():
    layout = form_settings({"extra": Throwaway})
    assert [item.name for _, item in layout["training"]] == ["momentum", "nesterov"]
    assert layout["training"][0][1].form_range() == (0.1, 1.0)
    assert [item.kind for item in settings_of(Throwaway)] == [float, bool, int, str]


def test_settings_from_text_take_the_good_values_and_note_the_rest():
    from lstm_core.config import apply_settings_text, settings_text

    config, taken, notes = apply_settings_text(RunConfig(), {
        "units": "16", "bidirectional": "yes", "val_split": "0.5", "test_split": "0.3",
        "seed": "1.5", "tokenizer": "char", "uints": "8"})
    assert (config.model.units, config.model.bidirectional) == (16, True)
    assert (config.data.val_split, config.data.test_split, config.train.seed) == (0.5, 0.1, 42)
    assert taken == {"units": "16", "bidirectional": "true", "val_split": "0.5"}
    assert [note.split(" ")[0] for note in notes] == ["val_split", "seed", "'tokenizer'",
                                                       "'uints'"]
    assert "did you mean 'units'?" in notes[-1] and notes[1].endswith("Kept 42.")
    assert settings_text(config, RunConfig()) == taken
