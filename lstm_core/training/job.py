"""The training job, step by step: from a queued run directory to a tested model.

``train_run`` (train.py) runs it in the job's process, after hiding the GPUs from a CPU run; this
module imports TensorFlow. The steps: place the job on its device(s), prepare the data, build the
model, make the callbacks, fit, give up on a NaN loss, keep the best weights, test the model and
the baseline, write the results, end as stopped or finished.

A CPU run on one device keeps its fixed costs low: the recurrent layers take the lean loop
(``rnn_loop``), Grappler is off (``fit_setup.graph_rewrites_off``), one compiled forward pass
validates and then tests, and the baseline is fitted after the LSTM.
"""

from __future__ import annotations

import contextlib
import math
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import keras
import tensorflow as tf

from lstm_core.config import RunConfig, TrainConfig
from lstm_core.model import build
from lstm_core.model.batching import PREDICT_BATCH, compile_forward, make_dataset, padded_batches
from lstm_core.model.device import configure_device, limit_threads
from lstm_core.model.rnn_loop import use_lean_loops
from lstm_core.settings import job_threads
from lstm_core.store import runs
from lstm_core.text.vocab import pad_batch
from lstm_core.training.baseline import BagOfWordsBaseline
from lstm_core.training.callbacks import (
    BestModelKeeper,
    EpochBackup,
    EventLog,
    RunGuard,
    Snapshots,
    Validation,
    restore_backup,
    save_model_atomic,
)
from lstm_core.training.distribute import split_cpu, training_strategy
from lstm_core.training.evaluate import evaluate, write_results
from lstm_core.training.fit_setup import graph_rewrites_off, prepare_fit
from lstm_core.training.prepare import PreparedData, prepare_data
from lstm_core.training.resume import backed_up_epoch, backup_file, saved_best_loss
from lstm_core.training.train import Progress

# Off only in bench/bench_snapshots.py, which measures what the snapshots cost a run.
KEEP_SNAPSHOTS = True


@dataclass(frozen=True)
class Placement:
    """Where the job runs.

    Attributes:
        tf_device: "/CPU:0" or "/GPU:0": where the model is tested, and trained without a strategy.
        name: the device as status.json and the progress lines show it.
        strategy: a ``tf.distribute`` strategy over several devices, or None for one.
    """

    tf_device: str
    name: str
    strategy: tf.distribute.Strategy | None

    @property
    def one_device(self) -> bool:
        return self.strategy is None

    @property
    def one_cpu(self) -> bool:
        """A single CPU: the case the lean loop and Grappler off are for."""
        return self.one_device and self.tf_device.startswith("/CPU")

    def scope(self) -> contextlib.AbstractContextManager:
        """Where the model is built and trained: the strategy's scope, or the one device."""
        return self.strategy.scope() if self.strategy else tf.device(self.tf_device)


@dataclass(frozen=True)
class Job:
    """What every step reads: the run, its settings, where it runs, how far it already got."""

    run_dir: Path
    config: RunConfig
    say: Progress
    place: Placement
    initial_epoch: int  # epochs a resumed run's backup holds; 0 for a fresh run

    @property
    def backup(self) -> Path:
        return backup_file(self.run_dir)


def train_and_test(run_dir: Path, config: RunConfig, say: Progress) -> tuple[str, str]:
    """Train and test the run in ``run_dir`` on its device(s); returns (final state, message)."""
    place = placement(config)
    runs.write_status(run_dir, device=place.name)
    say(f"device: {place.name}")
    job = Job(run_dir, config, say, place, backed_up_epoch(backup_file(run_dir)))
    with graph_rewrites_off() if place.one_cpu else contextlib.nullcontext():
        return _run(job)


def placement(config: RunConfig) -> Placement:
    """The device ``configure_device`` picks, and a strategy when there are several to train on.

    Must run before the job's first TensorFlow op (``distribute.split_cpu``).
    """
    limit_threads(job_threads())
    tf_device, name = configure_device(config.train.device)
    if tf_device.startswith("/CPU"):
        split_cpu()
    strategy, name = training_strategy(name)
    return Placement(tf_device, name, strategy)


