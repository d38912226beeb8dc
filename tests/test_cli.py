import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from lstm_core.cli import main
from lstm_core.commands.train import (
    FLAG_GROUPS,
    add_arguments,
    add_setting_flags,
    build_config,
    flag_values,
    setting_flags,
)
from lstm_core.config import DEFAULT_SPLIT_SEED, RunConfig, TextConfig
from lstm_core.errors import StudioError
from lstm_core.text.processor import TextProcessor
from tests.data.reviews import review_rows, reviews_csv

ROOT = Path(__file__).resolve().parents[1]


def cli(*args: str, env_runs: Path | None = None, timeout: float = 300):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    if env_runs is not None:
        env["LSTM_STUDIO_RUNS"] = str(env_runs)
    return subprocess.run([sys.executable, "-m", "lstm_core", *args], capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=timeout)


def test_demo_data_writes_a_text_label_csv(tmp_path, capsys):
    out = tmp_path / "demo.csv"
    args = ["demo-data", "--out", str(out), "--rows", "50", "--lang", "zh", "--seed", "4"]
    assert main(args) == 0
    frame = pd.read_csv(out)
    assert list(frame.columns) == ["text", "label"] and len(frame) == 50
    assert frame["text"].str.contains("[\u4e00-\u9fff]").all()


def test_train_prints_one_json_line_last_and_runs_lists_it(tmp_path):
    data = tmp_path / "demo.csv"
    assert main(["demo-data", "--out", str(data), "--rows", "300"]) == 0
    run_dir = tmp_path / "runs" / "cli-run"
    result = cli("train", str(data), "--text-col", "text", "--label-col", "label",
                 "--run-dir", str(run_dir), "--epochs", "1", "--units", "8", "--embed-dim", "8",
                 "--batch-size", "32", "--max-len", "40", "--vocab-size", "300", "--seed", "1",
                 "--val-split", "0.2", "--device", "cpu", "--cell", "gru", "--pooling", "mean",
                 "--layers", "1", "--bidirectional", "--dropout", "0.1", "--learning-rate", "0.01",
                 "--lr-schedule", "linear", "--author", "Ada", env_runs=tmp_path / "runs")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert {"run_dir", "status", "epochs", "val_accuracy", "test_accuracy", "samples_per_s",
            "device"} <= set(summary)
    assert summary["status"] == "finished" and summary["device"] == "CPU"
    assert summary["run_dir"] == str(run_dir) and summary["epochs"] == 1
    assert "epoch 1/1" in result.stderr
    config = json.loads((run_dir / "config.json").read_text())
    assert config["model"]["cell"] == "gru" and config["model"]["bidirectional"] is True
    assert config["data"]["val_split"] == 0.2 and config["train"]["learning_rate"] == 0.01
    assert config["train"]["lr_schedule"] == "linear"

    listed = json.loads(cli("runs", "--json", env_runs=tmp_path / "runs").stdout)
    assert [(r["run_id"], r["author"]) for r in listed] == [("cli-run", "Ada")]
    assert listed[0]["test_set"] == json.loads((run_dir / "status.json").read_text())["test_set"]
    assert "cli-run" in cli("runs", env_runs=tmp_path / "runs").stdout


def test_test_data_file_replaces_the_test_split_and_counts_in_the_data_check(tmp_path):
    """Trained on short texts, tested on texts four times as long: the suggested max_len covers
    the test texts, and the check says they are much longer."""
    train, test = tmp_path / "train.csv", tmp_path / "test.csv"
    main(["demo-data", "--out", str(train), "--rows", "300", "--seed", "1"])
    main(["demo-data", "--out", str(test), "--rows", "60", "--seed", "2"])
    tests = pd.read_csv(test)
    tests["text"] = [" ".join([text] * 4) for text in tests["text"]]
    tests.to_csv(test, index=False)
    result = cli("train", str(train), "--test-data", str(test), "--run-dir",
                 str(tmp_path / "r"), "--epochs", "1", "--units", "4", "--embed-dim", "4")
    assert result.returncode == 0, result.stderr
    metrics = json.loads((tmp_path / "r" / "metrics.json").read_text())
    assert metrics["examples"] == 60
    assert "warning: The test texts are much longer than the training texts" in result.stderr
    [verdict] = [line for line in result.stderr.splitlines() if line.startswith("verdict: ")]
    assert "bag-of-words baseline" in verdict and "on 60 test texts" in verdict
    processor = TextProcessor(TextConfig())
    train_lengths = [len(processor.tokenize(text)) for text in pd.read_csv(train)["text"]]
    test_lengths = [len(processor.tokenize(text)) for text in tests["text"]]
    max_len = json.loads((tmp_path / "r" / "config.json").read_text())["text"]["max_len"]
    assert max_len > max(train_lengths)
    cut = sum(length > max_len for length in train_lengths + test_lengths)
    assert cut <= 0.01 * (len(train_lengths) + len(test_lengths))


