"""Running a search: Optuna proposes settings, each trial trains as a run, poor ones are pruned,
the budget is kept, and the winner is tested once on the held-out texts.

``run_search`` runs in its own process (the CLI's, or ``search.worker`` for the app) and, like a
training job, always ends with a final status. The trials train elsewhere (``executor``), up to
``parallel`` at once; this process keeps each open trial as a small state object and reads their
run directories twice a second in one loop: each new epoch's validation accuracy goes to the
study's pruner, and a trial is stopped when it is pruned, when the search is asked to stop, or
when the budget runs out. A stopped search leaves its running trials open in the study and goes
on with each (resumed from its last epoch) when the search is resumed.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from lstm_core.errors import StudioError
from lstm_core.fileio import atomic_write_json, read_json
from lstm_core.search import budget
from lstm_core.search.directory import (
    RESULT_FILE,
    SearchSettings,
    read_examples,
    read_search_status,
    read_settings,
)
from lstm_core.search.executor import STOP_GRACE_S, LocalProcesses, TrialExecutor
from lstm_core.search.space import apply_params, describe
from lstm_core.search.study import open_study, report_epochs
from lstm_core.search.table import NOTE, RUN_ID, choose_winner, trial_rows
from lstm_core.store import runs
from lstm_core.store.events import read_events
from lstm_core.store.results import read_metrics, run_verdict
from lstm_core.training.train import create_run, reopen_run, resume_point

POLL_S = 0.5
HARD_STOP_GRACE_S = 3.0
BUDGET_SLACK = 0.05  # of the budget: the most a trial stopped by it may add to the search
SAVE_CLOCK_S = 1.0  # how often the time spent so far goes into status.json
TIMING = "timing"  # a trial's user attribute: its budget.TrialTiming
SEARCHED_SECTIONS = ("model", "train", "text")  # best_settings: the winner's config sections

Progress = Callable[[str], None]


def run_search(search_dir: Path, *, executor: TrialExecutor | None = None,
               progress: Progress | None = None) -> dict:
    """Run a queued search (new, or reopened by ``directory.reopen_search``) in this process.

    Never leaves the search queued or running: it ends finished (the winner tested), stopped
    (resumable), or failed with a message; a user mistake is raised again after that, as a bug
    is, and Ctrl+C ends it stopped. Returns the final status.
    """
    search_dir = Path(search_dir).resolve()
    say = progress or (lambda message: None)
    state = read_search_status(search_dir)["status"]
    if state != "queued":
        raise StudioError(f"Search {search_dir.name} is {state}; only a queued search can run "
                          "(resume a stopped one).")
    pid = os.getpid()
    runs.write_status(search_dir, status="running", pid=pid, host=socket.gethostname(),
                      pid_created=runs.process_started(pid), started=runs.now_iso(), message="")
    search = None
    try:
        search = _Search(search_dir, executor or LocalProcesses(), say)
        outcome = search.run()
    except StudioError as exc:
        _stop_trials(search)
        _finish(search_dir, search, "failed", str(exc))
        raise
    except KeyboardInterrupt:
        _stop_trials(search)
        return _finish(search_dir, search, "stopped",
                       "Stopped by Ctrl+C; resume the search to go on with the time left.")
    except Exception as exc:
        with contextlib.suppress(OSError), (search_dir / runs.LOG_FILE).open("a") as log:
            log.write(traceback.format_exc())
        _stop_trials(search)
        _finish(search_dir, search, "failed",
                f"Internal error ({type(exc).__name__}: {exc}); see worker.log.")
        raise
    return _finish(search_dir, search, *outcome)


def _stop_trials(search: _Search | None) -> None:
    if search is not None:
        search.stop_open()


def _finish(search_dir: Path, search: _Search | None, state: str, message: str) -> dict:
    spent = {"spent_s": round(search.spent(), 2)} if search is not None else {}
    if search is not None:
        search.loading.join()  # a thread still importing when the process exits can crash it
    return runs.write_status(search_dir, status=state, message=message, ended=runs.now_iso(),
                             running_trial=None, running_trials=[], **spent)


def _warm_up() -> threading.Thread:
    """Load TensorFlow while the first trials train, so testing the winner at the end costs
    only loading its model (the trials run in processes of their own)."""
    def load() -> None:
        import keras  # noqa: F401

    thread = threading.Thread(target=load, name="load-tensorflow", daemon=True)
    thread.start()
    return thread


def trials_at_once(settings: SearchSettings, executor: TrialExecutor) -> int:
    """How many trials the search keeps training: its ``parallel`` setting, else what the
    executor can train at once."""
    if settings.parallel is not None:
        return settings.parallel
    return max(1, int(executor.capacity()))


# What a look at an open trial found: go on (None), or one of these.
ENDED, PRUNE, PAST_END, NO_ROOM = "ended", "prune", "past its end", "no room for an epoch"


@dataclass
class _OpenTrial:
    """A trial training now, as the search follows it from one look to the next."""

    trial: Any  # optuna.Trial (Optuna is imported only when the search runs)
    run_dir: Path
    params: dict
    launched: float  # time.time() when it was started (or resumed) in this session
    reported: set[int]  # epochs whose validation accuracy went to the pruner
    planned: int  # the epochs its run plans
    share_end: float | None = None  # monotonic: the end of its share, set before any timing
    seen: int = 0  # epochs done at the last look
    cut_by_budget: bool = False

    @property
    def number(self) -> int:
        return self.trial.number


class _Search:
    """One session of a search, from (re)start to its end or stop."""

    def __init__(self, search_dir: Path, executor: TrialExecutor, say: Progress) -> None:
        self.dir, self.executor, self.say = search_dir, executor, say
        self.settings = read_settings(search_dir)
        self.parallel = trials_at_once(self.settings, executor)
        self.base = self.settings.trial_base()
        self.pool, self.test = read_examples(search_dir)
        self.study = open_study(search_dir, self.settings.seed)
        self.spent_before = float(read_search_status(search_dir).get("spent_s") or 0.0)
        self.started = time.monotonic()
        self.deadline = self.started + self.settings.budget_s - self.spent_before
        self.timings = [budget.TrialTiming(**t.user_attrs[TIMING])
                        for t in self.study.get_trials(deepcopy=False) if TIMING in t.user_attrs]
        self.open: list[_OpenTrial] = []  # the trials training now, oldest first
        self.clock_saved = 0.0
        self.loading = _warm_up()

    # ---- the clock -----------------------------------------------------------------------

    def spent(self) -> float:
        return self.spent_before + time.monotonic() - self.started

    def reserve(self, running: budget.TrialTiming | None = None) -> float:
        timings = self.timings or ([running] if running else [])
        return budget.reserve_for_test_s(timings, len(self.test))

    def _grace(self) -> float:
        """How long a trial stopped by the budget may take to stop before it is ended: a few
        seconds, or the budget's slack when that is longer."""
        return min(STOP_GRACE_S, max(HARD_STOP_GRACE_S, BUDGET_SLACK * self.settings.budget_s))

    def _save_clock(self, **extra) -> None:
        if time.monotonic() - self.clock_saved >= SAVE_CLOCK_S or extra:
            runs.write_status(self.dir, spent_s=round(self.spent(), 2), **extra)
            self.clock_saved = time.monotonic()

    def _save_running(self, **extra) -> None:
        """status.json's running trials: ``running_trials`` all of them, ``running_trial`` the
        lowest (or None), as the app read it when one trial ran at a time."""
        numbers = sorted(run.number for run in self.open)
        self._save_clock(running_trial=numbers[0] if numbers else None, running_trials=numbers,
                         **extra)

    # ---- the session ---------------------------------------------------------------------

    def run(self) -> tuple[str, str]:
        """(final state, message)."""
        left = self.deadline - time.monotonic()
        self.say(f"search directory: {self.dir}")
        self.say(f"budget: {left / 60:.2f} min left; {len(self.pool)} texts to train and "
                 f"validate on, {len(self.test)} held out to test the winner"
                 + (f"; up to {self.parallel} trials at once" if self.parallel > 1 else ""))
        for frozen in self._trials("RUNNING"):  # left open by a stopped search
            self._go_on_with(frozen)
        while True:
            stopping = runs.stop_requested(self.dir)
            self._look(budget_counts=not stopping)
            if stopping:  # the trials stay open, to go on when resumed
                self.stop_open()
                return self._stopped()
            while len(self.open) < self.parallel and self._may_start():
                self._start_trial()
            if not self.open:
                break
            self._save_clock()
            time.sleep(POLL_S)
        return self._test_winner()

    def _trials(self, *states: str) -> list:
        return [t for t in self.study.get_trials(deepcopy=False) if t.state.name in states]

    def _may_start(self) -> bool:
        """Whether another trial may start now: trials left to run, and time for an epoch."""
        if runs.stop_requested(self.dir):
            return False
        limit = self.settings.max_trials
        closed = len(self._trials("COMPLETE", "PRUNED", "FAIL"))
        if limit is not None and closed + len(self.open) >= limit:
            return False
        return self._epochs_that_fit() != 0

    def _epochs_that_fit(self) -> int | None:
        """Epochs the next trial may have: 0 when not even one fits the time left; None when
        nothing is measured yet (the trial is then measured as it runs)."""
        left = self.deadline - time.monotonic() - self.reserve()
        if left <= 0:
            return 0
        if not self.timings:
            return None
        return budget.epochs_that_fit(self.timings, left)

    def stop_open(self) -> None:
        """Stop every open trial's run; the trials stay open in the study."""
        self.stop_together([(run, STOP_GRACE_S) for run in self.open])
        self.open.clear()

    def stop_together(self, stops: list[tuple[_OpenTrial, float]]) -> None:
        """Stop trials' runs (each with its grace in seconds); the executor's stop waits for its
        run to end, so they are stopped in threads, and a slow one holds none of the others."""
        if len(stops) == 1:
            self.executor.stop(stops[0][0].run_dir, grace_s=stops[0][1])
        elif stops:
            with ThreadPoolExecutor(len(stops), thread_name_prefix="stop-trial") as pool:
                list(pool.map(lambda stop: self.executor.stop(stop[0].run_dir,
                                                              grace_s=stop[1]), stops))

    # ---- one trial -----------------------------------------------------------------------

    def _start_trial(self) -> None:
        """Ask the study for a trial and start its run, with the epochs that fit the budget."""
        fit = self._epochs_that_fit()
        trial = self.study.ask()
        params = self.settings.space.sample(trial)
        epochs = params["epochs"] if fit is None else min(params["epochs"], fit)
        config = apply_params(self.base, params)
        config = replace(config, train=replace(config.train, epochs=epochs))
        name = f"{Path(self.base.data.source).stem}-search-t{trial.number}"
        run_dir = create_run(config, self.pool, None, name=name)
        runs.write_status(run_dir, search=self.dir.name, search_trial=trial.number)
        trial.set_user_attr(RUN_ID, run_dir.name)
        if epochs < params["epochs"]:
            trial.set_user_attr(NOTE, f"{epochs} of {params['epochs']} epochs, to fit the budget")
        launched = time.time()
        self.executor.start(run_dir)
        self._open(trial, run_dir, params, launched, set())

    def _go_on_with(self, frozen) -> None:
        """Go on with a trial an earlier session left open: follow it while it still trains,
        resume its run from its last epoch, or give up on it and queue its settings again."""
        import optuna

        # Optuna has no public way back to a running trial; its own ask() builds one this way.
        trial = optuna.trial.Trial(self.study, frozen._trial_id)
        run_id = frozen.user_attrs.get(RUN_ID)
        try:
            run_dir = runs.resolve_run(run_id) if run_id else None
        except StudioError:
            run_dir = None
        status = self.executor.poll(run_dir) if run_dir else {"status": "failed"}
        launched = time.time()
        if status["status"] not in runs.ACTIVE_STATES and status["status"] != "finished":
            if run_dir is None or not resume_point(run_dir) or self._epochs_that_fit() == 0:
                self.study.tell(trial, state=optuna.trial.TrialState.FAIL)
                self.study.enqueue_trial(frozen.params)  # the same settings, as a new trial
                self.say(f"trial {frozen.number}: could not go on; its settings are queued again")
                return
            epoch = reopen_run(run_dir)
            self.say(f"trial {frozen.number}: resuming its run after epoch {epoch}")
            self.executor.start(run_dir)
        self._open(trial, run_dir, frozen.params, launched, set(frozen.intermediate_values))

    def _open(self, trial, run_dir: Path, params: dict, launched: float,
              reported: set[int]) -> None:
        planned = int(read_json(run_dir / runs.CONFIG_FILE)["train"]["epochs"])
        share_end = None
        if not self.timings:  # nothing measured yet: leave time for the trials after it
            now = time.monotonic()
            share_end = now + budget.FIRST_TRIAL_SHARE * (self.deadline - now)
        self.open.append(_OpenTrial(trial, run_dir, params, launched, reported, planned,
                                    share_end))
        self._save_running()

    def _look(self, *, budget_counts: bool) -> None:
        """Look at every open trial once: close those that ended, stop (together) and close
        those pruned or out of time; the budget is left out while the search is stopping."""
        found = [(run, self._check(run, budget_counts)) for run in list(self.open)]
        self.stop_together([(run, self._grace() if verdict == PAST_END else STOP_GRACE_S)
                            for run, verdict in found if verdict in (PRUNE, PAST_END, NO_ROOM)])
        for run, verdict in found:
            if verdict == PRUNE:
                self._close(run, "pruned", max(run.reported))
            elif verdict is not None:
                run.cut_by_budget = verdict in (PAST_END, NO_ROOM)
                self._ended(run)

    def _check(self, run: _OpenTrial, budget_counts: bool) -> str | None:
        """One look at a trial's run: its new epochs go to the pruner; says whether it ended,
        is pruned, or is to be stopped by the budget (None: it trains on)."""
        status = self.executor.poll(run.run_dir)
        events = read_events(run.run_dir)
        epochs = [e for e in events if e.get("event") == "epoch"]
        active = status["status"] in runs.ACTIVE_STATES
        if active and report_epochs(run.trial, epochs, run.reported, run.planned):
            return PRUNE
        if not active:
            return ENDED
        if not budget_counts:
            return None
        running = budget.measure(events, run.launched, time.time())
        hard_end = self.deadline - self.reserve(running)
        # The first trials' share is kept only once they have a whole epoch to count.
        end_by = hard_end if run.share_end is None or not epochs else min(hard_end,
                                                                          run.share_end)
        now = time.monotonic()
        done = epochs[-1]["epoch"] if epochs else 0
        # Past the limit, or the next epoch would end after it: stop now, at an epoch's end
        # when possible (the epoch just begun does not count).
        if now >= end_by:  # a job still starting answers a stop only at its first batch
            return PAST_END
        if (running is not None and done > run.seen and done < run.planned
                and now + running.seconds_per_epoch > end_by):
            return NO_ROOM
        run.seen = done
        return None

    def _ended(self, run: _OpenTrial) -> None:
        """Close a trial whose run has ended (or was stopped by the budget): finished when it
        has a best epoch to count, else failed."""
        report_epochs(run.trial, [e for e in read_events(run.run_dir)
                                  if e.get("event") == "epoch"], run.reported, run.planned)
        status = self.executor.poll(run.run_dir)
        ok = status["status"] in ("finished", "stopped") and status.get("best_val_accuracy") \
            is not None
        if ok and run.cut_by_budget and status["status"] == "stopped":
            epoch = int(status.get("epochs_done") or 0)
            runs.write_status(run.run_dir, message=f"Stopped by the search's time budget after "
                              f"epoch {epoch}; the best model so far is kept.")
            run.trial.set_user_attr(NOTE, f"cut by the budget after epoch {epoch}")
        self._close(run, "finished" if ok else "failed")

    def _record_timing(self, run: _OpenTrial) -> None:
        timing = budget.measure(read_events(run.run_dir), run.launched, time.time())
        if timing is not None:
            run.trial.set_user_attr(TIMING, timing.to_dict())
            self.timings.append(timing)

    def _close(self, run: _OpenTrial, outcome: str, epoch: int | None = None) -> None:
        """Tell the study how the trial ended and say so in one line."""
        from optuna.trial import TrialState

        trial = run.trial
        self._record_timing(run)
        status = runs.read_status(run.run_dir)
        if outcome == "pruned":
            runs.write_status(run.run_dir, message=(
                f"Pruned by the search after epoch {epoch}: its validation accuracy there was "
                "not among the best of the trials that got that far. The best model so far is "
                "kept."))
            trial.set_user_attr(NOTE, f"pruned after epoch {epoch}")
            self.study.tell(trial, state=TrialState.PRUNED)
        elif outcome == "finished":
            self.study.tell(trial, float(status["best_val_accuracy"]))
        else:
            trial.set_user_attr(NOTE, status.get("message", "")[:200])
            self.study.tell(trial, state=TrialState.FAIL)
        self.open.remove(run)
        score = status.get("best_val_accuracy")
        note = self.study.get_trials(deepcopy=False)[trial.number].user_attrs.get(NOTE)
        self.say(f"trial {trial.number}: {describe(run.params)} -> val "
                 f"{'-' if score is None else f'{score:.4f}'} ({note or outcome}), "
                 f"run {run.run_dir.name}")
        self._save_running(trials=len(self._trials("COMPLETE", "PRUNED", "FAIL")),
                           pruned=len(self._trials("PRUNED")))

    # ---- the end -------------------------------------------------------------------------

    def _stopped(self) -> tuple[str, str]:
        minutes = max(0.0, self.settings.budget_s - self.spent()) / 60
        done = len(self._trials("COMPLETE", "PRUNED", "FAIL"))
        return "stopped", (f"Stopped after {done} trial{'' if done == 1 else 's'}; resume to go "
                           f"on with the {minutes:.1f} min left.")

    def _test_winner(self) -> tuple[str, str]:
        """Test the trial with the best validation score, once, on the held-out texts."""
        winner = choose_winner(trial_rows(self.dir))
        if winner is None:  # said at once, without waiting for TensorFlow to load
            return "failed", ("No trial finished a whole epoch within the budget; give the "
                              "search more time.")
        run_dir = runs.resolve_run(winner.run_id)
        if read_metrics(run_dir) is None:  # tested already when a session ended right after it
            from lstm_core.training.evaluate import evaluate_held_out

            self.loading.join()
            self.say(evaluate_held_out(run_dir, self.test).summary())
        metrics = read_metrics(run_dir)
        config = read_json(run_dir / runs.CONFIG_FILE)
        result = {
            "search_dir": str(self.dir),
            "best_run_dir": str(run_dir),
            "best_trial": winner.number,
            "best_settings": {section: config[section] for section in SEARCHED_SECTIONS},
            "val_accuracy": winner.val_accuracy,
            "test_accuracy": metrics["accuracy"],
            "baseline_test_accuracy": metrics["baseline"]["accuracy"],
            "trials": len(self._trials("COMPLETE", "PRUNED", "FAIL")),
            "pruned": len(self._trials("PRUNED")),
            "wall_s": round(self.spent(), 2),
        }
        atomic_write_json(self.dir / RESULT_FILE, result)
        self.say(f"winner: trial {winner.number} ({winner.settings}), val "
                 f"{winner.val_accuracy:.4f}, test {metrics['accuracy']:.4f}")
        verdict = run_verdict(run_dir)
        if verdict is not None:
            self.say(f"verdict: {verdict.summary}")
        return "finished", (f"Trial {winner.number} won on validation ({winner.val_accuracy:.1%})"
                            f" and scored {metrics['accuracy']:.1%} on {metrics['examples']} "
                            "held-out texts.")
