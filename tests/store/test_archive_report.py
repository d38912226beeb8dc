"""A run as a zip, runs' settings side by side, and the self-contained HTML report (and its CLI),
on one real tiny run whose class names are markup."""

import html
import io
import json
import os
import re
import shutil
import socket
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from plotly.offline import get_plotlyjs

from lstm_core.cli import main
from lstm_core.config import ModelConfig, RunConfig, TextConfig, TrainConfig
from lstm_core.errors import StudioError
from lstm_core.figures.report import build_report, write_report
from lstm_core.fileio import atomic_write_json, read_json
from lstm_core.store import runs
from lstm_core.store.archive import (
    ARCHIVE_FILES,
    differing_rows,
    format_setting,
    hyperparameter_table,
    run_archive,
)
from lstm_core.store.results import run_verdict
from lstm_core.store.runs import RunSummary
from lstm_core.training.train import create_run, train_run
from tests.helpers import demo_examples

XSS = "<img src=x onerror=alert(1)>"
EVIL_LABEL = "<b>positive</b>"  # a class name from the user's data, to be shown, never rendered
SECTIONS = ["Data", "Settings", "Training curves", "Test results", "Predictions",
            "Inside the network: one sentence"]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    examples = demo_examples(400)
    examples["label"] = examples["label"].replace({"positive": EVIL_LABEL})
    config = RunConfig(text=TextConfig(max_len=40, vocab_size=500),
                       model=ModelConfig(embed_dim=8, units=6),
                       train=TrainConfig(epochs=2, batch_size=32, seed=1))
    path = create_run(config, examples,
                      run_dir=tmp_path_factory.mktemp("store") / "20260101-000000-tiny")
    train_run(path)
    return path


@pytest.fixture(scope="module")
def report(run_dir) -> str:
    return build_report(run_dir, sentence=f"the food was {XSS} not good")


def copy_run(run_dir: Path, where: Path, *, drop: tuple[str, ...] = (), **status) -> Path:
    """A copy of the trained run with some files removed and status.json changed."""
    copy = shutil.copytree(run_dir, where / run_dir.name)
    for name in drop:
        (copy / name).unlink()
    if status:
        atomic_write_json(copy / runs.STATUS_FILE, {**read_json(copy / runs.STATUS_FILE),
                                                    **status})
    return copy


def running_here() -> dict:
    """status.json fields of a job that is alive: this very test process."""
    return {"status": "running", "pid": os.getpid(), "host": socket.gethostname(),
            "pid_created": runs.process_started(os.getpid())}


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text of each <h2>."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.headings: list[str] = []
        self._in_h2 = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_h2 = tag == "h2"

    def handle_endtag(self, tag):
        self._in_h2 = self._in_h2 and tag != "h2"

    def handle_data(self, data):
        if self._in_h2:
            self.headings.append(data)


def parse(page: str) -> Tags:
    parser = Tags()
    parser.feed(page)
    return parser


# --- run_archive ------------------------------------------------------------------------------


def test_the_zip_holds_the_run_files_under_a_folder_named_after_the_run(run_dir):
    with zipfile.ZipFile(io.BytesIO(run_archive(run_dir))) as archive:
        names = archive.namelist()
        snapshots = sorted(p.relative_to(run_dir).as_posix()
                           for p in (run_dir / "snapshots").glob("step-*.npz"))
        assert len(snapshots) >= 3  # the initial weights, inside the first epoch, its end
        assert names == [f"{run_dir.name}/{name}" for name in (*ARCHIVE_FILES, *snapshots)]
        assert archive.read(f"{run_dir.name}/model.keras") == (run_dir / "model.keras").read_bytes()
        assert archive.read(f"{run_dir.name}/{snapshots[-1]}") == \
            (run_dir / snapshots[-1]).read_bytes()
        config = json.loads(archive.read(f"{run_dir.name}/config.json"))
    assert config == read_json(run_dir / "config.json")
    assert not any(name.endswith(("data.parquet", ".lock")) for name in names)


def test_a_run_stopped_before_testing_is_zipped_without_the_missing_files(run_dir, tmp_path):
    stopped = copy_run(run_dir, tmp_path, drop=("metrics.json", "predictions.csv"),
                       status="stopped")
    with zipfile.ZipFile(io.BytesIO(run_archive(stopped))) as archive:
        names = {Path(name).name for name in archive.namelist() if "/snapshots/" not in name}
    assert names == set(ARCHIVE_FILES) - {"metrics.json", "predictions.csv"}


def test_deleting_a_run_takes_its_snapshots_with_it(run_dir, tmp_path):
    copy = copy_run(run_dir, tmp_path)
    assert list((copy / runs.SNAPSHOT_DIR).glob("step-*.npz"))
    runs.delete_run(copy)
    assert not copy.exists()


