"""Test set-up: quiet, deterministic TensorFlow on the CPU, and an isolated runs directory."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
# Numeric tests compare against float32 references; TF32 on an Ampere+ GPU would loosen them.
os.environ.setdefault("NVIDIA_TF32_OVERRIDE", "0")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

SHARED_DATASETS = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"


@pytest.fixture(autouse=True)
def _isolated_runs(tmp_path, monkeypatch):
    """Every test gets its own runs directory, so no test sees another's runs, and no warm
    worker (each would load TensorFlow for a job that may never come; tests of them ask)."""
    monkeypatch.setenv("LSTM_STUDIO_RUNS", str(tmp_path / "runs"))
    monkeypatch.setenv("LSTM_STUDIO_WARM_WORKERS", "0")


def shared_dataset(*parts: str) -> Path:
    """Path to a file in ../shared/datasets, skipping the test when it is not there."""
    path = SHARED_DATASETS.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is not available (../shared is absent on this machine)")
    return path



@pytest.fixture(scope="session")
def finished_search(tmp_path_factory):
    """One real search, run once for the tests that read it (``tests.helpers.run_stop_resume``)."""
    from tests.helpers import run_stop_resume

    root = tmp_path_factory.mktemp("search") / "runs"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LSTM_STUDIO_RUNS", str(root))
        return run_stop_resume(root)


@pytest.fixture(scope="session")
def trained_lesson(tmp_path_factory):
    """The "why gates" lesson's three runs, tiny, trained once: (runs directory, cell -> run)."""
    from lstm_core.jobs.lesson import LESSON_CELLS, create_lesson_runs
    from lstm_core.training.train import train_run

    root = tmp_path_factory.mktemp("lesson") / "runs"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LSTM_STUDIO_RUNS", str(root))
        run_dirs = create_lesson_runs(rows=240, epochs=1, units=4, embed_dim=4, author="T")
        for run_dir in run_dirs:
            train_run(run_dir)
    return root, dict(zip(LESSON_CELLS, run_dirs, strict=True))
