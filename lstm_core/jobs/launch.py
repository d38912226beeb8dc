"""From a chosen data set to a running job, as the app's Train page and Home button do it."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from pathlib import Path

from lstm_core.config import RunConfig
from lstm_core.data.check import DataReport, check_examples, suggest_settings
from lstm_core.data.datasets import (
    SELECTION_FILE,
    dataset_dir,
    dataset_examples,
    load_selection,
    source_path,
)
from lstm_core.data.sources import Examples
from lstm_core.fileio import file_stamp, safe_name
from lstm_core.jobs.process import start_job
from lstm_core.store.runs import ACTIVE_STATES, clean_author, list_runs
from lstm_core.training.train import create_run, reopen_run

REPEAT_WINDOW_S = 10.0


# A data set's examples and suggested settings, by the versions of the files they come from:
# a click on Train does not read and check the same data again (the click's first live point
# waits for it).
_PREPARED: dict[tuple, tuple[Examples, RunConfig, DataReport]] = {}


def _prepared(dataset_id: str) -> tuple[Examples, RunConfig, DataReport]:
    selection, source = dataset_dir(dataset_id) / SELECTION_FILE, source_path(dataset_id)
    stamp = (str(selection), file_stamp(selection), source, file_stamp(Path(source)))
    if stamp not in _PREPARED:
        examples = dataset_examples(dataset_id)
        _PREPARED.clear()  # one data set at a time: the one being trained now
        _PREPARED[stamp] = (examples, *_suggest(dataset_id, examples))
    return _PREPARED[stamp]


def suggested_config(dataset_id: str) -> tuple[RunConfig, DataReport]:
    """The settings the app proposes for a data set: defaults overlaid with the data check's."""
    _, config, report = _prepared(dataset_id)
    return config, copy.deepcopy(report)


def _suggest(dataset_id: str, examples: Examples) -> tuple[RunConfig, DataReport]:
    selection = load_selection(dataset_id)
    report = check_examples(examples.frame, selection.text_config,
                            test_examples=examples.test_frame, dropped=examples.dropped,
                            rows_total=examples.rows_total, encoding=examples.encoding)
    sections = suggest_settings(report)
    sections["text"] = {**selection.text, **sections["text"]}
    sections["data"] = {
        "source": selection.source, "text_col": examples.text_col,
        "label_col": examples.label_col, "rating_threshold": selection.rating_threshold,
        "encoding": examples.encoding.name if examples.encoding else None,
    }
    if examples.test_frame is not None:
        sections["data"]["test_split"] = 0.0
    return RunConfig.from_dict(sections), report


def launch(dataset_id: str, config: RunConfig, author: str | None = None,
           owner: str | None = None) -> Path:
    """Write a new run for ``dataset_id`` with ``config`` and start its training process.

    A second click on Train (or a second tab sending the same request) within
    ``REPEAT_WINDOW_S`` gets the run the first one started, not a twin that would queue behind it;
    two people who ask for the same settings at once each get a run of their own. ``owner``
    is the starting session's tag (``store.access.owner_tag``), which may stop and delete it.
    """
    author = clean_author(author)
    twin = _recent_twin(dataset_id, config, author, owner)
    if twin is not None:
        return twin
    examples, _, _ = _prepared(dataset_id)
    run_dir = create_run(config, examples.frame, examples.test_frame, name=dataset_id,
                         author=author, owner=owner)
    start_job(run_dir)
    return run_dir


def _recent_twin(dataset_id: str, config: RunConfig, author: str | None,
                 owner: str | None) -> Path | None:
    settings = config.to_dict()
    now = datetime.now(UTC)
    for summary in list_runs():
        if (summary.status in ACTIVE_STATES and safe_name(dataset_id) in summary.run_id
                and summary.config == settings
                and (summary.author, summary.owner) == (author, owner) and summary.created
                and (now - datetime.fromisoformat(summary.created)).total_seconds()
                < REPEAT_WINDOW_S):
            return summary.path
    return None


DEMO = "demo-en"


def prepare_demo() -> str:
    """Read and check the demo data ahead of the click (the Home page calls it as it shows the
    button), so the click only writes the run; returns the demo's data set id."""
    from lstm_core.data.datasets import save_builtin

    dataset_id = save_builtin(DEMO)
    _prepared(dataset_id)
    return dataset_id


def launch_demo() -> Path:
    """The Home page's one-click run: English demo data, suggested settings."""
    dataset_id = prepare_demo()
    config, _ = suggested_config(dataset_id)
    return launch(dataset_id, config)


def resume(run_dir: Path) -> int:
    """Start a stopped, failed or interrupted run's process again; returns the epoch it goes on
    from (see ``train.reopen_run``)."""
    epoch = reopen_run(run_dir)
    start_job(run_dir)
    return epoch
