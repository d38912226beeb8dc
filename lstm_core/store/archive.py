"""A run as one download, and several runs' settings side by side.

``run_archive`` packs what is needed to use or audit a run elsewhere (model, vocabulary, config,
baseline, metrics, predictions, the training log, the final status, the snapshots) into one zip,
built in memory. ``hyperparameter_table`` lines up the config.json of several runs, one column
per run.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from lstm_core.errors import StudioError
from lstm_core.store.runs import (
    ACTIVE_STATES,
    BASELINE_FILE,
    CONFIG_FILE,
    EVENTS_FILE,
    METRICS_FILE,
    MODEL_FILE,
    PREDICTIONS_FILE,
    STATUS_FILE,
    VOCAB_FILE,
    RunSummary,
    read_status,
)
from lstm_core.store.snapshots import snapshot_file, snapshot_steps

# What a download holds, in this order; data.parquet (the user's own texts) is left out.
ARCHIVE_FILES = (CONFIG_FILE, VOCAB_FILE, MODEL_FILE, BASELINE_FILE, METRICS_FILE,
                 PREDICTIONS_FILE, EVENTS_FILE, STATUS_FILE)


def run_archive(run_dir: Path) -> bytes:
    """The run's files as a zip, all under a folder named after the run id.

    Only the files of ``ARCHIVE_FILES`` that exist are packed, so a run stopped before testing
    gives a zip without metrics.json and predictions.csv; then the snapshots, stored as they are
    (weights hardly compress).

    Args:
        run_dir: the run directory.

    Returns:
        The zip file's bytes.

    Raises:
        StudioError: if ``run_dir`` is not a run directory, or the run is still queued or
            running (its model and logs are still being written).

    Example:
        >>> Path("run.zip").write_bytes(run_archive(resolve_run("20260101-000000-demo-en")))
    """
    run_dir = Path(run_dir)
    if not (run_dir / CONFIG_FILE).is_file():
        raise StudioError(f"{run_dir} is not a run directory (it has no {CONFIG_FILE}).")
    try:
        state = read_status(run_dir).get("status")
    except StudioError:
        state = "broken"  # no readable status: pack what there is
    if state in ACTIVE_STATES:
        raise StudioError(f"Run {run_dir.name} is {state}; its files are still being written. "
                          "Download it once it has ended, or stop it first.")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in ARCHIVE_FILES:
            path = run_dir / name
            if path.is_file():
                archive.write(path, f"{run_dir.name}/{name}")
        for step in snapshot_steps(run_dir):
            path = snapshot_file(run_dir, step)
            archive.write(path, f"{run_dir.name}/{path.relative_to(run_dir).as_posix()}",
                          compress_type=zipfile.ZIP_STORED)
    return buffer.getvalue()


def _flatten(config: dict) -> dict[str, object]:
    """``{"model": {"units": 8}}`` as ``{"model.units": 8}``; top-level values keep their name."""
    flat = {}
    for section, values in config.items():
        if isinstance(values, dict):
            flat.update({f"{section}.{name}": value for name, value in values.items()})
        else:
            flat[section] = values
    return flat


def hyperparameter_table(summaries: Sequence[RunSummary]) -> pd.DataFrame:
    """Every setting of the runs side by side: one row per setting, one column per run.

    Rows are named ``section.field`` (``model.units``) in config.json's order; a setting a run
    lacks (an older config, or a broken run) is None in its column.

    Args:
        summaries: the runs, as ``list_runs`` gives them; columns follow this order.

    Returns:
        A DataFrame indexed by setting (index name "setting"), columns named by run id, values
        as in config.json (mixed types: object dtype).

    Example:
        >>> table = hyperparameter_table(list_runs()[:2])
        >>> table.loc[differing_rows(table)]
    """
    flat = {s.run_id: _flatten(s.config or {}) for s in summaries}
    settings: dict[str, None] = {}
    for values in flat.values():
        settings.update(dict.fromkeys(values))
    return pd.DataFrame({run_id: [values.get(name) for name in settings]
                         for run_id, values in flat.items()},
                        index=pd.Index(list(settings), name="setting"), dtype=object)


def differing_rows(table: pd.DataFrame) -> pd.Series:
    """Per setting of ``hyperparameter_table``, True where the runs do not all agree.

    ``1`` and ``1.0`` agree; ``True`` and ``1`` do not; a missing value differs from any value.
    """
    return pd.Series([len({_comparable(value) for value in row}) > 1
                      for row in table.itertuples(index=False)], index=table.index, dtype=bool)


def _comparable(value) -> tuple:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return ("number", float(value))
    return (type(value).__name__, repr(value))


def format_setting(value) -> str:
    """A setting's value in words for a table: yes/no, a dash for none, numbers as written."""
    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
