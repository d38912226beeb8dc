"""A new run directory: its settings, its examples split into train/val/test, status "queued"."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from lstm_core.config import RunConfig
from lstm_core.errors import StudioError
from lstm_core.fileio import atomic_write_json
from lstm_core.store import runs
from lstm_core.store.testset import split_fingerprint
from lstm_core.training.split import split_examples


def create_run(
    config: RunConfig,
    examples: pd.DataFrame,
    test_examples: pd.DataFrame | None = None,
    *,
    run_dir: Path | None = None,
    name: str | None = None,
    author: str | None = None,
    owner: str | None = None,
) -> Path:
    """Write a new run directory, ready for ``train_run``.

    Args:
        config: the run's settings; saved as config.json.
        examples: columns text, label (see ``data.read.to_examples``); split into
            train/val/test here.
        test_examples: a separate test set; then nothing of ``examples`` is held out for test.
        run_dir: where to write; must be empty or absent. Default: a new directory in the store.
        name: part of the default directory name.
        author: who trains it, as the Class page shows them (``runs.clean_author``).
        owner: the tag of the browser session that started it (``store.access.owner_tag``).

    Returns:
        The run directory.
    """
    author = runs.clean_author(author)
    if run_dir is None:
        run_dir = runs.new_run_dir(name or config.data.source)
    else:
        run_dir = Path(run_dir)
        if run_dir.exists() and any(run_dir.iterdir()):
            raise StudioError(f"{run_dir} is not empty; choose a new directory for this run.")
        run_dir.mkdir(parents=True, exist_ok=True)
    test_split = 0.0 if test_examples is not None else config.data.test_split
    frame = examples[["text", "label"]].copy()
    frame["split"] = split_examples(frame["label"], config.data.val_split, test_split,
                                    config.data.split_seed)
    if test_examples is not None:
        unseen = sorted(set(test_examples["label"]) - set(frame["label"]))
        if unseen:
            raise StudioError(
                f"The test data has labels the training data lacks: {unseen}. Use the same label "
                "column and threshold for both files."
            )
        test = test_examples[["text", "label"]].assign(split="test")
        frame = pd.concat([frame, test], ignore_index=True)
    frame.to_parquet(run_dir / runs.DATA_FILE, index=False)
    atomic_write_json(run_dir / runs.CONFIG_FILE, config.to_dict())
    runs.write_status(run_dir, status="queued", message="", created=runs.now_iso(),
                      epochs=config.train.epochs, epochs_done=0, author=author, owner=owner,
                      test_set=split_fingerprint(frame))
    return run_dir
