"""One tiny real run, trained once for all figure tests that draw from a real model."""

import pytest


@pytest.fixture(scope="session")
def real_run(tmp_path_factory):
    from lstm_core import load_run
    from lstm_core.training.train import create_run, train_run
    from tests.helpers import demo_examples, tiny_config

    run_dir = create_run(tiny_config(epochs=1), demo_examples(200),
                         run_dir=tmp_path_factory.mktemp("figures") / "r")
    train_run(run_dir)
    return load_run(run_dir)
