"""Runs saved by earlier versions still load, list and predict the same numbers.

``tests/fixtures/runs_v1`` holds two tiny runs made before ``lstm_core`` was split into
subpackages, with the probabilities and gates they gave then (``expected.json``).
"""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from lstm_core import load_run

FIXTURES = Path(__file__).parents[1] / "fixtures" / "runs_v1"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text(encoding="utf-8"))
RUNS = ["demo-en-lstm", "demo-zh-bigru"]


@pytest.fixture
def runs_copy(tmp_path, monkeypatch):
    """The fixtures copied into a fresh runs directory, so nothing writes into the repository."""
    root = tmp_path / "runs"
    shutil.copytree(FIXTURES, root, ignore=shutil.ignore_patterns("expected.json"))
    monkeypatch.setenv("LSTM_STUDIO_RUNS", str(root))
    return root


@pytest.mark.parametrize("name", RUNS)
def test_an_old_run_predicts_what_it_predicted_when_saved(runs_copy, name):
    expected = EXPECTED[name]
    run = load_run(runs_copy / name)
    got = [p.probabilities for p in run.predict(expected["texts"])]
    for now, then in zip(got, expected["probabilities"], strict=True):
        assert list(now) == list(then)
        np.testing.assert_allclose(list(now.values()), list(then.values()), atol=1e-6)


@pytest.mark.parametrize("name", RUNS)
def test_an_old_runs_gates_are_unchanged(runs_copy, name):
    expected = EXPECTED[name]["gates"]
    trace = load_run(runs_copy / name).gates(EXPECTED[name]["gates_text"]).to_dict()
    assert trace["tokens"] == expected["tokens"]
    assert trace["token_ids"] == expected["token_ids"]
    for now, then in zip(trace["layers"], expected["layers"], strict=True):
        assert (now["layer"], now["direction"]) == (then["layer"], then["direction"])
        for field, values in then.items():
            if isinstance(values, list):
                np.testing.assert_allclose(now[field], values, atol=1e-6)


def test_old_runs_are_listed_as_finished_with_their_scores(runs_copy):
    from lstm_core.store.runs import list_runs

    listed = {summary.run_id: summary for summary in list_runs()}
    assert set(listed) == set(RUNS)
    for summary in listed.values():
        assert summary.status == "finished"
        assert summary.test_accuracy is not None and summary.baseline_accuracy is not None


def test_old_runs_get_their_test_set_from_their_own_split_and_no_author(runs_copy):
    import pandas as pd

    from lstm_core.store.runs import list_runs
    from lstm_core.store.testset import fingerprint

    for summary in list_runs():
        examples = pd.read_parquet(summary.path / "data.parquet")
        test = examples[examples["split"] == "test"]
        assert summary.test_set == fingerprint(test["text"], test["label"])
        assert summary.author is None and summary.to_dict()["author"] is None


@pytest.mark.parametrize("name", RUNS)
def test_an_old_run_has_no_snapshots_and_refuses_any_point_of_training(runs_copy, name):
    from lstm_core import StudioError

    run = load_run(runs_copy / name)
    assert run.snapshots() == []
    with pytest.raises(StudioError, match="kept no weights per epoch.*only its best model"):
        run.at_epoch(0)