def _run(job: Job) -> tuple[str, str]:
    """The job itself; returns (final state, message)."""
    _seed_and_precision(job.config.train)
    data = prepare_data(job.run_dir, job.config)
    vocabulary = data.vocabulary
    job.say(f"vocabulary: {vocabulary.size} tokens, classes: {', '.join(vocabulary.labels)}")
    train_ds, batches_per_epoch = _training_batches(job, data)
    if job.initial_epoch:
        job.say(f"resuming after epoch {job.initial_epoch}")

    model = _build_model(job, data, batches_per_epoch)
    # On one device the validation texts go through the forward pass that later tests the model;
    # under a strategy Keras validates, replica by replica.
    forward = compile_forward(model) if job.place.one_device else None
    validation, val_ds = _validation(job, data, forward)
    guard = RunGuard(job.run_dir / runs.STOP_FILE)
    keeper = _best_model_keeper(job)
    callbacks = _callbacks(job, data, batches_per_epoch, validation, guard, keeper)

    job.say(f"training {model.count_params():,} parameters on {len(data.index['train'])} texts")
    _fit(job, model, train_ds, val_ds, callbacks, steps_per_epoch=batches_per_epoch)
    if guard.reason == "nan":
        return "failed", _nan_message(job.config.train, guard, keeper)

    with tf.device(job.place.tf_device):
        forward = _keep_best_weights(job, model, forward, keeper)
        baseline = _fit_baseline(job, data)
        if len(data.index["test"]):
            results = evaluate(forward, baseline, data)
            write_results(job.run_dir, results)
            job.say(results.summary())
    return _stopped_or_finished(job, guard)


def _seed_and_precision(config: TrainConfig) -> None:
    """The same seed gives the same numbers: seeded Keras, deterministic ops, a known policy."""
    keras.utils.set_random_seed(config.seed)
    tf.config.experimental.enable_op_determinism()
    # Always set: the policy is process-wide and an earlier run in this process may have changed it.
    keras.mixed_precision.set_global_policy(
        "mixed_float16" if config.mixed_precision else "float32"
    )


def _training_batches(job: Job, data: PreparedData) -> tuple[tf.data.Dataset, int]:
    """(dataset, batches_per_epoch): every epoch still to run, as an uninterrupted run sees it."""
    train = job.config.train
    return make_dataset(
        *data.subset("train"), batch_size=train.batch_size, bucket=train.bucket_by_length,
        seed=train.seed, passes=max(1, train.epochs - job.initial_epoch),
        first_pass=job.initial_epoch,
    )


def _build_model(job: Job, data: PreparedData, batches_per_epoch: int) -> keras.Model:
    """The compiled model, ready for ``fit``; a resumed run's with its backed-up state."""
    with job.place.scope():
        model = build.build_model(job.config.model, data.vocabulary.size,
                                  len(data.vocabulary.labels))
        build.compile_model(model, job.config.train, batches_per_epoch)
        if job.place.one_cpu:
            use_lean_loops(model)
        sample = data.index["train"][:2]
        prepare_fit(model, (pad_batch([data.ids[i] for i in sample]), data.labels[sample],
                            data.weights[sample]), one_device=job.place.one_device)
        if job.initial_epoch:
            restore_backup(job.backup, model)
    return model


def _validation(job: Job, data: PreparedData,
                forward: Callable | None) -> tuple[list[Validation], tf.data.Dataset | None]:
    """(callbacks, validation_data): a ``Validation`` callback with ``forward``, else a dataset."""
    batch_size = max(job.config.train.batch_size, PREDICT_BATCH)
    if forward is not None:
        return [Validation(padded_batches(*data.subset("val"), batch_size=batch_size),
                           forward)], None
    val_ds, _ = make_dataset(*data.subset("val"), batch_size=batch_size, bucket=True, seed=None)
    return [], val_ds


def _best_model_keeper(job: Job) -> BestModelKeeper:
    """Saves each better epoch's model; a resumed run has to beat the model already saved."""
    run_dir = job.run_dir
    return BestModelKeeper(
        run_dir / runs.MODEL_FILE,
        on_improve=lambda epoch, logs: runs.write_status(
            run_dir, best_epoch=epoch, best_val_accuracy=float(logs.get("val_accuracy", 0.0)),
            best_val_loss=float(logs["val_loss"]),
        ),
        best_loss=saved_best_loss(run_dir) if job.initial_epoch else math.inf,
    )