@pytest.mark.parametrize("state", ["running", "queued"])
def test_a_run_still_training_is_not_zipped(run_dir, tmp_path, state):
    active = copy_run(run_dir, tmp_path, **{**running_here(), "status": state})
    with pytest.raises(StudioError, match=rf"is {state}; its files are still being written"):
        run_archive(active)


def test_a_folder_that_is_not_a_run_is_refused(tmp_path):
    with pytest.raises(StudioError, match=r"is not a run directory \(it has no config.json\)"):
        run_archive(tmp_path)


# --- hyperparameter_table ---------------------------------------------------------------------


def summary(run_id: str, config: dict) -> RunSummary:
    return RunSummary(run_id=run_id, path=Path(run_id), status="finished", config=config)


def test_settings_side_by_side_one_column_per_run_and_the_differences_flagged():
    a = summary("a", {"model": {"units": 8, "dropout": 0.2, "bidirectional": False},
                      "train": {"learning_rate": 0.001}})
    b = summary("b", {"model": {"units": 16, "dropout": 0.2, "bidirectional": False},
                      "train": {"learning_rate": 1e-3, "epochs": 5}})
    broken = summary("broken", {})
    table = hyperparameter_table([a, b])
    assert list(table.columns) == ["a", "b"] and table.index.name == "setting"
    assert list(table.index) == ["model.units", "model.dropout", "model.bidirectional",
                                 "train.learning_rate", "train.epochs"]
    assert table.loc["model.units"].tolist() == [8, 16]
    assert table.loc["train.epochs"].tolist() == [None, 5]
    assert differing_rows(table).to_dict() == {
        "model.units": True, "model.dropout": False, "model.bidirectional": False,
        "train.learning_rate": False, "train.epochs": True}
    with_broken = hyperparameter_table([a, broken])
    assert with_broken["broken"].isna().all() and differing_rows(with_broken).all()
    assert not differing_rows(hyperparameter_table([a])).any()
    same = hyperparameter_table([summary("x", {"m": {"v": 1}}), summary("y", {"m": {"v": 1.0}}),
                                 summary("z", {"m": {"v": True}})])
    assert differing_rows(same.iloc[:, :2]).tolist() == [False]  # 1 and 1.0 agree
    assert differing_rows(same).tolist() == [True]  # True is not the number 1
    assert [format_setting(v) for v in (None, True, False, 0.001, 3, "adam")] == [
        "-", "yes", "no", "0.001", "3", "adam"]


# --- build_report ---------------------------------------------------------------------------


def test_the_report_has_every_section_in_order(report, run_dir):
    page = parse(report)
    assert page.headings == SECTIONS
    assert f"<title>Run report: {run_dir.name}</title>" in report
    for figure in ("curves", "comparison", "confusion", "roc", "trajectory", "gates"):
        assert f'id="figure-{figure}"' in report
    assert "<td>finished</td>" in report and "<td>CPU</td>" in report
    metrics = read_json(run_dir / "metrics.json")
    assert f"{metrics['accuracy']:.1%}" in report
    assert f"{metrics['baseline']['accuracy']:.1%}" in report
    assert "<b>forget gate</b>" in report  # what each gate does, in words


def test_the_report_plays_the_sentence_through_every_snapshot(report, run_dir):
    from lstm_core.store.snapshots import list_snapshots

    timelapse = report[report.index('id="figure-timelapse"'):]
    assert "Plotly.addFrames" in timelapse and "Inside, as it learned" in timelapse
    # One slider step per snapshot, then Play and Pause.
    assert timelapse.count('"method":"animate"') == len(list_snapshots(run_dir)) + 2


def test_the_report_is_one_file_with_plotly_inlined_once_and_nothing_fetched(report):
    assert report.count(get_plotlyjs()) == 1
    page = parse(report)
    for tag, attrs in page.tags:
        assert tag not in ("iframe", "img", "link", "object", "embed"), (tag, attrs)
        if tag == "script":
            assert "src" not in attrs, attrs
        for name in ("src", "href"):
            assert not str(attrs.get(name, "")).startswith(("http:", "https:", "//")), attrs
    outside_plotly = report.replace(get_plotlyjs(), "")
    assert 'src="http' not in outside_plotly and "cdn." not in outside_plotly


def test_user_text_and_class_names_are_escaped_everywhere(report):
    assert XSS not in report and EVIL_LABEL not in report
    assert f'<p class="sentence">the food was {html.escape(XSS)} not good</p>' in report
    assert html.escape(EVIL_LABEL) in report  # in the tables, shown as text


