"""The tf.distribute paths on a machine without GPUs: two logical CPUs, and TF_CONFIG clusters.

Each job is a fresh process, as in the app: logical devices and a multi-worker cluster can only
be set up before TensorFlow's first operation.
"""

import json
import os
import subprocess
import sys

import pytest

from lstm_core import load_run
from lstm_core.app_server import ROOT, free_port
from lstm_core.distribute import CPU_REPLICAS_ENV, cpu_replicas, worker_shard
from lstm_core.errors import StudioError

TINY = ["--demo-rows", "600", "--epochs", "2", "--units", "8", "--embed-dim", "8"]


def train(run_dir, **env) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "lstm_core", "train", "demo-en", *TINY, "--run-dir", str(run_dir)],
        cwd=ROOT, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **env},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def outcome(process: subprocess.Popen) -> dict:
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err[-3000:]
    return json.loads(out.strip().splitlines()[-1])


def test_two_logical_cpus_train_one_model_with_mirrored_strategy(tmp_path):
    result = outcome(train(tmp_path / "run", **{CPU_REPLICAS_ENV: "2"}))
    assert result["status"] == "finished"
    assert result["device"] == "2 x CPU (MirroredStrategy)"
    assert len(load_run(tmp_path / "run").predict(["the food was not good", "great"])) == 2


def test_a_tf_config_cluster_trains_with_multi_worker_mirrored_strategy(tmp_path):
    cluster = {"cluster": {"worker": [f"localhost:{free_port()}"]},
               "task": {"type": "worker", "index": 0}}
    result = outcome(train(tmp_path / "run", TF_CONFIG=json.dumps(cluster)))
    assert result["status"] == "finished" and result["epochs"] == 2
    assert result["device"] == "CPU on 1 machine (1 replicas, MultiWorkerMirroredStrategy)"


def test_two_workers_from_tf_config_train_in_step_on_their_share_of_the_batches(tmp_path):
    workers = [f"localhost:{free_port()}", f"localhost:{free_port()}"]
    processes = [
        train(tmp_path / f"worker-{index}", TF_CONFIG=json.dumps(
            {"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}}))
        for index in range(2)
    ]
    results = [outcome(process) for process in processes]
    assert {r["device"] for r in results} == {
        "CPU on 2 machines (2 replicas, MultiWorkerMirroredStrategy)"}
    assert [r["epochs"] for r in results] == [2, 2]
    # Synchronous training: both workers end with the same weights, hence the same answers.
    answers = [load_run(tmp_path / f"worker-{i}").predict(["the food was not good"])[0]
               for i in range(2)]
    assert answers[0].probabilities == pytest.approx(answers[1].probabilities, abs=1e-5)


def test_workers_get_equal_disjoint_shares_of_each_epoch(monkeypatch):
    import numpy as np

    from lstm_core.batching import make_dataset

    sequences = [[1] * (1 + i % 7) for i in range(100)]
    labels = np.arange(100)
    weights = np.ones(100, dtype="float32")
    seen = []
    for index in range(3):
        monkeypatch.setenv("TF_CONFIG", json.dumps({
            "cluster": {"chief": ["a:1"], "worker": ["b:1", "c:1"]},
            "task": {"type": "chief" if index == 0 else "worker", "index": max(index - 1, 0)}}))
        dataset, batches = make_dataset(sequences, labels, weights, batch_size=8, bucket=True,
                                        seed=5, shard=worker_shard())
        got = [y.numpy().tolist() for _, y, _ in dataset]
        assert len(got) == batches == 13 // 3
        seen.append({label for batch in got for label in batch})
    assert not seen[0] & seen[1] and not seen[1] & seen[2] and not seen[0] & seen[2]


def test_a_bad_replica_count_or_cluster_is_refused(monkeypatch):
    monkeypatch.setenv(CPU_REPLICAS_ENV, "two")
    with pytest.raises(StudioError, match="whole number"):
        cpu_replicas()
    from lstm_core.distribute import training_strategy

    monkeypatch.setenv("TF_CONFIG", "{not json")
    with pytest.raises(StudioError, match="TF_CONFIG is not a valid cluster"):
        training_strategy("CPU")
