"""One real tiny run, trained once for the page tests that copy it into their run stores."""

from pathlib import Path

import pytest

from lstm_core.training.train import create_run, train_run
from tests.helpers import demo_examples, tiny_config


@pytest.fixture(scope="session")
def trained(tmp_path_factory) -> Path:
    """A finished one-epoch run; tests copy it and never write into it."""
    run_dir = create_run(tiny_config(epochs=1), demo_examples(300),
                         run_dir=tmp_path_factory.mktemp("trained") / "run")
    train_run(run_dir)
    return run_dir
