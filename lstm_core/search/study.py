"""The Optuna study behind a search: its journal file, sampler and pruner, and the pruning step.

The study lives in the search directory as an Optuna journal (``JournalStorage`` over a
``JournalFileBackend``), a file of appended operations that a stopped search reopens as it was,
and that the app reads while the search writes it. Optuna is imported only here, when called.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import optuna

STUDY_FILE = "study.journal"
STUDY_NAME = "search"
# Successive halving at epochs 1, 3, 9...: a trial goes on past such an epoch only while its
# validation accuracy there is in the best third of the trials that reached it (the first trials:
# the best so far). Replayed real curves favoured it over the median pruner and over no pruning
# (bench/search_pruners.py, docs/search.md).
PRUNE_MIN_EPOCHS = 1
PRUNE_REDUCTION = 3


def _storage(search_dir: Path):
    import optuna
    from optuna.storages.journal import JournalFileBackend, JournalFileOpenLock

    path = str(Path(search_dir) / STUDY_FILE)
    # The open-file lock works wherever a file can be created exclusively (Windows included),
    # unlike the default symlink lock.
    return optuna.storages.JournalStorage(JournalFileBackend(path, JournalFileOpenLock(path)))


def open_study(search_dir: Path, seed: int, *, create: bool = False) -> optuna.Study:
    """The search's study, with a seeded TPE sampler (constant liar: several trials may be open
    at once) and the successive-halving pruner.

    The sampler's seed is ``seed`` plus the trials the study already holds: the same search
    proposes the same settings, and a resumed one does not propose again those its earlier
    session's sampler began with.

    Args:
        search_dir: where the journal file is (or will be, with ``create``).
        seed: the search's seed.
        create: make the study; otherwise it must exist.
    """
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)  # the search reports each trial itself
    options = {
        "study_name": STUDY_NAME, "storage": _storage(search_dir),
        "pruner": optuna.pruners.SuccessiveHalvingPruner(min_resource=PRUNE_MIN_EPOCHS,
                                                         reduction_factor=PRUNE_REDUCTION),
    }
    if create:
        study = optuna.create_study(direction="maximize", **options)
    else:
        study = optuna.load_study(**options)
    # The constant liar counts trials still training as poor, so trials asked for while others
    # run are not proposed next to them.
    study.sampler = optuna.samplers.TPESampler(seed=seed + len(study.get_trials(deepcopy=False)),
                                               constant_liar=True)
    return study


def read_trials(search_dir: Path) -> list[optuna.trial.FrozenTrial]:
    """The study's trials, oldest first, read without a sampler (for tables and figures)."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    if not (Path(search_dir) / STUDY_FILE).is_file():
        return []
    study = optuna.load_study(study_name=STUDY_NAME, storage=_storage(search_dir))
    return study.get_trials(deepcopy=False)


def report_epochs(trial: optuna.Trial, epochs: list[dict], reported: set[int],
                  last_epoch: int) -> bool:
    """Report each new epoch's validation accuracy to ``trial``; True once it should be pruned.

    Each epoch is judged as it is reported, so the pruner sees every one of them, even when
    several ended since the last look.

    Args:
        trial: the running trial.
        epochs: the run's ``epoch`` events so far (``store.events.read_events``), oldest first.
        reported: the epochs already reported; the new ones are added.
        last_epoch: the epochs the run plans; its last one is never pruned (it has finished).
    """
    for event in epochs:
        epoch = int(event["epoch"])
        if epoch in reported or event.get("val_accuracy") is None:
            continue
        trial.report(float(event["val_accuracy"]), step=epoch)
        reported.add(epoch)
        if epoch < last_epoch and trial.should_prune():
            return True
    return False
