"""A search directory: ``<runs root>/.searches/<id>/``, the only record of a settings search.

It holds ``search.json`` (the suggestion the trials start from, the search space, the budget),
``examples.parquet`` (the examples, with the texts held out for the winner's test marked
"test"), ``study.journal`` (the Optuna study), ``status.json`` (queued | running | stopped |
finished | failed | interrupted, as a run's, written the same atomic way),
``result.json`` once the winner is tested, ``STOP`` when a stop was asked for and
``worker.log``. Each trial is an ordinary run directory in the store, tagged in its status.json
with the search's id (``search``) and its trial number (``search_trial``).
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from lstm_core.config import RunConfig
from lstm_core.errors import StudioError
from lstm_core.fileio import atomic_write_bytes, atomic_write_json, read_json, safe_name
from lstm_core.search.space import SearchSpace, params_of
from lstm_core.search.study import open_study
from lstm_core.store import runs
from lstm_core.training.split import split_examples

SEARCHES_DIR = ".searches"
SETTINGS_FILE = "search.json"
EXAMPLES_FILE = "examples.parquet"
RESULT_FILE = "result.json"
POOL, HELD_OUT = "search", "test"  # examples.parquet's split column
ORPHAN_MESSAGE = ("The search process ended without saying why (killed, out of memory, or the "
                  "machine restarted). Resume it to go on with the time left.")


@dataclass(frozen=True)
class SearchSettings:
    """What a search was asked to do.

    Attributes:
        base: the settings every trial starts from (the data check's suggestion); its data
            section names the file, columns, encoding, seed and the test share or test file.
        space: the settings the search varies and their values.
        budget_s: the wall-clock time the whole search may take, the winner's test included.
        max_trials: stop after this many trials, even with time left; None: the budget decides.
        dataset: the app's data set id, when the app started the search.
        parallel: trials training at once; None: as many as the trial executor can
            (``TrialExecutor.capacity``). Searches saved before it have None.
    """

    base: RunConfig
    space: SearchSpace
    budget_s: float
    max_trials: int | None = None
    dataset: str | None = None
    parallel: int | None = None

    def __post_init__(self) -> None:
        if not (isinstance(self.budget_s, (int, float)) and math.isfinite(self.budget_s)
                and self.budget_s > 0):
            raise StudioError(f"budget must be a number of minutes above 0, such as 10 or 0.5; "
                              f"got {self.budget_s!r} s.")
        for name in ("max_trials", "parallel"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                      or value < 1):
                raise StudioError(f"{name} must be a whole number of at least 1; got {value!r}.")

    @property
    def seed(self) -> int:
        return self.base.train.seed

    def trial_base(self) -> RunConfig:
        """``base`` as trials train it: no test split and no test file (they never see them)."""
        return replace(self.base, data=replace(self.base.data, test_split=0.0, test_data=None))

    def to_dict(self) -> dict:
        return {"base": self.base.to_dict(), "space": self.space.to_dict(),
                "budget_s": self.budget_s, "max_trials": self.max_trials,
                "dataset": self.dataset, "parallel": self.parallel}

    @classmethod
    def from_dict(cls, data: dict) -> SearchSettings:
        try:
            return cls(base=RunConfig.from_dict(data["base"]),
                       space=SearchSpace.from_dict(data["space"]), budget_s=data["budget_s"],
                       max_trials=data.get("max_trials"), dataset=data.get("dataset"),
                       parallel=data.get("parallel"))
        except (KeyError, TypeError) as exc:
            raise StudioError(f"search.json is damaged ({exc}).") from None


def searches_root() -> Path:
    root = runs.runs_root() / SEARCHES_DIR
    root.mkdir(exist_ok=True)
    return root


def resolve_search(search_id: str) -> Path:
    """The directory of search ``search_id``; ids that would leave the searches folder are
    refused."""
    root = searches_root().resolve()
    if not search_id or safe_name(search_id, default="") != search_id:
        raise StudioError(f"{search_id!r} is not a valid search id; ids use letters, digits, "
                          "'.', '_' and '-'.")
    path = (root / search_id).resolve()
    if path.parent != root or not (path / SETTINGS_FILE).is_file():
        raise StudioError(f"There is no search {search_id!r} in {root}.")
    return path


def find_search(spec: str | Path) -> Path:
    """The search a person named on the command line: its directory, or its id."""
    path = Path(spec).expanduser()
    if path.is_dir():
        if not (path / SETTINGS_FILE).is_file():
            raise StudioError(f"{spec} is not a search directory (it has no {SETTINGS_FILE}).")
        return path.resolve()
    if len(path.parts) > 1 or path.exists():
        raise StudioError(f"{spec} is not a search directory. Give the directory a search "
                          "printed, or its id.")
    return resolve_search(str(spec))


def create_search(settings: SearchSettings, examples: pd.DataFrame,
                  test_examples: pd.DataFrame | None = None, *, name: str | None = None) -> Path:
    """Write a new search directory, ready for ``runner.run_search``.

    The texts the winner is tested on are held out here, once: ``test_examples`` when given,
    else a stratified share (the base's ``test_split``, split with its seed, as a run would).
    The study is created with the base settings enqueued as its first trial.

    Args:
        settings: what to search; ``base`` must fit inside ``space``.
        examples: columns text, label.
        test_examples: a separate test set (columns text, label).
        name: part of the directory name; default the base's data source.

    Raises:
        StudioError: nothing to test on, a class too small to split, a test label the examples
            lack, or base settings outside the space.
    """
    base = settings.base
    frame = examples[["text", "label"]].reset_index(drop=True)
    if test_examples is not None:
        unseen = sorted(set(test_examples["label"]) - set(frame["label"]))
        if unseen:
            raise StudioError(f"The test data has labels the training data lacks: {unseen}. Use "
                              "the same label column and threshold for both files.")
        pool, test = frame, test_examples[["text", "label"]].reset_index(drop=True)
    elif base.data.test_split > 0:
        split = split_examples(frame["label"], base.data.val_split, base.data.test_split,
                               base.data.split_seed)
        pool, test = frame[split != "test"], frame[split == "test"]
    else:
        raise StudioError("A search tests its winner on texts no trial has seen: set a test "
                          "share above 0 or give a test file.")
    # Fails when a class has too few texts left to split.
    split_examples(pool["label"], base.data.val_split, 0.0, base.data.split_seed)
    _check_inside(settings)

    search_dir = runs.new_run_dir(name or Path(base.data.source).stem, root=searches_root())
    buffer = io.BytesIO()
    pd.concat([pool.assign(split=POOL), test.assign(split=HELD_OUT)],
              ignore_index=True).to_parquet(buffer, index=False)
    atomic_write_bytes(search_dir / EXAMPLES_FILE, buffer.getvalue())
    atomic_write_json(search_dir / SETTINGS_FILE, settings.to_dict())
    runs.write_status(search_dir, status="queued", message="", created=runs.now_iso(),
                      budget_s=settings.budget_s, spent_s=0.0)
    study = open_study(search_dir, settings.seed, create=True)
    study.enqueue_trial(params_of(base))  # trial 0: the suggestion itself
    return search_dir


def _check_inside(settings: SearchSettings) -> None:
    space = settings.space
    for name, value in params_of(settings.base).items():
        values = getattr(space, name)
        inside = (values[0] <= value <= values[1] if name in ("dropout", "learning_rate",
                                                               "epochs") else value in values)
        if not inside:
            raise StudioError(f"The base setting {name}={value!r} is outside the search space "
                              f"({list(values)}); widen the space with SearchSpace.around.")


def read_settings(search_dir: Path) -> SearchSettings:
    return SearchSettings.from_dict(read_json(Path(search_dir) / SETTINGS_FILE))


def read_examples(search_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the examples trials split into train and validation, the held-out test texts)."""
    frame = pd.read_parquet(Path(search_dir) / EXAMPLES_FILE)
    pool = frame[frame["split"] == POOL][["text", "label"]].reset_index(drop=True)
    test = frame[frame["split"] == HELD_OUT][["text", "label"]].reset_index(drop=True)
    return pool, test


def read_search_status(search_dir: Path) -> dict:
    """status.json, with a search whose process has died marked ``interrupted``."""
    return runs.read_status(search_dir, orphan_message=ORPHAN_MESSAGE)


def read_result(search_dir: Path) -> dict | None:
    """result.json (the command's JSON line), or None before the winner is tested."""
    path = Path(search_dir) / RESULT_FILE
    return read_json(path) if path.is_file() else None


def request_search_stop(search_dir: Path) -> None:
    """Ask a search to stop: it stops its running trials and ends "stopped", resumable."""
    atomic_write_bytes(Path(search_dir) / runs.STOP_FILE, b"stop requested\n")


def reopen_search(search_dir: Path) -> float:
    """Queue a stopped, failed or interrupted search again; returns the seconds it has left.

    Raises:
        StudioError: the search is queued, running or finished.
    """
    search_dir = Path(search_dir)
    status = read_search_status(search_dir)
    if status["status"] not in runs.RESUMABLE_STATES:
        raise StudioError(f"Search {search_dir.name} is {status['status']}; only a stopped, "
                          "failed or interrupted search can be resumed.")
    (search_dir / runs.STOP_FILE).unlink(missing_ok=True)
    runs.write_status(search_dir, status="queued", ended=None, pid=None, pid_created=None,
                      message="Resuming.")
    return max(0.0, read_settings(search_dir).budget_s - float(status.get("spent_s") or 0.0))


def resumable(search_dir: Path) -> bool:
    return read_search_status(search_dir)["status"] in runs.RESUMABLE_STATES
