"""The search's clock: how long a trial is expected to take, and what still fits the budget.

A trial costs a fixed overhead (its process starting, TensorFlow loading, the data prepared,
and after the last epoch the baseline and the final status) plus its epochs. Both are measured
from the trials already run: the launch time, the run's events (each has a wall-clock ``time``)
and the end. The first trial has nothing to go by, so it is measured while it runs: after each
epoch the search knows what one more costs.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import asdict, dataclass

# Loading the winner's model and compiling its forward pass, before the test texts themselves.
TEST_LOAD_S = 3.0
# The first trial may use at most this share of the budget, so that others can follow it.
FIRST_TRIAL_SHARE = 0.5


@dataclass(frozen=True)
class TrialTiming:
    """What one trial cost.

    Attributes:
        overhead_s: launch to the run's first event, plus its last epoch to its end.
        seconds_per_epoch: from the first event to the last epoch's end, per epoch (the first
            epoch's tracing included, so slightly pessimistic).
        train_texts: texts trained on per epoch.
    """

    overhead_s: float
    seconds_per_epoch: float
    train_texts: int

    def to_dict(self) -> dict:
        return asdict(self)


def measure(events: list[dict], launched: float, ended: float) -> TrialTiming | None:
    """A trial's timing from its events and its launch and end (``time.time()``); None before
    its first epoch ended."""
    starts = [e for e in events if e.get("event") == "start"]
    epochs = [e for e in events if e.get("event") == "epoch"]
    if not starts or not epochs:
        return None
    start = starts[-1]  # a resumed run: from its latest start
    first, last = start["time"], epochs[-1]["time"]
    count = epochs[-1]["epoch"] - int(start.get("initial_epoch") or 0)
    if count < 1:
        return None
    return TrialTiming(
        overhead_s=max(0.0, first - launched) + max(0.0, ended - last),
        seconds_per_epoch=max(1e-3, (last - first) / count),
        train_texts=int(start.get("train_samples") or 0),
    )


def expected_trial_s(timings: list[TrialTiming], epochs: int) -> float | None:
    """Expected seconds of a trial of ``epochs`` epochs: mean overhead plus mean time per epoch
    times the epochs; None with nothing measured yet."""
    if not timings:
        return None
    return (statistics.fmean(t.overhead_s for t in timings)
            + statistics.fmean(t.seconds_per_epoch for t in timings) * epochs)


def epochs_that_fit(timings: list[TrialTiming], seconds: float) -> int:
    """How many epochs an expected trial can run in ``seconds`` (0 if not even one)."""
    one = expected_trial_s(timings, 1)
    if one is None or seconds < one:
        return 0
    per_epoch = statistics.fmean(t.seconds_per_epoch for t in timings)
    return 1 + int(math.floor((seconds - one) / per_epoch))


def reserve_for_test_s(timings: list[TrialTiming], test_texts: int) -> float:
    """Seconds kept back for testing the winner: loading it, then the test texts at the time a
    training epoch spends per text (a forward pass costs less, so this errs on the safe side)."""
    per_text = [t.seconds_per_epoch / t.train_texts for t in timings if t.train_texts]
    return TEST_LOAD_S + (statistics.fmean(per_text) * test_texts if per_text else 0.0)
