"""A training run, from examples to a saved model: create_run() then train_run().

``create_run`` writes the run directory (config, examples with their split, status "queued");
``train_run`` is the job itself. It runs in its own process: the worker module for the app, the
CLI's own process for ``python -m lstm_core train``. Whatever happens, it ends by writing a final
status: finished, stopped, or failed with a message.
"""

from __future__ import annotations

import contextlib
import math
import os
import shutil
import socket
import traceback
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from lstm_core.config import RunConfig
from lstm_core.errors import StudioError
from lstm_core.fileio import atomic_write_bytes, atomic_write_json, read_json
from lstm_core.jobs.queue import job_slot
from lstm_core.model.device import device_kind
from lstm_core.store import runs

Progress = Callable[[str], None]


def split_examples(labels: pd.Series, val_split: float, test_split: float, seed: int) -> np.ndarray:
    """A stratified split: "train", "val" or "test" per example, the same for the same seed.

    Each class gives at least one example to val (and to test when test_split > 0), so every class
    is seen when picking the best epoch and in the final report.
    """
    rng = np.random.default_rng(seed)
    split = np.full(len(labels), "train", dtype=object)
    for label in sorted(labels.unique()):
        members = rng.permutation(np.flatnonzero((labels == label).to_numpy()))
        n_test = max(1, round(len(members) * test_split)) if test_split > 0 else 0
        n_val = max(1, round(len(members) * val_split))
        if len(members) - n_test - n_val < 1:
            raise StudioError(
                f"Class {label!r} has only {len(members)} examples, too few to split into train, "
                "validation and test. Add examples or merge it with another class."
            )
        split[members[:n_test]] = "test"
        split[members[n_test : n_test + n_val]] = "val"
    return split


def create_run(
    config: RunConfig,
    examples: pd.DataFrame,
    test_examples: pd.DataFrame | None = None,
    *,
    run_dir: Path | None = None,
    name: str | None = None,
) -> Path:
    """Write a new run directory, ready for ``train_run``.

    Args:
        config: the run's settings; saved as config.json.
        examples: columns text, label (see ``data.to_examples``); split into train/val/test here.
        test_examples: a separate test set; then nothing of ``examples`` is held out for test.
        run_dir: where to write; must be empty or absent. Default: a new directory in the store.
        name: part of the default directory name.

    Returns:
        The run directory.
    """
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
                                    config.data.seed)
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
                      epochs=config.train.epochs, epochs_done=0)
    return run_dir


def resume_point(run_dir: Path) -> int | None:
    """The last finished epoch a stopped, failed or interrupted run can go on from, else None."""
    run_dir = Path(run_dir)
    if runs.read_status(run_dir)["status"] not in runs.RESUMABLE_STATES:
        return None
    return _backed_up_epoch(_backup_file(run_dir)) or None


def reopen_run(run_dir: Path) -> int:
    """Queue a stopped, failed or interrupted run again, to go on from its last finished epoch.

    ``train_run`` then restores the weights, optimizer state and epoch counter saved after that
    epoch (callbacks.EpochBackup) and appends to the same curves.

    Returns:
        The epoch training goes on from.

    Raises:
        StudioError: if the run is still active, finished, or has no finished epoch to go on from.
    """
    run_dir = Path(run_dir)
    status = runs.read_status(run_dir)
    epoch = resume_point(run_dir)
    if epoch is None:
        if status["status"] not in runs.RESUMABLE_STATES:
            raise StudioError(f"Run {run_dir.name} is {status['status']}; only a stopped, failed "
                              "or interrupted run can be resumed.")
        raise StudioError(f"Run {run_dir.name} ended before its first epoch finished, so there "
                          "is nothing to go on from; train it again instead.")
    (run_dir / runs.STOP_FILE).unlink(missing_ok=True)
    runs.write_status(run_dir, status="queued", ended=None, queue_position=None, pid=None,
                      pid_created=None, pid_start=None, message=f"Resuming after epoch {epoch}.")
    return epoch


def request_stop(run_dir: Path) -> None:
    """Ask a queued or running job to stop; it does so after its current batch."""
    atomic_write_bytes(Path(run_dir) / runs.STOP_FILE, b"stop requested\n")