def test_predictions_show_eight_test_texts_with_the_most_confident_mistakes(report, run_dir):
    predictions = pd.read_csv(run_dir / "predictions.csv", keep_default_na=False)
    mistakes = int((predictions["label"] != predictions["predicted"]).sum())
    section = report.split("<h2>Predictions</h2>")[1].split("</section>")[0]
    assert section.count("<tr") == 1 + 8
    assert section.count('<tr class="wrong">') == min(3, mistakes)
    assert html.escape(predictions["text"].iloc[0]) in section


def test_the_test_results_say_whether_the_model_beats_bag_of_words(report, run_dir, tmp_path):
    section = report.split("<h2>Test results</h2>")[1].split("</section>")[0]
    verdict = run_verdict(run_dir)
    assert html.escape(verdict.summary) in section
    assert verdict.outcome != "better"  # 320 texts, 6 units, 2 epochs
    assert "What to try:" in section
    for tip in verdict.suggestions:
        assert f"<li>{html.escape(tip)}</li>" in section
    won = copy_run(run_dir, tmp_path)
    metrics = read_json(won / "metrics.json")
    atomic_write_json(won / "metrics.json", {**metrics, "accuracy": 0.95,
                                             "baseline": {**metrics["baseline"], "accuracy": 0.6}})
    page = build_report(won)
    assert '<p class="verdict">The LSTM beats the bag-of-words baseline by 35.0 points' in page
    assert "What to try:" not in page


def test_without_a_sentence_the_gate_view_reads_the_first_test_text(run_dir):
    data = pd.read_parquet(run_dir / "data.parquet")
    first = data.loc[data["split"] == "test", "text"].iloc[0]
    assert f'<p class="sentence">{html.escape(first)}</p>' in build_report(run_dir)


def test_a_run_stopped_early_gets_a_report_with_notes_instead_of_results(run_dir, tmp_path):
    stopped = copy_run(run_dir, tmp_path, drop=("metrics.json", "predictions.csv", "model.keras"),
                       status="stopped", message="Stopped by the user.")
    page = build_report(stopped)
    assert parse(page).headings == SECTIONS
    assert "This run has no test results" in page and "No test predictions" in page
    assert "saved no model" in page and "Stopped by the user." in page
    assert 'id="figure-curves"' in page and 'id="figure-confusion"' not in page


def test_a_run_still_training_gets_a_report_of_what_there_is(run_dir, tmp_path):
    active = copy_run(run_dir, tmp_path, drop=("metrics.json", "predictions.csv"),
                      **running_here())
    page = build_report(active)
    assert "still running when this report was written" in page
    assert "left out while the run is training" in page and 'id="figure-gates"' not in page


def test_write_report_replaces_the_file_atomically_and_checks_the_folder(run_dir, tmp_path):
    out = tmp_path / "report.html"
    out.write_text("old")
    assert write_report(run_dir, out) == out
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]  # no temp file left
    with pytest.raises(StudioError, match=r"the folder .*missing does not exist"):
        write_report(run_dir, tmp_path / "missing" / "report.html")
    with pytest.raises(StudioError, match="is not a run directory"):
        build_report(tmp_path)


# --- CLI ------------------------------------------------------------------------------------


def test_cli_report_writes_the_file_for_a_path_or_a_run_id(run_dir, tmp_path, capsys,
                                                          monkeypatch):
    out = tmp_path / "by-path.html"
    assert main(["report", str(run_dir), "--out", str(out), "--sentence", XSS]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    written = out.read_text(encoding="utf-8")
    assert parse(written).headings == SECTIONS and XSS not in written

    monkeypatch.setenv("LSTM_STUDIO_RUNS", str(run_dir.parent))
    assert main(["report", run_dir.name, "--out", str(tmp_path / "by-id.html")]) == 0
    assert (tmp_path / "by-id.html").is_file()


@pytest.mark.parametrize("args, message", [
    (["nowhere/run"], "nowhere/run does not exist"),
    (["no-such-run"], "There is no run 'no-such-run'"),
    (["RUN", "--out", "{tmp}/missing/r.html"], "the folder .*missing does not exist"),
    (["RUN"], "the following arguments are required: --out"),
])
def test_cli_report_errors_are_one_line_with_exit_status_2(run_dir, tmp_path, capsys, args,
                                                          message):
    args = [a.replace("RUN", str(run_dir)).replace("{tmp}", str(tmp_path)) for a in args]
    if "--out" not in args and "required" not in message:
        args += ["--out", str(tmp_path / "r.html")]
    assert main(["report", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and len(err.strip().splitlines()) == 1
    assert re.search(message, err), err