def _callbacks(job: Job, data: PreparedData, batches_per_epoch: int, validation: list[Validation],
               guard: RunGuard, keeper: BestModelKeeper) -> list[keras.callbacks.Callback]:
    """Everything ``fit`` calls back, in the order that matters."""
    train = job.config.train
    callbacks = [
        EpochBackup(job.backup),
        *([Snapshots(job.run_dir, job.initial_epoch)] if KEEP_SNAPSHOTS else []),
        *validation,  # before every callback that reads val_loss
        EventLog(job.run_dir / runs.EVENTS_FILE, batch_size=train.batch_size,
                 batches_per_epoch=batches_per_epoch, log_every=train.log_every,
                 epochs=train.epochs, train_samples=len(data.index["train"]),
                 device=job.place.name, initial_epoch=job.initial_epoch),
        guard,
        keeper,
        keras.callbacks.LambdaCallback(
            on_epoch_end=lambda epoch, logs: _report_epoch(job, epoch, logs or {})),
    ]
    if train.early_stopping:
        callbacks.append(keras.callbacks.EarlyStopping(
            monitor="val_loss", patience=train.early_stopping))
    return callbacks


def _report_epoch(job: Job, epoch: int, logs: dict) -> None:
    """Mirror a finished epoch into status.json and the progress stream."""
    runs.write_status(job.run_dir, epochs_done=epoch + 1)
    values = " ".join(
        f"{key} {logs[key]:.4f}" for key in ("loss", "accuracy", "val_loss", "val_accuracy")
        if key in logs
    )
    job.say(f"epoch {epoch + 1}/{job.config.train.epochs}: {values}")


def _fit(job: Job, model: keras.Model, train_ds: tf.data.Dataset, val_ds: tf.data.Dataset | None,
         callbacks: list[keras.callbacks.Callback], *, steps_per_epoch: int) -> None:
    with job.place.scope():
        # One pass of make_dataset per epoch, already shuffled: one iterator serves every epoch.
        model.fit(train_ds, validation_data=val_ds, epochs=job.config.train.epochs, verbose=0,
                  initial_epoch=job.initial_epoch, steps_per_epoch=steps_per_epoch,
                  shuffle=False, callbacks=callbacks)


def _nan_message(config: TrainConfig, guard: RunGuard, keeper: BestModelKeeper) -> str:
    if keeper.best_weights is not None:
        return (f"The loss became NaN at {guard.where}. Lower the learning rate (now "
                f"{config.learning_rate}) or check the data; the best model before that is kept.")
    return (f"The loss became NaN at {guard.where}, before any model was saved. Lower the "
            f"learning rate (now {config.learning_rate}) or check the data.")


def _keep_best_weights(job: Job, model: keras.Model, forward: Callable | None,
                       keeper: BestModelKeeper) -> Callable:
    """Put the best epoch's weights in the model to test; returns its forward pass.

    Without a better epoch, the model already saved stays (a resumed run) or this one is saved.
    """
    if job.place.strategy is not None:
        # Under a strategy a forward pass answers once per replica: test on one device.
        trained, model = model, keras.models.clone_model(model)
        model.set_weights(trained.get_weights())
        forward = compile_forward(model)
    if keeper.best_weights is not None:
        model.set_weights(keeper.best_weights)
    elif job.initial_epoch and (job.run_dir / runs.MODEL_FILE).is_file():
        model.load_weights(job.run_dir / runs.MODEL_FILE)  # no better epoch since resuming
    else:
        save_model_atomic(model, job.run_dir / runs.MODEL_FILE)
    return forward


def _fit_baseline(job: Job, data: PreparedData) -> BagOfWordsBaseline:
    """The bag-of-words baseline on the same training texts, saved as baseline.json.

    Fitted after the LSTM: it is only needed for the report, and the first live curve point
    should not wait for it.
    """
    baseline = BagOfWordsBaseline().fit(data.tokens_in("train"),
                                        data.examples_in("train")["label"],
                                        data.vocabulary.labels)
    baseline.save(job.run_dir / runs.BASELINE_FILE)
    return baseline


def _stopped_or_finished(job: Job, guard: RunGuard) -> tuple[str, str]:
    if guard.reason == "stopped":
        resumable = " and the run can be resumed" if backed_up_epoch(job.backup) else ""
        return "stopped", f"Stopped at {guard.where}; the best model so far is kept{resumable}."
    shutil.rmtree(job.backup.parent, ignore_errors=True)  # finished: nothing left to resume
    return "finished", ""