def train_run(run_dir: Path, progress: Progress | None = None) -> dict:
    """Wait for a free slot, train the run in ``run_dir`` in this process, return its final status.

    Never leaves the run queued or running: a user mistake ends it "failed" with the message (and
    the StudioError is raised again for the caller), a bug ends it "failed" with the error named
    and is raised again, Ctrl+C ends it "stopped".
    """
    run_dir = Path(run_dir)
    say = progress or (lambda message: None)
    pid = os.getpid()
    runs.write_status(run_dir, pid=pid, pid_created=runs.process_started(pid),
                      host=socket.gethostname(), message="")
    try:
        config = RunConfig.from_dict(read_json(run_dir / runs.CONFIG_FILE))
        with job_slot(run_dir, device_kind(config.train.device),
                      on_wait=lambda place: _report_queue(run_dir, place, say)) as turn:
            if not turn:
                return _finish(run_dir, "stopped", "Stopped while waiting in the queue.")
            runs.write_status(run_dir, status="running", started=runs.now_iso(), message="",
                              queue_position=0)
            outcome = _train(run_dir, config, say)
    except StudioError as exc:
        _finish(run_dir, "failed", str(exc))
        raise
    except KeyboardInterrupt:
        return _finish(run_dir, "stopped", "Stopped by Ctrl+C; the best model so far is kept.")
    except MemoryError:
        return _finish(run_dir, "failed", "Out of memory: lower batch_size, max_len or units.")
    except OSError as exc:  # a full disk, a read-only or vanished run directory
        _log_traceback(run_dir)
        return _finish(run_dir, "failed", (
            f"Could not read or write the run's files ({exc.strerror or exc}). Free disk space "
            "or fix the folder's permissions, then resume the run or train it again."))
    except Exception as exc:
        _log_traceback(run_dir)
        _finish(run_dir, "failed", f"Internal error ({type(exc).__name__}: {exc}); see worker.log.")
        raise
    return _finish(run_dir, *outcome)


def _log_traceback(run_dir: Path) -> None:
    with contextlib.suppress(OSError), (run_dir / runs.LOG_FILE).open("a") as log:
        log.write(traceback.format_exc())


def _report_queue(run_dir: Path, place: int, say: Progress) -> None:
    message = f"Waiting for a free training slot: number {place} in the queue."
    runs.write_status(run_dir, queue_position=place, message=message)
    say(message)


def _finish(run_dir: Path, state: str, message: str) -> dict:
    return runs.write_status(run_dir, status=state, message=message, ended=runs.now_iso())


def _train(run_dir: Path, config: RunConfig, say: Progress) -> tuple[str, str]:
    """The training itself; returns (final state, message)."""
    from lstm_core.model.device import configure_device, hide_gpus_if_cpu
    from lstm_core.training.distribute import split_cpu, training_strategy

    hide_gpus_if_cpu(config.train.device)
    from lstm_core.training.fit_setup import (
        graph_rewrites_off,  # imports TensorFlow: after the line above
    )

    tf_device, device_name = configure_device(config.train.device)
    if tf_device.startswith("/CPU"):
        split_cpu()
    strategy, device_name = training_strategy(device_name)
    runs.write_status(run_dir, device=device_name)
    say(f"device: {device_name}")
    one_cpu = strategy is None and tf_device.startswith("/CPU")
    with graph_rewrites_off() if one_cpu else contextlib.nullcontext():
        return _fit_and_test(run_dir, config, say, tf_device, device_name, strategy, one_cpu)


