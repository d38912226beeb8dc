"""Keras callbacks that make a training process talk through its run directory.

``Validation`` scores the validation texts at each epoch's end, ``EventLog`` appends metrics to
events.jsonl (flushed each line, as Keras' CSVLogger does), ``RunGuard`` honours a stop request
and a NaN loss within one batch, ``EpochBackup`` keeps what a resumed run needs, ``Snapshots``
keeps the weights at points through training, and ``BestModelKeeper`` saves the model with the
lowest validation loss so far, atomically.
"""

from __future__ import annotations

import json
import math
import os
import time
from pathlib import Path

import keras
import numpy as np

from lstm_core.store.snapshots import forget_after, plan_snapshots, snapshot_arrays, snapshot_file

EPSILON = 1e-7  # Keras clips probabilities to [EPSILON, 1 - EPSILON] before the log


def _number(value) -> float | None:
    """A finite float, or None (JSON has no NaN; a missing value is written as null)."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


class Validation(keras.callbacks.Callback):
    """Puts ``val_loss`` and ``val_accuracy`` in each epoch's logs, for the callbacks after it.

    What ``fit(validation_data=...)`` reports, from the compiled forward pass that also scores the
    test texts afterwards: Keras would trace a separate test step for validation and open an
    iterator on the data every epoch, which a short run feels. Place it before every callback
    that reads the validation figures.

    Args:
        batches: (ids, labels, sample_weights) of each validation batch, ids padded.
        forward: ``batching.compile_forward(model)`` of the model being trained.
    """

    def __init__(self, batches: list[tuple[np.ndarray, np.ndarray, np.ndarray]], forward) -> None:
        super().__init__()
        self.ids = [ids for ids, _, _ in batches]
        self.labels = np.concatenate([labels for _, labels, _ in batches]) if batches else None
        self.weights = np.concatenate([weights for _, _, weights in batches]) if batches else None
        self.forward = forward

    def on_epoch_end(self, epoch, logs=None):
        if logs is None or not self.ids:
            return
        probabilities = np.concatenate([self.forward(ids) for ids in self.ids])
        logs.update(validation_scores(probabilities, self.labels, self.weights))


def validation_scores(probabilities: np.ndarray, labels: np.ndarray,
                      weights: np.ndarray) -> dict[str, float]:
    """Keras' ``val_loss`` and ``val_accuracy`` for a softmax output and sample weights.

    The loss is the weighted crossentropy summed and divided by the number of texts (Keras'
    "sum over batch size"); the accuracy counts every text once, as ``compile(metrics=...)``
    does (only ``weighted_metrics`` take the weights).
    """
    picked = np.clip(probabilities[np.arange(len(labels)), labels], EPSILON, 1 - EPSILON)
    clipped = np.clip(probabilities, EPSILON, 1 - EPSILON).sum(axis=1)
    crossentropy = np.log(clipped) - np.log(picked)  # Keras renormalizes the clipped output
    correct = (probabilities.argmax(axis=1) == labels).astype("float64")
    return {
        "val_loss": float(np.sum(weights * crossentropy) / len(labels)),
        "val_accuracy": float(correct.mean()),
    }


class EventLog(keras.callbacks.Callback):
    """Writes one JSON line every ``log_every`` batches and one per epoch.

    Batch lines carry the running mean loss and accuracy of the epoch so far (what Keras reports).
    A resumed run appends a new ``start`` line with ``initial_epoch``: readers drop what the
    earlier attempt logged after that epoch (see ``events.read_events``).
    """

    def __init__(self, path: Path, *, batch_size: int, batches_per_epoch: int, log_every: int,
                 epochs: int, train_samples: int, device: str, initial_epoch: int = 0) -> None:
        super().__init__()
        self.path = Path(path)
        self.batch_size = batch_size
        self.batches_per_epoch = batches_per_epoch
        self.log_every = log_every
        self.epochs = epochs
        self.train_samples = train_samples
        self.device = device
        self.initial_epoch = initial_epoch
        self._started = 0.0
        self._epoch_started = 0.0
        self._epoch_train_seconds = 0.0
        self._epoch = 0
        self._batches_done = 0
        self._step = 0

    def write(self, event: str, **fields) -> None:
        # Opened per line: nothing stays open when fit() raises (on_train_end is then skipped),
        # and each line reaches the file before the app's next read.
        record = {"event": event, "time": time.time(), **fields}
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record, allow_nan=False) + "\n")

    def on_train_begin(self, logs=None):
        self._started = time.perf_counter()
        self.write("start", epochs=self.epochs, batches_per_epoch=self.batches_per_epoch,
                   batch_size=self.batch_size, train_samples=self.train_samples, device=self.device,
                   initial_epoch=self.initial_epoch)

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_started = time.perf_counter()
        self._epoch = epoch + 1
        self._batches_done = 0

    def on_train_batch_end(self, batch, logs=None):
        self._step += 1
        self._batches_done = done = batch + 1
        self._epoch_train_seconds = time.perf_counter() - self._epoch_started
        # The run's very first batch is logged so a live curve starts at once; later epochs
        # start logging after log_every batches, when their running mean has settled.
        first = self._step == 1
        if done % self.log_every and done != self.batches_per_epoch and not first:
            return
        logs = logs or {}
        self.write(
            "batch",
            epoch=self._epoch,
            batch=done,
            step=self._step,
            loss=_number(logs.get("loss")),
            accuracy=_number(logs.get("accuracy")),
            samples_per_s=self._rate(min(done * self.batch_size, self.train_samples)),
            elapsed=time.perf_counter() - self._started,
        )

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        self.write(
            "epoch",
            epoch=epoch + 1,
            batches=self._batches_done,  # fewer than batches_per_epoch: stopped mid-epoch
            loss=_number(logs.get("loss")),
            accuracy=_number(logs.get("accuracy")),
            val_loss=_number(logs.get("val_loss")),
            val_accuracy=_number(logs.get("val_accuracy")),
            samples_per_s=self._rate(
                min(self._batches_done * self.batch_size, self.train_samples)
            ),
            elapsed=time.perf_counter() - self._started,
        )

    def _rate(self, samples: int) -> float | None:
        return _number(samples / self._epoch_train_seconds) if self._epoch_train_seconds else None


class RunGuard(keras.callbacks.Callback):
    """Stops training after the current batch when STOP appears in the run dir or the loss is NaN.

    ``reason`` tells the caller why it stopped: None, "stopped" or "nan".
    """

    def __init__(self, stop_file: Path) -> None:
        super().__init__()
        self.stop_file = Path(stop_file)
        self.reason: str | None = None
        self.where = ""
        self._epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch + 1

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            self.reason, self.where = "nan", f"epoch {self._epoch}, batch {batch + 1}"
        elif os.path.exists(self.stop_file):
            self.reason, self.where = "stopped", f"epoch {self._epoch}, batch {batch + 1}"
        if self.reason:
            self.model.stop_training = True


class _WholeEpochs(keras.callbacks.Callback):
    """Counts the batches of the epoch under way: a stop cuts an epoch short, and only a whole
    one is worth keeping."""

    def __init__(self) -> None:
        super().__init__()
        self._batches = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._batches = 0

    def on_train_batch_end(self, batch, logs=None):
        self._batches = batch + 1

    def epoch_was_whole(self) -> bool:
        return self._batches >= self.params["steps"]


class EpochBackup(_WholeEpochs):
    """After each whole epoch: the weights, the dropout seeds, the optimizer's state and the epoch
    count, in one file, so a resumed run learns what an uninterrupted one would have (test).

    What a stopped, failed or killed run goes on from (``restore_backup``). A single ``.npz``
    replaced atomically: a process killed while writing leaves the previous epoch's file whole.
    Keras' ``BackupAndRestore`` kept two HDF5 copies, several times slower per epoch, and
    counted an epoch cut short by a stop as done; here the run goes on from the last whole one.
    """

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = Path(path)

    def on_epoch_end(self, epoch, logs=None):
        if not self.epoch_was_whole():
            return
        arrays = {"epoch": np.array(epoch + 1)}
        for owner, variables in (("model", self.model.variables),
                                 ("optimizer", self.model.optimizer.variables)):
            arrays |= {f"{owner}_{i}": keras.ops.convert_to_numpy(v)
                       for i, v in enumerate(variables)}
        self.path.parent.mkdir(exist_ok=True)
        _write_atomic(self.path, lambda tmp: np.savez(tmp, **arrays))


class Snapshots(keras.callbacks.Callback):
    """The model's weights at the steps ``plan_snapshots`` picks (the initial ones, a few inside
    the first epoch, epoch ends), as ``snapshot_file(run_dir, step)``: the run as it learned.

    Written after the batch that reaches the step, so an epoch cut short by a stop keeps only
    the steps it did reach. A resumed run first drops the snapshots after its backup's epoch and
    writes them again, so it ends with those of an uninterrupted run (test).
    """

    def __init__(self, run_dir: Path, initial_epoch: int = 0) -> None:
        super().__init__()
        self.run_dir = Path(run_dir)
        self.initial_epoch = initial_epoch
        self.plan: set[int] = set()
        self._epoch = initial_epoch

    def on_train_begin(self, logs=None):
        steps, epochs = self.params["steps"], self.params["epochs"]
        size = sum(math.prod(w.shape) * np.dtype(w.dtype).itemsize for w in self.model.weights)
        self.plan = set(plan_snapshots(epochs, steps, size))
        start = self.initial_epoch * steps
        forget_after(self.run_dir, start)
        if start in self.plan and not snapshot_file(self.run_dir, start).is_file():
            self._write(start)

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        step = self._epoch * self.params["steps"] + batch + 1
        if step in self.plan:
            self._write(step)

    def _write(self, step: int) -> None:
        path = snapshot_file(self.run_dir, step)
        arrays = snapshot_arrays(step, self.params["steps"], self.model.get_weights())
        path.parent.mkdir(exist_ok=True)
        _write_atomic(path, lambda tmp: np.savez(tmp, **arrays))


def restore_backup(path: Path, model: keras.Model) -> int:
    """Put the state an ``EpochBackup`` file holds back into ``model``; returns its epoch.

    Call after ``fit_setup.prepare_fit``, which creates the optimizer's variables.
    """
    with np.load(path) as saved:
        for owner, variables in (("model", model.variables),
                                 ("optimizer", model.optimizer.variables)):
            for i, variable in enumerate(variables):
                variable.assign(saved[f"{owner}_{i}"])
        return int(saved["epoch"])


class BestModelKeeper(keras.callbacks.Callback):
    """Keeps the weights with the lowest finite val_loss, in memory and as model.keras on disk.

    ``best_loss`` is the loss to beat: that of the model already on disk when a run resumes.
    """

    def __init__(self, path: Path, on_improve=None, best_loss: float = math.inf) -> None:
        super().__init__()
        self.path = Path(path)
        self.on_improve = on_improve
        self.best_loss = best_loss
        self.best_epoch = 0
        self.best_logs: dict = {}
        self.best_weights = None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        val_loss = _number(logs.get("val_loss"))
        if val_loss is None or val_loss >= self.best_loss:
            return
        self.best_loss, self.best_epoch, self.best_logs = val_loss, epoch + 1, dict(logs)
        self.best_weights = self.model.get_weights()
        save_model_atomic(self.model, self.path)
        if self.on_improve is not None:
            self.on_improve(self.best_epoch, self.best_logs)


def save_model_atomic(model: keras.Model, path: Path) -> None:
    """model.save, atomically: readers never see half a model."""
    _write_atomic(Path(path), model.save)


def _write_atomic(path: Path, write) -> None:
    """``write(tmp)`` to a temp name beside ``path`` (same suffix, which Keras and numpy go by),
    then rename over ``path``.

    No fsync, unlike ``fileio.atomic_write_bytes``: these files are megabytes and come every
    epoch, and a process that dies still leaves the old file or the new one.
    """
    tmp = path.with_name(f".{path.stem}.tmp{path.suffix}")
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)  # a full disk must not also keep half a file around
        raise
