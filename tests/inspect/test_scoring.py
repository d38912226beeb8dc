"""Scoring a table: the columns added, and the user's columns never overwritten."""

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from lstm_core import load_run
from lstm_core.errors import StudioError
from lstm_core.inspect.scoring import score_columns, score_frame

LEGACY_RUN = Path(__file__).parents[1] / "fixtures" / "runs_v1" / "demo-en-lstm"
TEXTS = ["the food was not good", "the plot was never boring", ""]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("scoring") / "run"
    shutil.copytree(LEGACY_RUN, run_dir)
    return load_run(run_dir)


def test_score_columns_names_ours_and_renames_the_label_column():
    assert score_columns(["text"], ["negative", "positive"]) == {
        "label": "label", "negative": "p_negative", "positive": "p_positive", "flag": "flag"}
    assert score_columns(["text", "label"], ["negative"])["label"] == "predicted_label"


@pytest.mark.parametrize(("columns", "taken"), [
    (["text", "p_positive"], ["p_positive"]),
    (["text", "flag"], ["flag"]),
    (["text", "label", "predicted_label"], ["predicted_label"]),
    (["p_negative", "text", "flag"], ["p_negative", "flag"]),
])
def test_score_columns_refuses_a_column_it_would_overwrite(columns, taken):
    with pytest.raises(StudioError, match=re.escape(f"already has column(s) {taken!r}")):
        score_columns(columns, ["negative", "positive"])


def test_score_frame_adds_the_predictions_and_keeps_every_input_column(run):
    frame = pd.DataFrame({"text": TEXTS, "label": ["negative", "positive", "negative"]})
    scored = score_frame(run, frame, "text")
    assert list(scored.columns) == ["text", "label", "predicted_label", "p_negative",
                                    "p_positive", "flag"]
    assert scored["label"].tolist() == frame["label"].tolist()  # the user's labels, kept
    predictions = run.predict(TEXTS)
    assert scored["predicted_label"].tolist() == [p.label for p in predictions]
    assert scored["p_positive"].tolist() == pytest.approx(
        [p.probabilities["positive"] for p in predictions], abs=1e-6)
    assert scored["flag"].tolist() == ["", "", "empty"]


@pytest.mark.parametrize("column", ["p_positive", "flag"])
def test_score_frame_refuses_to_overwrite_a_users_column(run, column):
    frame = pd.DataFrame({"text": TEXTS, column: ["mine", "mine", "mine"]})
    seen = []
    with pytest.raises(StudioError, match=rf"already has column\(s\) \['{column}'\]"):
        score_frame(run, frame, "text", progress=lambda done, total: seen.append(done))
    assert seen == []  # refused before any text was scored
    assert frame[column].tolist() == ["mine"] * 3


def test_score_frame_names_a_missing_text_column(run):
    with pytest.raises(StudioError, match=r"There is no column 'review'; the columns are"):
        score_frame(run, pd.DataFrame({"text": TEXTS}), "review")
