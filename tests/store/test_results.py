"""The verdict on a run's test results: the recurrent model against bag-of-words, honestly."""

from pathlib import Path

import pytest

from lstm_core.config import ModelConfig, RunConfig
from lstm_core.store.results import SEARCH_HINT, compare_with_baseline, run_verdict
from lstm_core.store.testset import stored_fingerprint

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "runs_v1"


def metrics(accuracy: float, baseline: float, texts: int) -> dict:
    return {"accuracy": accuracy, "examples": texts, "baseline": {"accuracy": baseline}}


def config(**model) -> RunConfig:
    return RunConfig(model=ModelConfig(**model))


def test_a_clear_win_says_by_how_much_and_suggests_nothing():
    verdict = compare_with_baseline(metrics(0.90, 0.80, 1000), config())
    assert verdict.outcome == "better" and verdict.suggestions == ()
    assert verdict.gap == pytest.approx(10.0)
    assert verdict.noise == pytest.approx(2 * (0.85 * 0.15 / 1000) ** 0.5 * 100)
    assert verdict.summary == (
        "The LSTM beats the bag-of-words baseline by 10.0 points (90.0% against 80.0% on 1,000 "
        "test texts), more than the ±2.3 points a test of this size varies by.")
    assert verdict.line() == verdict.summary


def test_the_same_gap_is_noise_on_a_small_test_and_a_win_on_a_large_one():
    small = compare_with_baseline(metrics(0.82, 0.80, 200), config(cell="gru"))
    large = compare_with_baseline(metrics(0.82, 0.80, 20_000), config(cell="gru"))
    assert small.outcome == "same" and large.outcome == "better"
    assert small.summary.startswith("The GRU and the bag-of-words baseline score about the same "
                                    "(82.0% against 80.0% on 200 test texts): the difference of "
                                    "+2.0 points is within the ±")
    assert small.suggestions[0] == SEARCH_HINT


def test_a_loss_says_so_and_suggests_what_fits_the_run():
    verdict = compare_with_baseline(metrics(0.70, 0.85, 2000), config(units=16, embed_dim=32),
                                    epochs_done=10, best_epoch=10, train_texts=1_600)
    assert verdict.outcome == "worse"
    assert verdict.summary.startswith("The LSTM does not beat the bag-of-words baseline: it "
                                      "scores 15.0 points lower (70.0% against 85.0%")
    search, epochs, model, data = verdict.suggestions
    assert search == SEARCH_HINT and "python -m lstm_core search" in search
    assert epochs.startswith("Train for more epochs: the best epoch was the last one (10)")
    assert model.startswith("Try a larger model or a bidirectional one: 16 units and an "
                            "embedding of 32")
    assert data.startswith("Add data: 1,600 training texts")
    assert verdict.line() == " ".join([verdict.summary, *verdict.suggestions])


def test_suggestions_leave_out_what_the_run_already_has():
    big = compare_with_baseline(metrics(0.80, 0.85, 2000), config(units=128, bidirectional=True),
                                epochs_done=10, best_epoch=4, train_texts=40_000)
    assert big.suggestions == (SEARCH_HINT,)  # stopped improving, default size or more, much data
    small_bidirectional = compare_with_baseline(
        metrics(0.80, 0.85, 2000), config(units=8, bidirectional=True))
    assert small_bidirectional.suggestions[1].startswith("Try a larger model: 8 units")


@pytest.mark.parametrize("found", [
    {"accuracy": 0.9, "examples": 100},  # no baseline
    {"accuracy": 0.9, "examples": 0, "baseline": {"accuracy": 0.8}},  # nothing tested
    {"accuracy": None, "examples": 100, "baseline": {"accuracy": 0.8}},
])
def test_no_verdict_without_both_scores_and_test_texts(found):
    assert compare_with_baseline(found, config()) is None


def test_a_run_directory_gets_its_verdict_from_its_files(tmp_path):
    verdict = run_verdict(FIXTURES / "demo-en-lstm")  # a run saved before the verdict existed
    assert verdict.outcome == "same" and verdict.test_texts == 40
    assert any("320 training texts" in tip for tip in verdict.suggestions)
    assert any("best epoch was the last one (2)" in tip for tip in verdict.suggestions)
    assert verdict.test_set == stored_fingerprint(FIXTURES / "demo-en-lstm")
    assert f"on 40 test texts of test set {verdict.test_set[:6]})" in verdict.summary
    assert run_verdict(tmp_path) is None  # not tested (yet)