def _fit_and_test(run_dir: Path, config: RunConfig, say: Progress, tf_device: str,
                  device_name: str, strategy, one_cpu: bool) -> tuple[str, str]:
    import keras
    import tensorflow as tf

    from lstm_core.model.batching import (
        PREDICT_BATCH,
        compile_forward,
        encode_tokens,
        make_dataset,
        padded_batches,
    )
    from lstm_core.model.build import build_model, compile_model
    from lstm_core.model.rnn_loop import use_lean_loops
    from lstm_core.text.processor import TextProcessor
    from lstm_core.text.vocab import Vocabulary, pad_batch
    from lstm_core.training.baseline import BagOfWordsBaseline
    from lstm_core.training.callbacks import (
        BestModelKeeper,
        EpochBackup,
        EventLog,
        RunGuard,
        Validation,
        restore_backup,
        save_model_atomic,
    )
    from lstm_core.training.fit_setup import prepare_fit

    keras.utils.set_random_seed(config.train.seed)
    tf.config.experimental.enable_op_determinism()
    # Always set: the policy is process-wide and an earlier run in this process may have changed it.
    keras.mixed_precision.set_global_policy(
        "mixed_float16" if config.train.mixed_precision else "float32"
    )

    data = pd.read_parquet(run_dir / runs.DATA_FILE)
    processor = TextProcessor(config.text)
    tokens = processor.tokenize_many(data["text"], workers=os.cpu_count() or 1)
    is_train = (data["split"] == "train").to_numpy()
    vocab = Vocabulary.build(
        [t for t, keep in zip(tokens, is_train, strict=True) if keep],
        data.loc[is_train, "label"],
        max_size=config.text.vocab_size,
        min_count=config.text.min_count,
    )
    vocab.save(run_dir / runs.VOCAB_FILE)
    say(f"vocabulary: {vocab.size} tokens, classes: {', '.join(vocab.labels)}")

    parts = {name: np.flatnonzero((data["split"] == name).to_numpy()) for name in
             ("train", "val", "test")}
    # Texts with no tokens left teach nothing; they stay in val/test, where they count as seen.
    parts["train"] = np.array([i for i in parts["train"] if tokens[i]], dtype=int)
    ids = encode_tokens(tokens, vocab, config.text)
    y = vocab.label_ids(data["label"])
    weights = _sample_weights(y, parts["train"], len(vocab.labels), config.train.class_weights)

    def subset(name: str):
        index = parts[name]
        return [ids[i] for i in index], y[index], weights[index]

    backup = _backup_file(run_dir)
    initial_epoch = _backed_up_epoch(backup)
    train_ds, batches_per_epoch = make_dataset(
        *subset("train"), batch_size=config.train.batch_size,
        bucket=config.train.bucket_by_length, seed=config.train.seed,
        passes=max(1, config.train.epochs - initial_epoch), first_pass=initial_epoch,
    )
    one_device = strategy is None
    val_batch_size = max(config.train.batch_size, PREDICT_BATCH)
    if initial_epoch:
        say(f"resuming after epoch {initial_epoch}")
    keeper = BestModelKeeper(
        run_dir / runs.MODEL_FILE,
        on_improve=lambda epoch, logs: runs.write_status(
            run_dir, best_epoch=epoch, best_val_accuracy=float(logs.get("val_accuracy", 0.0)),
            best_val_loss=float(logs["val_loss"]),
        ),
        best_loss=_saved_best_loss(run_dir) if initial_epoch else math.inf,
    )
    guard = RunGuard(run_dir / runs.STOP_FILE)

    with strategy.scope() if strategy else tf.device(tf_device):
        model = build_model(config.model, vocab.size, len(vocab.labels))
        compile_model(model, config.train, batches_per_epoch)
        if one_cpu:
            use_lean_loops(model)
        sample = parts["train"][:2]
        prepare_fit(model, (pad_batch([ids[i] for i in sample]), y[sample], weights[sample]),
                    one_device=one_device)
        if initial_epoch:
            restore_backup(backup, model)
    # On one device the validation texts go through the forward pass that later tests the model;
    # under a strategy Keras validates, replica by replica.
    if one_device:
        forward = compile_forward(model)
        validation = [Validation(padded_batches(*subset("val"), batch_size=val_batch_size),
                                 forward)]
        val_ds = None
    else:
        forward, validation = None, []
        val_ds, _ = make_dataset(*subset("val"), batch_size=val_batch_size, bucket=True,
                                 seed=None)
    callbacks = [
        EpochBackup(backup),
        *validation,  # before every callback that reads val_loss
        EventLog(run_dir / runs.EVENTS_FILE, batch_size=config.train.batch_size,
                 batches_per_epoch=batches_per_epoch, log_every=config.train.log_every,
                 epochs=config.train.epochs, train_samples=len(parts["train"]),
                 device=device_name, initial_epoch=initial_epoch),
        guard,
        keeper,
        keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: _report_epoch(
            run_dir, config.train.epochs, say, epoch, logs or {})),
    ]
    if config.train.early_stopping:
        callbacks.append(keras.callbacks.EarlyStopping(
            monitor="val_loss", patience=config.train.early_stopping))

    with strategy.scope() if strategy else tf.device(tf_device):
        say(f"training {model.count_params():,} parameters on {len(parts['train'])} texts")
        # One pass of make_dataset per epoch, already shuffled: one iterator serves every epoch.
        model.fit(train_ds, validation_data=val_ds, epochs=config.train.epochs, verbose=0,
                  initial_epoch=initial_epoch, steps_per_epoch=batches_per_epoch, shuffle=False,
                  callbacks=callbacks)

    if guard.reason == "nan":
        return "failed", (
            f"The loss became NaN at {guard.where}. Lower the learning rate (now "
            f"{config.train.learning_rate}) or check the data; the best model before that is "
            "kept." if keeper.best_weights is not None else
            f"The loss became NaN at {guard.where}, before any model was saved. Lower the "
            f"learning rate (now {config.train.learning_rate}) or check the data."
        )
    with tf.device(tf_device):
        if strategy is not None:
            # Under a strategy a forward pass answers once per replica: test on one device.
            trained, model = model, keras.models.clone_model(model)
            model.set_weights(trained.get_weights())
            forward = compile_forward(model)
        if keeper.best_weights is not None:
            model.set_weights(keeper.best_weights)
        elif initial_epoch and (run_dir / runs.MODEL_FILE).is_file():
            model.load_weights(run_dir / runs.MODEL_FILE)  # no better epoch since resuming
        else:
            save_model_atomic(model, run_dir / runs.MODEL_FILE)
        # The baseline is fitted after the LSTM: it is only needed for the report, and the
        # first live curve point should not wait for it.
        baseline = BagOfWordsBaseline().fit(
            [tokens[i] for i in parts["train"]], data["label"].iloc[parts["train"]], vocab.labels
        )
        baseline.save(run_dir / runs.BASELINE_FILE)
        if len(parts["test"]):
            _evaluate(run_dir, forward, baseline, data, tokens, ids, y, parts["test"], vocab, say)
    if guard.reason == "stopped":
        resumable = " and the run can be resumed" if _backed_up_epoch(backup) else ""
        return "stopped", f"Stopped at {guard.where}; the best model so far is kept{resumable}."
    shutil.rmtree(backup.parent, ignore_errors=True)  # finished: nothing left to resume
    return "finished", ""


