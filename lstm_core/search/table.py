"""A search's trials as rows: settings, state, validation score, run; and the winner among them.

Read from the study and each trial's run directory, so the app, the command and a resumed
search all see the same table; the running trial's score is its run's best epoch so far.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from lstm_core.errors import StudioError
from lstm_core.search.space import describe
from lstm_core.search.study import read_trials
from lstm_core.store import runs
from lstm_core.store.events import read_events

# Optuna's trial states -> the table's; a RUNNING trial shows its run's state instead.
STATES = {"COMPLETE": "finished", "PRUNED": "pruned", "FAIL": "failed", "WAITING": "waiting"}
RUN_ID, NOTE = "run_id", "note"  # the trial's user attributes the search sets


@dataclass
class TrialRow:
    """One trial of a search.

    Attributes:
        state: waiting (enqueued), queued, running, finished, pruned, stopped (by a stopped
            search, to go on when it resumes), failed or interrupted.
        val_accuracy: its run's best epoch (by validation loss) so far; None before one.
        note: how it ended when that is not plain: cut by the budget, pruned after which epoch.
    """

    number: int
    state: str
    params: dict
    run_id: str | None = None
    val_accuracy: float | None = None
    val_loss: float | None = None
    epochs_done: int = 0
    epochs: int | None = None
    note: str = ""
    curve: list[float] = field(default_factory=list)  # validation accuracy per epoch reported

    @property
    def settings(self) -> str:
        return describe(self.params) if self.params else ""

    @property
    def counts(self) -> bool:
        """Whether it can win: it finished, or was cut by the budget after a whole epoch, and its
        run is still there to be tested."""
        return self.state == "finished" and self.val_accuracy is not None and bool(self.run_id)

    def to_dict(self) -> dict:
        return {**asdict(self), "settings": self.settings}


def trial_rows(search_dir: Path) -> list[TrialRow]:
    """Every trial of the search, by number."""
    rows = []
    for trial in read_trials(search_dir):
        state = trial.state.name
        # An enqueued trial (the suggestion) holds its settings apart until it starts.
        params = trial.params or trial.system_attrs.get("fixed_params", {})
        row = TrialRow(number=trial.number, state=STATES.get(state, "running"),
                       params=dict(params), run_id=trial.user_attrs.get(RUN_ID),
                       note=trial.user_attrs.get(NOTE, ""),
                       curve=[trial.intermediate_values[k]
                              for k in sorted(trial.intermediate_values)])
        status = _run_status(row.run_id)
        if status is None and row.run_id:  # deleted from the Runs page since: it cannot win
            row.run_id, row.note = None, "its run was deleted"
        if status is not None:
            row.val_accuracy = status.get("best_val_accuracy")
            row.val_loss = status.get("best_val_loss")
            row.epochs_done = int(status.get("epochs_done") or 0)
            row.epochs = status.get("epochs")
            if state == "RUNNING":
                row.state = status["status"]
        elif trial.value is not None:
            row.val_accuracy = trial.value
        rows.append(row)
    return rows


def _run_status(run_id: str | None) -> dict | None:
    if not run_id:
        return None
    try:
        return runs.read_status(runs.resolve_run(run_id))
    except StudioError:  # deleted from the Runs page since
        return None


def choose_winner(rows: list[TrialRow]) -> TrialRow | None:
    """The finished trial with the best validation accuracy; ties go to the lower validation
    loss, then to the earlier trial. None if no trial finished."""
    finished = [row for row in rows if row.counts]
    if not finished:
        return None
    return min(finished, key=lambda r: (-r.val_accuracy, r.val_loss if r.val_loss is not None
                                        else float("inf"), r.number))


def trials_frame(rows: list[TrialRow]) -> pd.DataFrame:
    """The table the app shows: one row per trial, newest first."""
    return pd.DataFrame([{
        "trial": row.number, "state": row.state, "settings": row.settings,
        "val accuracy": row.val_accuracy,
        "epochs": f"{row.epochs_done}/{row.epochs}" if row.epochs else "",
        "note": row.note, "run": row.run_id or "",
    } for row in reversed(rows)], columns=["trial", "state", "settings", "val accuracy",
                                           "epochs", "note", "run"])


def trial_events(rows: list[TrialRow]) -> dict[str, list[dict]]:
    """Each trial's events.jsonl records, by a legend name such as "trial 3 (pruned)", for
    ``figures.curves.overlay_curves``; trials without a run are left out."""
    curves = {}
    for row in rows:
        if not row.run_id:
            continue
        try:
            run_dir = runs.resolve_run(row.run_id)
        except StudioError:
            continue
        curves[f"trial {row.number} ({row.state})"] = read_events(run_dir)
    return curves
