import pytest

from lstm_core.config import DataConfig, ModelConfig, RunConfig, TextConfig, TrainConfig
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
