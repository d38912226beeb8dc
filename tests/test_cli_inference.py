"""predict, gates and score through the real CLI, on one tiny run trained once for the module.

Each CLI call that loads the model imports TensorFlow in a fresh process (~5 s), so there are
four of those (the readable outputs run in this process, through ``main``); the mistakes fail
before TensorFlow loads and cost about a second each.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lstm_core import load_run
from lstm_core.cli import main
from lstm_core.config import ModelConfig, RunConfig, TextConfig, TrainConfig
from lstm_core.training.train import create_run, train_run
from tests.helpers import demo_examples

ROOT = Path(__file__).resolve().parents[1]
RUN_ID = "tiny-run"
UNITS = 6
TEXTS = ["The food was not good, but the service was great.", "!!! ???", "zzxq qqwv"]
LSTM_FIELDS = ("input_gate", "forget_gate", "candidate", "output_gate", "cell", "hidden")


def cli(*args: str, runs_root: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    if runs_root is not None:
        env["LSTM_STUDIO_RUNS"] = str(runs_root)
    return subprocess.run([sys.executable, "-m", "lstm_core", *args], capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=300)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    """A bidirectional LSTM, one epoch, in a run store of its own."""
    config = RunConfig(
        text=TextConfig(max_len=40, vocab_size=500),
        model=ModelConfig(embed_dim=8, units=UNITS, layers=1, bidirectional=True),
        train=TrainConfig(epochs=1, batch_size=32, seed=1),
    )
    path = create_run(config, demo_examples(300),
                      run_dir=tmp_path_factory.mktemp("store") / RUN_ID)
    train_run(path)
    return path


@pytest.fixture(scope="module")
def loaded(run_dir):
    return load_run(run_dir)


def test_predict_json_by_run_id_matches_the_run_in_process(run_dir, loaded):
    result = cli("predict", RUN_ID, *TEXTS, "--json", runs_root=run_dir.parent)
    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout)
    expected = loaded.predict(TEXTS)
    assert [a["text"] for a in answers] == TEXTS
    for answer, want in zip(answers, expected, strict=True):
        assert {"text", "label", "probabilities"} <= set(answer)
        assert set(answer["probabilities"]) == {"negative", "positive"}
        assert sum(answer["probabilities"].values()) == pytest.approx(1.0, abs=1e-5)
        assert answer["label"] == max(answer["probabilities"], key=answer["probabilities"].get)
        assert answer["label"] == want.label and answer["flag"] == want.flag
        for label, p in want.probabilities.items():
            assert answer["probabilities"][label] == pytest.approx(p, abs=1e-6)
    assert [a["flag"] for a in answers] == [None, "empty", "all_unknown"]


def test_predict_table_shows_label_confidence_and_flag(run_dir, loaded, capsys):
    assert main(["predict", str(run_dir), *TEXTS]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["text", "label", "confidence", "flag"]
    for line, want in zip(lines[1:4], loaded.predict(TEXTS), strict=True):
        assert f" {want.label} " in line and f"{want.probabilities[want.label]:.1%}" in line
        assert line.endswith(f"  {want.flag or '-'}")
    assert any(line.startswith("empty: no tokens") for line in lines[4:])


def test_gates_json_has_every_gate_per_token_and_unit(run_dir, loaded):
    text = "the food was not good"
    result = cli("gates", str(run_dir), text, "--json")
    assert result.returncode == 0, result.stderr
    trace = json.loads(result.stdout)
    assert trace["tokens"] == ["the", "food", "was", "not", "good"]
    assert trace["token_ids"] == loaded.encode(text)[1]
    assert [(layer["layer"], layer["direction"]) for layer in trace["layers"]] == [
        ("recurrent_1", "forward"), ("recurrent_1", "backward")]
    expected = loaded.gates(text)
    for layer, want in zip(trace["layers"], expected.layers, strict=True):
        assert set(layer) == {"layer", "direction", *LSTM_FIELDS}
        for field in LSTM_FIELDS:
            assert np.array(layer[field]).shape == (5, UNITS), field
        np.testing.assert_allclose(layer["hidden"], want.values["hidden"], atol=1e-6)


def test_gates_summary_names_each_layer_and_gate(run_dir, capsys):
    assert main(["gates", str(run_dir), "the plot was dull"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("tokens (4): the plot was dull")
    assert "recurrent_1 forward (lstm" in out and "recurrent_1 backward (lstm" in out
    for field in LSTM_FIELDS:
        assert len(re.findall(rf"^  {field} +4 x 6  mean [+-]\d", out, re.MULTILINE)) == 2


def test_predict_and_gates_answer_as_the_run_was_at_a_point_of_training(run_dir, loaded, capsys):
    inside = [s["epoch"] for s in loaded.snapshots() if 0 < s["epoch"] < 1]
    epoch = inside[-1] + 0.01  # between snapshots: the last one before
    then = loaded.at_epoch(inside[-1])
    assert main(["predict", str(run_dir), TEXTS[0], "--at-epoch", str(epoch), "--json"]) == 0
    (answer,) = json.loads(capsys.readouterr().out)
    want = then.predict(TEXTS[0])[0].probabilities
    assert answer["probabilities"] == want != loaded.predict(TEXTS[0])[0].probabilities
    assert main(["gates", str(run_dir), "the plot was dull", "--at-epoch", str(epoch),
                 "--json"]) == 0
    hidden = json.loads(capsys.readouterr().out)["layers"][0]["hidden"]
    np.testing.assert_allclose(hidden, then.gates("the plot was dull").layers[0].values["hidden"],
                               atol=1e-6)


def _no_temp_files(folder: Path) -> None:
    assert not [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_score_csv_keeps_rows_and_columns_and_renames_our_label(run_dir, loaded, tmp_path):
    source = demo_examples(40).assign(id=range(40))[["id", "text", "label"]]
    source.loc[5, "text"] = None  # a blank cell is scored, and flagged, not dropped
    source.to_csv(tmp_path / "in.csv", index=False)
    out = tmp_path / "scored.csv"
    result = cli("score", str(run_dir), str(tmp_path / "in.csv"), "--text-col", "text",
                 "--out", str(out))
    assert result.returncode == 0, result.stderr
    scored = pd.read_csv(out)
    assert list(scored.columns) == ["id", "text", "label", "predicted_label", "p_negative",
                                    "p_positive", "flag"]
    assert len(scored) == 40 and scored["id"].tolist() == list(range(40))
    assert scored["label"].tolist() == source["label"].tolist()
    np.testing.assert_allclose(scored[["p_negative", "p_positive"]].sum(axis=1), 1, atol=1e-5)
    want = loaded.predict(source["text"].fillna("").tolist())
    assert scored["predicted_label"].tolist() == [p.label for p in want]
    np.testing.assert_allclose(scored["p_positive"], [p.probabilities["positive"] for p in want],
                               atol=1e-5)
    assert scored.loc[5, "flag"] == "empty" and scored["flag"].isna().sum() >= 38
    assert "wrote 40 rows" in result.stderr
    _no_temp_files(tmp_path)


def test_score_reads_excel_and_names_our_column_label(run_dir, tmp_path):
    pd.DataFrame({"review": TEXTS, "stars": [5, 1, 3]}).to_excel(tmp_path / "in.xlsx",
                                                                  index=False)
    out = tmp_path / "scored.csv"
    result = cli("score", str(run_dir), str(tmp_path / "in.xlsx"), "--text-col", "review",
                 "--out", str(out))
    assert result.returncode == 0, result.stderr
    scored = pd.read_csv(out, keep_default_na=False)
    assert list(scored.columns) == ["review", "stars", "label", "p_negative", "p_positive",
                                    "flag"]
    assert scored["review"].tolist() == TEXTS and scored["stars"].tolist() == [5, 1, 3]
    assert scored["flag"].tolist() == ["", "empty", "all_unknown"]
    _no_temp_files(tmp_path)


def test_score_reads_the_file_in_the_encoding_given(run_dir, tmp_path):
    texts = ["Отлично", "Ужасно", "Нормально"]  # too short for the guess to tell the alphabet
    (tmp_path / "in.csv").write_bytes(("Отзыв\n" + "\n".join(texts) + "\n").encode("cp1251"))
    out = tmp_path / "scored.csv"
    assert main(["score", str(run_dir), str(tmp_path / "in.csv"), "--encoding", "cp1251",
                 "--out", str(out)]) == 0
    scored = pd.read_csv(out)
    assert scored["Отзыв"].tolist() == texts
    assert scored["flag"].tolist() == ["all_unknown"] * 3  # the run knows English words only


def test_user_mistakes_exit_2_with_one_error_line_before_tensorflow_loads(run_dir, tmp_path):
    no_model = run_dir.parent / "no-model"
    no_model.mkdir()
    (no_model / "config.json").write_text((run_dir / "config.json").read_text())
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\x00\x01\x02binary\xff" * 50)
    good = tmp_path / "good.csv"
    good.write_text("review,stars\ngreat,5\n")
    cases = {
        ("predict", str(no_model), "hi"): r"no saved model",
        ("predict", "no-such-run", "hi"): r"There is no run 'no-such-run'",
        ("gates", str(tmp_path / "gone" / "run"), "hi"): r"does not exist",
        ("predict", RUN_ID, "hi", "--at-epoch", "3"):
            r"no weights at epoch 3; it has epochs 0 to 1\.$",
        ("gates", RUN_ID, "hi", "--at-epoch", "-1"):
            r"no weights at epoch -1; it has epochs 0 to 1\.$",
        ("score", RUN_ID, str(bad), "--text-col", "text", "--out", str(tmp_path / "o.csv")):
            r"bad\.csv",
        ("score", RUN_ID, str(good), "--text-col", "text", "--out", str(tmp_path / "o.csv")):
            r"'text' is not a column of good\.csv; its columns are \['review', 'stars'\]",
        ("score", RUN_ID, str(good), "--encoding", "klingon", "--out", str(tmp_path / "o.csv")):
            r"encoding must be a Python codec name such as utf-8, .*got 'klingon'",
    }
    for args, message in cases.items():
        result = cli(*args, runs_root=run_dir.parent)
        lines = result.stderr.strip().splitlines()
        assert result.returncode == 2, (args, result.stderr)
        assert len(lines) == 1 and lines[0].startswith("error: "), (args, result.stderr)
        assert re.search(message, lines[0]), lines[0]
    assert not (tmp_path / "o.csv").exists()


def test_score_refuses_an_input_column_it_would_overwrite(run_dir, tmp_path):
    source = tmp_path / "mine.csv"
    source.write_text("text,flag\nthe food was good,checked\n", encoding="utf-8")
    out = tmp_path / "scored.csv"
    result = cli("score", str(run_dir), str(source), "--out", str(out))
    assert result.returncode == 2, result.stderr
    last = result.stderr.strip().splitlines()[-1]  # TensorFlow's own log lines come first
    assert re.fullmatch(r"error: The input already has column\(s\) \['flag'\], which scoring "
                        r"writes; rename or drop them first\.", last)
    assert not out.exists()


def test_flow_json_gives_one_norm_per_token_per_layer_and_direction(run_dir, loaded, capsys):
    text = "the food was not good"
    assert main(["flow", str(run_dir), text, "--json"]) == 0
    flow = json.loads(capsys.readouterr().out)
    assert flow["tokens"] == ["the", "food", "was", "not", "good"]
    assert [(layer["layer"], layer["direction"]) for layer in flow["layers"]] == [
        ("embedding", "input"), ("recurrent_1", "forward"), ("recurrent_1", "backward")]
    want = loaded.gradient_flow(text)
    assert flow["label"] == want.label == loaded.predict(text)[0].label
    for layer, expected in zip(flow["layers"], want.layers, strict=True):
        assert len(layer["norms"]) == 5 and all(n >= 0 for n in layer["norms"])
        np.testing.assert_allclose(layer["norms"], expected.norms, rtol=1e-6)
    assert main(["flow", str(run_dir), text, "--label", "positive"]) == 0
    assert "loss -log p(positive)" in capsys.readouterr().out
