import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lstm_core.config import RunConfig
from lstm_core.errors import StudioError
from lstm_core.store import runs
from lstm_core.store.events import read_events
from lstm_core.training.train import create_run, request_stop, train_run
from tests.helpers import demo_examples, grappler_off, tiny_config


def test_create_run_refuses_a_non_empty_directory(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "file").write_text("keep me")
    with pytest.raises(StudioError, match="not empty"):
        create_run(tiny_config(), demo_examples(), run_dir=tmp_path / "x")
    assert (tmp_path / "x" / "file").read_text() == "keep me"


def test_training_writes_every_file_of_the_run_directory(tmp_path):
    run_dir = create_run(tiny_config(), demo_examples(), run_dir=tmp_path / "run")
    assert runs.read_status(run_dir)["status"] == "queued"
    lines = []
    status = train_run(run_dir, progress=lines.append)

    assert status["status"] == "finished" and status["device"] == "CPU"
    assert status["epochs_done"] == 2 and 1 <= status["best_epoch"] <= 2
    for name in ("config.json", "data.parquet", "vocab.json", "model.keras", "baseline.json",
                 "metrics.json", "predictions.csv", "events.jsonl"):
        assert (run_dir / name).exists(), name
    assert RunConfig.from_dict(json.loads((run_dir / "config.json").read_text())) == tiny_config()

    events = read_events(run_dir)
    kinds = [e["event"] for e in events]
    assert kinds[0] == "start" and kinds.count("epoch") == 2 and "batch" in kinds
    epoch = [e for e in events if e["event"] == "epoch"][-1]
    expected = {"loss", "accuracy", "val_loss", "val_accuracy", "samples_per_s", "elapsed"}
    assert expected <= set(epoch)
    assert epoch["samples_per_s"] > 0

    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["labels"] == ["negative", "positive"]
    assert sum(map(sum, metrics["confusion_matrix"])) == metrics["examples"] == 30
    assert set(metrics["per_class"]) == {"negative", "positive"}
    assert 0 <= metrics["roc_auc"] <= 1 and "accuracy" in metrics["baseline"]
    predictions = pd.read_csv(run_dir / "predictions.csv")
    assert len(predictions) == 30
    np.testing.assert_allclose(predictions[["p_negative", "p_positive"]].sum(axis=1), 1, atol=1e-5)
    assert any(line.startswith("epoch 2/2") for line in lines)


def test_a_seeded_cpu_run_gives_the_same_numbers_twice(tmp_path):
    losses = []
    for name in ("a", "b"):
        run_dir = create_run(tiny_config(), demo_examples(), run_dir=tmp_path / name)
        train_run(run_dir)
        losses.append([e["loss"] for e in read_events(run_dir) if e["event"] in ("batch", "epoch")])
    assert losses[0] == losses[1]


def test_a_cpu_run_trains_without_graph_rewrites_and_gives_them_back(tmp_path):
    seen = []
    run_dir = create_run(tiny_config(epochs=1), demo_examples(), run_dir=tmp_path / "run")
    train_run(run_dir, progress=lambda message: seen.append(grappler_off()))
    assert any(seen) and not grappler_off()  # off while training, as before once done


def test_a_stop_request_before_start_stops_without_training(tmp_path):
    run_dir = create_run(tiny_config(), demo_examples(), run_dir=tmp_path / "run")
    request_stop(run_dir)
    status = train_run(run_dir)
    assert status["status"] == "stopped" and not (run_dir / "model.keras").exists()


def test_a_stop_request_mid_epoch_stops_after_that_batch_and_keeps_a_model(tmp_path):
    run_dir = create_run(tiny_config(epochs=5, log_every=1), demo_examples(600),
                         run_dir=tmp_path / "run")

    def progress(line):
        if line.startswith("training"):
            request_stop(run_dir)

    status = train_run(run_dir, progress=progress)
    assert status["status"] == "stopped" and "epoch 1, batch 1" in status["message"]
    batches = [e for e in read_events(run_dir) if e["event"] == "batch"]
    assert len(batches) == 1
    assert (run_dir / "model.keras").exists() and (run_dir / "metrics.json").exists()


def test_a_nan_loss_fails_the_run_with_a_clear_message(tmp_path, monkeypatch):
    """A loss that turns NaN (as a diverging model's does) ends the run within one batch."""
    import keras

    from lstm_core.model import build as models

    def compile_diverging(model, config, steps_per_epoch):
        model.compile(optimizer="sgd", metrics=["accuracy"],
                      loss=lambda y, p: keras.ops.log(keras.ops.mean(p) - 2.0))

    monkeypatch.setattr(models, "compile_model", compile_diverging)
    run_dir = create_run(tiny_config(), demo_examples(), run_dir=tmp_path / "run")
    status = train_run(run_dir)
    assert status["status"] == "failed"
    assert re.search(r"loss became NaN at epoch 1, batch 1\b.*Lower the learning rate",
                     status["message"])
    assert [e["event"] for e in read_events(run_dir)].count("batch") <= 1


def test_a_separate_test_set_is_used_instead_of_a_split(tmp_path):
    test = demo_examples(300).iloc[:40]
    run_dir = create_run(tiny_config(), demo_examples(), test, run_dir=tmp_path / "run")
    split = pd.read_parquet(run_dir / "data.parquet")["split"]
    assert (split == "test").sum() == 40
    with pytest.raises(StudioError, match="labels the training data lacks"):
        create_run(tiny_config(), demo_examples(), test.assign(label="meh"),
                   run_dir=tmp_path / "run2")


def test_chinese_demo_data_trains(tmp_path):
    run_dir = create_run(tiny_config(epochs=1), demo_examples(lang="zh"), run_dir=tmp_path / "zh")
    assert train_run(run_dir)["status"] == "finished"
    vocab = json.loads((run_dir / "vocab.json").read_text(encoding="utf-8"))
    assert "不" in vocab["tokens"]


def test_mixed_precision_runs_and_leaves_the_process_policy_as_float32_for_the_next(tmp_path):
    import keras

    run_dir = create_run(tiny_config(epochs=1, mixed_precision=True), demo_examples(),
                         run_dir=tmp_path / "mp")
    assert train_run(run_dir)["status"] == "finished"
    assert keras.mixed_precision.global_policy().name == "mixed_float16"
    run_dir = create_run(tiny_config(epochs=1), demo_examples(), run_dir=tmp_path / "fp32")
    train_run(run_dir)
    assert keras.mixed_precision.global_policy().name == "float32"


def test_gpu_requested_without_one_fails_with_a_message(tmp_path):
    run_dir = create_run(tiny_config(device="gpu"), demo_examples(), run_dir=tmp_path / "gpu")
    with pytest.raises(StudioError, match="TensorFlow sees no GPU"):
        train_run(run_dir)
    status = runs.read_status(run_dir)
    assert status["status"] == "failed" and "tensorflow[and-cuda]" in status["message"]


def test_the_training_api_imports_without_tensorflow():
    """The app's pages import it; only the job itself may load TensorFlow."""
    names = "create_run, reopen_run, request_stop, resume_point, split_examples, train_run"
    code = (f"import sys; from lstm_core.training.train import {names}; "
            "print('tensorflow' in sys.modules, 'keras' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=Path(__file__).resolve().parents[2])
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False False"
