"""The search space: built around the suggestion, sampled by Optuna, applied to a RunConfig."""

import optuna
import pytest

from lstm_core.config import ModelConfig, RunConfig, TrainConfig
from lstm_core.errors import StudioError
from lstm_core.search.space import SECTION, SearchSpace, apply_params, describe, params_of


def test_the_space_holds_every_suggested_value_and_epochs_up_to_the_suggestion():
    suggested = RunConfig(model=ModelConfig(units=256, dropout=0.7, pooling="max"),
                          train=TrainConfig(epochs=4, learning_rate=1e-2, batch_size=32))
    space = SearchSpace.around(suggested)
    assert space.units == (32, 64, 128, 256)  # widened, in order
    assert space.dropout == (0.0, 0.7) and space.learning_rate == (3e-4, 1e-2)
    assert space.epochs == (1, 4)
    assert space.pooling == SearchSpace().pooling and space.cell == ("lstm", "gru")
    for name, value in params_of(suggested).items():
        values = getattr(space, name)
        assert (values[0] <= value <= values[1]) if name in ("dropout", "learning_rate",
                                                             "epochs") else value in values


def test_an_enqueued_suggestion_comes_back_exactly_and_samples_stay_inside():
    suggested = RunConfig()
    space = SearchSpace.around(suggested)
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=1))
    study.enqueue_trial(params_of(suggested))
    assert space.sample(study.ask()) == params_of(suggested)
    for _ in range(20):
        params = space.sample(study.ask())
        assert set(params) == set(SECTION)
        assert 3e-4 <= params["learning_rate"] <= 3e-3 and 0 <= params["dropout"] <= 0.6
        assert params["units"] in (32, 64, 128) and 1 <= params["epochs"] <= 10
        config = apply_params(suggested, params)  # a valid RunConfig
        assert params_of(config) == params and config.text == suggested.text


def test_describe_says_the_settings_in_short():
    params = {"cell": "gru", "units": 64, "layers": 2, "bidirectional": True, "pooling": "max",
              "embed_dim": 32, "dropout": 0.3125, "learning_rate": 0.0012345,
              "lr_schedule": "linear", "batch_size": 16, "epochs": 6}
    assert describe(params) == ("gru 64x2 bi max, emb 32, drop 0.31, lr 0.0012 linear, "
                                "batch 16, 6 ep")


def test_a_space_round_trips_and_a_broken_one_is_refused():
    space = SearchSpace.around(RunConfig())
    assert SearchSpace.from_dict(space.to_dict()) == space
    with pytest.raises(StudioError, match="units must list at least one value"):
        SearchSpace(units=())
    with pytest.raises(StudioError, match=r"dropout must be a range \(low, high\)"):
        SearchSpace(dropout=(0.5, 0.1))
    with pytest.raises(StudioError, match="search space in search.json is damaged"):
        SearchSpace.from_dict({"unknown": [1]})
