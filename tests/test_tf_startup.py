"""TensorFlow's start-up log stays off the terminal: the CLI prints only the run's own lines."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from lstm_core.tf_startup import stderr_held_back

ROOT = Path(__file__).resolve().parents[1]

# Every line ``train`` itself writes to stderr (commands/train.py, training/train.py).
RUN_LINES = [re.compile(pattern) for pattern in (
    r"data: \d+ rows kept of \d+, classes \{.+\}, median length \d+ tokens",
    r"(warning|note): .+",
    r"run directory: .+",
    r"Waiting for a free training slot: number \d+ in the queue\.",
    r"device: (CPU|GPU: .+)",
    r"vocabulary: \d+ tokens, classes: .+",
    r"training [\d,]+ parameters on \d+ texts",
    r"epoch \d+/\d+: loss [\d.]+ accuracy [\d.]+( val_loss [\d.]+ val_accuracy [\d.]+)?",
    r"test accuracy [\d.]+ \(bag-of-words baseline [\d.]+\) on \d+ texts",
    r"verdict: The (LSTM|GRU|SimpleRNN) .+ bag-of-words baseline .+",
)]


def quiet_env(tmp_path: Path) -> dict[str, str]:
    """The environment of a person's shell: no TensorFlow log level of its own."""
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    return {**env, "LSTM_STUDIO_RUNS": str(tmp_path / "runs")}


@pytest.mark.parametrize(("data", "tokenizer"), [("demo-en", "auto"), ("demo-zh", "jieba")])
def test_train_writes_only_the_runs_own_lines_to_stderr(tmp_path, data, tokenizer):
    """jieba loads its dictionary (and writes its cache) in a fresh temporary folder here, the
    moment it logs "Building prefix dict" unless it is kept quiet."""
    env = {**quiet_env(tmp_path), "TMPDIR": str(tmp_path), "TEMP": str(tmp_path),
           "TMP": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "lstm_core", "train", data, "--demo-rows", "300",
         "--epochs", "1", "--units", "4", "--embed-dim", "8", "--tokenizer", tokenizer],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    strangers = [line for line in lines if not any(p.fullmatch(line) for p in RUN_LINES)]
    assert strangers == [], "\n".join(strangers)
    assert any(line.startswith("epoch 1/1: ") for line in lines)
    assert sum(line.startswith("verdict: ") for line in lines) == 1
    summary = json.loads(result.stdout)
    assert summary["status"] == "finished"
    if tokenizer == "jieba":  # prediction reads the run's own tokenizer from config.json
        predicted = subprocess.run(
            [sys.executable, "-m", "lstm_core", "predict", summary["run_dir"], "这家店的菜不好吃",
             "--json"], capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
        assert predicted.returncode == 0 and predicted.stderr == "", predicted.stderr
        assert json.loads(predicted.stdout)[0]["tokens"] == ["这家", "店", "的", "菜", "不", "好吃"]


def test_held_back_output_is_dropped_and_written_out_only_when_the_body_fails(capfd):
    with stderr_held_back():
        os.write(2, b"start-up chatter\n")
    assert capfd.readouterr().err == ""
    with pytest.raises(ImportError), stderr_held_back():
        os.write(2, b"libcudart.so: cannot open shared object file\n")
        raise ImportError("DLL load failed")
    assert capfd.readouterr().err == "libcudart.so: cannot open shared object file\n"


HELD_IN_ANOTHER_THREAD = """
import sys, threading
from lstm_core.tf_startup import stderr_copy, stderr_held_back

holding, done = threading.Event(), threading.Event()

def load():
    with stderr_held_back():
        holding.set()
        done.wait()

with stderr_copy() as copy:
    loader = threading.Thread(target=load)
    loader.start()
    holding.wait()
    print("through the copy", file=copy, flush=True)
    print("through sys.stderr", file=sys.stderr, flush=True)
    done.set()
    loader.join()
"""


def test_a_copy_of_stderr_reaches_the_terminal_while_another_thread_holds_it_back():
    result = subprocess.run([sys.executable, "-c", HELD_IN_ANOTHER_THREAD], capture_output=True,
                            text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 0 and result.stderr == "through the copy\n", result.stderr


def test_silencing_keeps_a_level_already_set_and_hooks_the_import_once():
    code = ("import os, sys; os.environ['TF_CPP_MIN_LOG_LEVEL'] = '1'; "
            "from lstm_core.tf_startup import silence_tensorflow_startup as silence; "
            "silence(); silence(); print(os.environ['TF_CPP_MIN_LOG_LEVEL'], "
            "sum(type(f).__name__ == '_QuietFinder' for f in sys.meta_path))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT, timeout=60)
    assert result.stdout.split() == ["1", "1"], result.stderr


WORKER_IMPORTS = """
import multiprocessing, sys
from concurrent.futures import ProcessPoolExecutor

import lstm_core.__main__, lstm_core.jobs.worker  # what spawn re-imports as a worker's main
from lstm_core.config import TextConfig
from lstm_core.text.processor import TextProcessor

FRAMEWORKS = ("sorted(m for m in __import__('sys').modules"
              " if m.split('.')[0] in ('tensorflow', 'keras'))")
with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
    assert pool.submit(TextProcessor(TextConfig())._tokenize_packed, ["a fine film"]).result()
    print(eval(FRAMEWORKS), pool.submit(eval, FRAMEWORKS).result())
"""


def test_tokenizer_workers_never_import_tensorflow():
    """A spawned tokenizer worker imports its parent's main module and the tokenizer's: neither
    may pull TensorFlow in (seconds of start-up per worker, and its log once more)."""
    result = subprocess.run([sys.executable, "-c", WORKER_IMPORTS], capture_output=True,
                            text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["[]", "[]"]
