"""Tiny real runs for tests: small models that train in seconds on the demo data."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from lstm_core.config import ModelConfig, RunConfig, TextConfig, TrainConfig
from lstm_core.data.demo import generate
from lstm_core.training.train import request_stop, train_run


def tiny_config(**train) -> RunConfig:
    return RunConfig(
        text=TextConfig(max_len=40, vocab_size=500),
        model=ModelConfig(embed_dim=8, units=8),
        train=TrainConfig(**{"epochs": 2, "batch_size": 32, "seed": 3, "log_every": 2, **train}),
    )


def demo_examples(rows: int = 300, lang: str = "en"):
    return generate(rows, lang=lang, seed=0)


def train_until_stopped_after(run_dir, epoch: int) -> dict:
    """``train_run`` with a stop requested once ``epoch`` epochs are done: a real backup of them.

    The stop lands in the next epoch's first batch, which does not count as done.
    """
    def progress(message: str) -> None:
        if message.startswith(f"epoch {epoch}/"):
            request_stop(run_dir)

    return train_run(run_dir, progress=progress)


def grappler_off() -> bool:
    """Whether TensorFlow's graph optimizer is switched off in this process."""
    import tensorflow as tf

    return tf.config.optimizer.get_experimental_options().get("disable_meta_optimizer", False)



SEARCH_BUDGET_S = 120.0  # more than the stopped and resumed search takes on a loaded machine


def tiny_search(budget_s: float = SEARCH_BUDGET_S, max_trials: int | None = None,
                parallel: int | None = None, poor_second: bool = True, epochs: int = 6):
    """A search directory with tiny trials on 600 demo reviews.

    Trial 0 is the base settings, with ``epochs`` epochs: it has epochs left when a stop comes
    after its first. Trial 1 is forced to a learning rate too small to learn anything, so it is
    clearly worse from its first epoch, and its pruning stops it long before its end; without
    ``poor_second`` it is the base settings again, whose first epoch learns what trial 0's does
    (a seeded run on the CPU), so neither prunes the other there. Later trials are Optuna's.

    Returns (search directory, the settings the trials start from).
    """
    from lstm_core.config import DataConfig
    from lstm_core.search.directory import SearchSettings, create_search
    from lstm_core.search.space import SearchSpace, params_of
    from lstm_core.search.study import open_study

    base = RunConfig(
        data=DataConfig(split_seed=3),
        text=TextConfig(max_len=40, vocab_size=500),
        model=ModelConfig(embed_dim=16, units=16),
        train=TrainConfig(epochs=epochs, batch_size=16, learning_rate=1e-2, early_stopping=0,
                          seed=3, log_every=4),
    )
    space = SearchSpace(cell=("lstm", "gru"), units=(8, 16), layers=(1,),
                        bidirectional=(False,), pooling=("last", "mean"), embed_dim=(16,),
                        dropout=(0.0, 0.3), learning_rate=(1e-5, 1e-2),
                        lr_schedule=("constant",), batch_size=(16,), epochs=(1, epochs))
    settings = SearchSettings(base=base, space=space, budget_s=budget_s, max_trials=max_trials,
                              parallel=parallel)
    search_dir = create_search(settings, demo_examples(600), name="tiny")
    study = open_study(search_dir, settings.seed)
    study.enqueue_trial({**params_of(base), **({"learning_rate": 1e-5} if poor_second else {})})
    return search_dir, base


@dataclass
class StopResume:
    """What ``run_stop_resume`` saw: the first session's lines and state, the CLI's second."""

    root: Path
    search_dir: Path
    first_lines: list[str]
    first_status: dict
    first_trials: dict[int, str]  # trial number -> Optuna state when the first session ended
    resumed: subprocess.CompletedProcess
    resumed_wall_s: float


STOP_RESUME_TRIALS = 2

# ``python -m lstm_core search --resume SEARCH_DIR`` whose session starts once TensorFlow, loading
# in a thread of its own, holds stderr back: a loaded machine's timing, where the session's lines
# are written during those seconds.
RESUME_WHILE_TENSORFLOW_LOADS = """
import os, sys, time
from lstm_core.cli import main
from lstm_core.search import runner

def stderr_file():
    found = os.fstat(2)
    return found.st_dev, found.st_ino

terminal, run = stderr_file(), runner._Search.run

def run_while_tensorflow_loads(session):
    while stderr_file() == terminal and session.loading.is_alive():
        time.sleep(0.001)
    assert session.loading.is_alive(), "TensorFlow was loaded before the session started"
    return run(session)

runner._Search.run = run_while_tensorflow_loads
sys.exit(main(["search", "--resume", sys.argv[1]]))
"""


def run_stop_resume(root: Path) -> StopResume:
    """A real search of ``tiny_search`` with 2 trials: its first session runs here until trial 0
    has trained an epoch, is stopped, then ``python -m lstm_core search --resume`` goes on with
    trial 0, prunes trial 1 and tests the winner (``RESUME_WHILE_TENSORFLOW_LOADS``).

    Each trial's process costs seconds of loading TensorFlow, so it has as few as show all that:
    the trial a stop leaves open is the first. The trials, not the budget, end it; a budget that
    ends a search, and trials an earlier session closed, are in tests/search/test_winner.py.
    """
    import threading
    import time

    from lstm_core.search.directory import read_search_status, request_search_stop
    from lstm_core.search.runner import run_search
    from lstm_core.search.study import read_trials

    search_dir, _ = tiny_search(max_trials=STOP_RESUME_TRIALS)
    lines: list[str] = []
    session = threading.Thread(target=run_search, args=(search_dir,),
                               kwargs={"progress": lines.append})
    session.start()
    while session.is_alive() and not _trained_an_epoch(search_dir, trial=0):
        time.sleep(0.2)
    request_search_stop(search_dir)
    session.join()
    first = read_search_status(search_dir)
    states = {t.number: t.state.name for t in read_trials(search_dir)}
    started = time.monotonic()
    resumed = subprocess.run([sys.executable, "-c", RESUME_WHILE_TENSORFLOW_LOADS,
                              str(search_dir)], capture_output=True, text=True, timeout=300,
                             cwd=Path(__file__).resolve().parents[1],
                             env={**os.environ, "LSTM_STUDIO_RUNS": str(root)})
    return StopResume(root, search_dir, lines, first, states, resumed,
                      time.monotonic() - started)


def _trained_an_epoch(search_dir: Path, trial: int) -> bool:
    from lstm_core.search.table import trial_rows

    return any(row.number == trial and row.epochs_done >= 1 for row in trial_rows(search_dir))


def remove_runs_dir(root: Path, timeout_s: float = 30.0) -> None:
    """Remove a runs directory a scheduler serves; it sees that and leaves (with the workers it
    keeps), and a file it writes meanwhile is removed on the next try."""
    deadline = time.monotonic() + timeout_s
    while root.exists() and time.monotonic() < deadline:
        shutil.rmtree(root, ignore_errors=True)
        time.sleep(0.2)
    assert not root.exists(), f"{root} could not be removed"
