"""From the app's chosen data set to a search running in a process of its own."""

from __future__ import annotations

from pathlib import Path

from lstm_core.jobs.launch import suggested_config
from lstm_core.jobs.process import start_detached
from lstm_core.search.directory import SearchSettings, create_search, reopen_search
from lstm_core.search.space import SearchSpace
from lstm_core.store.runs import write_status

WORKER = "lstm_core.search.worker"


def launch_search(dataset_id: str, budget_min: float, owner: str | None = None) -> Path:
    """Search settings for ``dataset_id`` for ``budget_min`` minutes, starting from the settings
    the Train page suggests; returns the search directory at once. ``owner`` is the starting
    session's tag (``store.access.owner_tag``), which may stop and resume it, as with runs."""
    from lstm_core.data.datasets import dataset_examples

    base, _ = suggested_config(dataset_id)
    settings = SearchSettings(base=base, space=SearchSpace.around(base),
                              budget_s=budget_min * 60, dataset=dataset_id)
    examples = dataset_examples(dataset_id)
    search_dir = create_search(settings, examples.frame, examples.test_frame, name=dataset_id)
    if owner is not None:
        write_status(search_dir, owner=owner)
    start_detached(WORKER, search_dir)
    return search_dir


def resume_search(search_dir: Path) -> float:
    """Start a stopped, failed or interrupted search's process again; returns its seconds left."""
    left = reopen_search(search_dir)
    start_detached(WORKER, search_dir)
    return left