def test_the_encoding_flag_reads_train_and_test_files_and_the_run_records_it(tmp_path):
    train, test = tmp_path / "отзывы.csv", tmp_path / "тест.csv"
    train.write_bytes(reviews_csv("ru", 60, delimiter=";").encode("cp1251"))
    test.write_bytes(reviews_csv("ru", 12, delimiter=";").encode("cp1251"))
    result = cli("train", str(train), "--encoding", "Windows-1251", "--test-data", str(test),
                 "--run-dir", str(tmp_path / "r"), "--epochs", "1", "--units", "4",
                 "--embed-dim", "8")
    assert result.returncode == 0, result.stderr
    assert "encoding: cp1251\n" in result.stderr  # given, not guessed
    config = json.loads((tmp_path / "r" / "config.json").read_text())
    assert config["data"]["encoding"] == "cp1251"
    data = pd.read_parquet(tmp_path / "r" / "data.parquet")
    tested = data["split"] == "test"
    assert sorted(data.loc[~tested, "text"]) == sorted(text for text, _ in review_rows("ru", 60))
    assert sorted(data.loc[tested, "text"]) == sorted(text for text, _ in review_rows("ru", 12))


def test_user_mistakes_exit_2_with_one_error_line(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    cases = [
        ("train", str(empty)),
        ("train", str(tmp_path / "missing.csv")),
        ("trian",),
        ("train", "demo-en", "--units", "0"),
        ("train", "demo-en", "--bogus-flag"),
        ("train", "demo-en", "--encoding", "klingon"),
        ("train", "demo-en", "--encoding", "cp1251"),
        ("demo-data", "--out", str(tmp_path / "x.csv"), "--rows", "-5"),
    ]
    for args in cases:
        result = cli(*args)
        lines = result.stderr.strip().splitlines()
        assert result.returncode == 2, (args, result.stderr)
        assert len(lines) == 1 and lines[0].startswith("error: "), (args, result.stderr)
        assert "Traceback" not in result.stderr
    assert "did you mean 'train'" in cli("trian").stderr.lower()


def test_listing_and_help_never_import_tensorflow():
    code = ("import sys; from lstm_core.cli import main; main(['runs']); "
            "print('tensorflow' in sys.modules, 'keras' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.stdout.strip().splitlines()[-1] == "False False"
    help_text = cli("--help").stdout
    assert "demo-data" in help_text and "train" in help_text and "runs" in help_text


def test_train_help_explains_every_setting():
    result = cli("train", "--help")
    assert result.returncode == 0, result.stderr
    assert "99% of texts" in result.stdout and "--bucket-by-length" in result.stdout


# --- the train command's setting flags, generated from the config declarations ------------------

# The flags scripts already use, by --help group: a contract, so a new declaration that should
# not be a flag (a data-source field) is caught here.
SETTING_FLAGS = {
    "model": {"--cell", "--embed-dim", "--word-dropout", "--embed-dropout", "--units", "--layers",
              "--bidirectional", "--pooling", "--dropout", "--recurrent-dropout"},
    "text": {"--max-len", "--vocab-size", "--tokenizer", "--remove-stopwords"},
    "training": {"--epochs", "--batch-size", "--learning-rate", "--lr-schedule", "--optimizer",
                 "--early-stopping", "--class-weights", "--seed", "--val-split", "--test-split",
                 "--split-seed",
                 "--device", "--mixed-precision", "--bucket-by-length"},
}


def _train_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(exit_on_error=False)
    add_arguments(parser)
    return parser


def _another_value(item):
    """A valid value other than the default, so a flag that is dropped cannot pass."""
    if item.kind is bool:
        return not item.default
    if item.spec.choices is not None:
        return next(choice for choice in item.spec.choices if choice != item.default)
    if item.kind is int:
        return item.default + 1 if item.default < item.spec.high else item.default - 1
    return (item.default + item.spec.high) / 2


def test_the_setting_flags_are_the_ones_scripts_use():
    groups: dict[str, set] = {}
    for section, item in setting_flags():
        groups.setdefault(FLAG_GROUPS[section], set()).add(item.flag)
    assert groups == SETTING_FLAGS


@pytest.mark.parametrize(("section", "item"), setting_flags(), ids=lambda p: str(p))
def test_every_flag_lands_in_its_config_field(section, item):
    value = _another_value(item)
    if item.kind is bool:
        given = [item.flag if value else f"--no-{item.flag[2:]}"]
    else:
        given = [item.flag, str(value)]
    args = _train_parser().parse_args(["demo-en", *given])
    config = build_config(args, {}, "text", "label")
    assert getattr(getattr(config, section), item.name) == value
    assert RunConfig.from_dict(config.to_dict()) == config


def test_flags_override_suggestions_and_the_seed_leaves_the_split_alone():
    args = _train_parser().parse_args(["demo-en", "--units", "8", "--seed", "7"])
    suggested = {"model": {"units": 64, "embed_dim": 128}, "train": {"epochs": 2}}
    config = build_config(args, suggested, "review", "stars")
    assert (config.model.units, config.model.embed_dim, config.train.epochs) == (8, 128, 2)
    assert (config.train.seed, config.data.split_seed) == (7, DEFAULT_SPLIT_SEED)
    args = _train_parser().parse_args(["demo-en", "--split-seed", "5"])
    assert build_config(args, {}, "text", "label").data.split_seed == 5
    assert (config.data.text_col, config.data.label_col) == ("review", "stars")


def test_a_flag_value_the_config_refuses_names_the_field():
    args = _train_parser().parse_args(["demo-en", "--dropout", "0.95"])
    with pytest.raises(StudioError, match=r"dropout must be a number from 0.0 up to 0.9"):
        build_config(args, {}, "text", "label")


def test_a_new_declared_field_gets_a_flag():
    from tests.test_config import Throwaway

    parser = argparse.ArgumentParser(exit_on_error=False)
    add_setting_flags(parser, {"extra": Throwaway})
    args = parser.parse_args(["--momentum", "0.5", "--nesterov"])
    assert flag_values(args, {"extra": Throwaway}) == {"extra": {"momentum": 0.5,
                                                                 "nesterov": True}}
    assert "How much of the last update carries on." in parser.format_help()
    with pytest.raises(SystemExit):  # declared with flag=False
        parser.parse_args(["--warmup", "2"])


def test_two_model_seeds_from_the_command_line_test_on_the_same_texts(tmp_path):
    from lstm_core.training.train import create_run
    from tests.helpers import demo_examples

    examples, tested = demo_examples(200), []
    for seed in ("1", "2"):
        args = _train_parser().parse_args(["demo-en", "--seed", seed])
        run_dir = create_run(build_config(args, {}, "text", "label"), examples,
                             run_dir=tmp_path / seed)
        frame = pd.read_parquet(run_dir / "data.parquet")
        tested.append(sorted(frame.loc[frame["split"] == "test", "text"]))
    assert tested[0] == tested[1] and len(tested[0]) == 20


def test_train_detach_queues_the_job_returns_at_once_and_the_job_trains_to_the_end(tmp_path):
    from lstm_core.store.runs import read_status

    result = cli("train", "demo-en", "--demo-rows", "200", "--epochs", "1", "--units", "4",
                 "--embed-dim", "8", "--detach", env_runs=tmp_path / "runs")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["status"] == "queued" and set(summary) == {"run_dir", "status"}
    assert "epoch 1/1" not in result.stderr  # it returned before the job trained
    run_dir = Path(summary["run_dir"])
    deadline = time.monotonic() + 180
    while read_status(run_dir)["status"] not in ("finished", "failed", "interrupted"):
        assert time.monotonic() < deadline, read_status(run_dir)
        time.sleep(0.5)
    status = read_status(run_dir)
    assert status["status"] == "finished" and (run_dir / "metrics.json").exists()
    assert status["pid"] != os.getpid() and status["executor"] == "local"  # a process of its own