def _backup_file(run_dir: Path) -> Path:
    return Path(run_dir) / runs.BACKUP_DIR / runs.BACKUP_FILE


def _backed_up_epoch(backup: Path) -> int:
    """The epoch a ``callbacks.EpochBackup`` file was written after; 0 if none or broken."""
    try:
        with np.load(backup) as saved:
            return int(saved["epoch"])
    except (OSError, KeyError, ValueError, EOFError):
        return 0


def _saved_best_loss(run_dir: Path) -> float:
    loss = runs.read_status(run_dir).get("best_val_loss")
    return float(loss) if loss is not None and (run_dir / runs.MODEL_FILE).is_file() else math.inf


def _report_epoch(run_dir: Path, epochs: int, say: Progress, epoch: int, logs: dict) -> None:
    """Mirror a finished epoch into status.json and the progress stream."""
    runs.write_status(run_dir, epochs_done=epoch + 1)
    values = " ".join(
        f"{key} {logs[key]:.4f}" for key in ("loss", "accuracy", "val_loss", "val_accuracy")
        if key in logs
    )
    say(f"epoch {epoch + 1}/{epochs}: {values}")


def _sample_weights(y: np.ndarray, train_index: np.ndarray, classes: int, mode: str) -> np.ndarray:
    """1 for every example, or n / (classes * n_class) with ``balanced`` (as scikit-learn does)."""
    weights = np.ones(len(y), dtype="float32")
    if mode == "balanced":
        counts = np.bincount(y[train_index], minlength=classes).astype("float64")
        per_class = len(train_index) / (classes * np.maximum(counts, 1))
        weights = per_class[y].astype("float32")
    return weights


def _evaluate(run_dir, forward, baseline, data, tokens, ids, y, test_index, vocab, say) -> None:
    """Test metrics of the best model and of the baseline, and the per-text predictions."""
    from lstm_core.model.batching import predict_proba
    from lstm_core.training.metrics import classification_metrics

    probabilities = predict_proba(forward, [ids[i] for i in test_index], len(vocab.labels))
    base_probabilities = baseline.predict_proba([tokens[i] for i in test_index])
    metrics = classification_metrics(y[test_index], probabilities, vocab.labels)
    metrics["baseline"] = classification_metrics(y[test_index], base_probabilities, vocab.labels)
    atomic_write_json(run_dir / runs.METRICS_FILE, metrics)

    predictions = pd.DataFrame({
        "text": data["text"].iloc[test_index].to_numpy(),
        "label": data["label"].iloc[test_index].to_numpy(),
        "predicted": [vocab.labels[i] for i in probabilities.argmax(axis=1)],
        "confidence": probabilities.max(axis=1),
        "baseline_predicted": [vocab.labels[i] for i in base_probabilities.argmax(axis=1)],
    })
    for column, label in enumerate(vocab.labels):
        predictions[f"p_{label}"] = probabilities[:, column]
    atomic_write_bytes(run_dir / runs.PREDICTIONS_FILE,
                       predictions.to_csv(index=False).encode("utf-8"))
    say(
        f"test accuracy {metrics['accuracy']:.4f} (bag-of-words baseline "
        f"{metrics['baseline']['accuracy']:.4f}) on {metrics['examples']} texts"
    )
