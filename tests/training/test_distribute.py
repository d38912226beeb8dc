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
from lstm_core.errors import StudioError
from lstm_core.settings import CPU_REPLICAS, cpu_replicas
from tests.app_server import ROOT, free_port

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
    result = outcome(train(tmp_path / "run", **{CPU_REPLICAS.name: "2"}))
    assert result["status"] == "finished"
    assert result["device"] == "2 x CPU (MirroredStrategy)"
    assert len(load_run(tmp_path / "run").predict(["the food was not good", "great"])) == 2


def test_a_tf_config_cluster_trains_with_multi_worker_mirrored_strategy(tmp_path):
    cluster = {"cluster": {"worker": [f"localhost:{free_port()}"]},
               "task": {"type": "worker", "index": 0}}
    result = outcome(train(tmp_path / "run", TF_CONFIG=json.dumps(cluster)))
    assert result["status"] == "finished" and result["epochs"] == 2
    assert result["device"] == "CPU on 1 machine (1 replicas, MultiWorkerMirroredStrategy)"


def test_a_cluster_of_several_machines_is_refused_with_the_upstream_reason(tmp_path):
    workers = [f"localhost:{free_port()}", f"localhost:{free_port()}"]
    cluster = {"cluster": {"worker": workers}, "task": {"type": "worker", "index": 0}}
    process = train(tmp_path / "run", TF_CONFIG=json.dumps(cluster))
    out, err = process.communicate(timeout=300)
    assert process.returncode == 2, err[-2000:]
    assert "keras-team/keras#20585" in err.strip().splitlines()[-1]
    assert json.loads(out.strip().splitlines()[-1])["status"] == "failed"


def test_a_bad_replica_count_or_cluster_is_refused(monkeypatch):
    monkeypatch.setenv(CPU_REPLICAS.name, "two")
    with pytest.raises(StudioError, match="whole number"):
        cpu_replicas()
    from lstm_core.training.distribute import training_strategy

    monkeypatch.setenv("TF_CONFIG", "{not json")
    with pytest.raises(StudioError, match="TF_CONFIG is not a valid cluster"):
        training_strategy("CPU")
