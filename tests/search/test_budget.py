"""The search's clock: a trial's cost measured from its events, and what still fits."""

import pytest

from lstm_core.search.budget import (
    TEST_LOAD_S,
    TrialTiming,
    epochs_that_fit,
    expected_trial_s,
    measure,
    reserve_for_test_s,
)


def events(start: float, epoch_ends: list[float], initial_epoch: int = 0) -> list[dict]:
    found = [{"event": "start", "time": start, "train_samples": 400,
              "initial_epoch": initial_epoch}]
    for number, end in enumerate(epoch_ends, start=initial_epoch + 1):
        found.append({"event": "batch", "time": end - 0.1, "epoch": number})
        found.append({"event": "epoch", "time": end, "epoch": number, "val_accuracy": 0.5})
    return found


def test_a_trial_costs_its_start_and_end_plus_its_epochs():
    timing = measure(events(108.0, [110.0, 112.0, 114.0]), launched=100.0, ended=115.0)
    assert timing == TrialTiming(overhead_s=9.0, seconds_per_epoch=2.0, train_texts=400)
    assert measure(events(108.0, []), launched=100.0, ended=109.0) is None  # no epoch yet


def test_a_resumed_run_is_timed_from_its_latest_start():
    first = events(108.0, [110.0, 112.0])
    again = events(200.0, [203.0], initial_epoch=2)
    timing = measure(first + again, launched=195.0, ended=204.0)
    assert timing.seconds_per_epoch == 3.0 and timing.overhead_s == 6.0


def test_what_fits_follows_the_measured_trials():
    timings = [TrialTiming(8.0, 2.0, 400), TrialTiming(10.0, 4.0, 400)]
    assert expected_trial_s([], 5) is None
    assert expected_trial_s(timings, 5) == pytest.approx(9.0 + 3.0 * 5)
    assert epochs_that_fit(timings, 11.9) == 0  # one epoch needs 12 s
    assert epochs_that_fit(timings, 12.0) == 1
    assert epochs_that_fit(timings, 12.0 + 3.0 * 4) == 5
    assert epochs_that_fit([], 1000.0) == 0


def test_the_winners_test_is_kept_time_for():
    timings = [TrialTiming(8.0, 2.0, 400), TrialTiming(8.0, 4.0, 200)]
    per_text = (2.0 / 400 + 4.0 / 200) / 2
    assert reserve_for_test_s(timings, 1000) == pytest.approx(TEST_LOAD_S + per_text * 1000)
    assert reserve_for_test_s([], 1000) == TEST_LOAD_S
