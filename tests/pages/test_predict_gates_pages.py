"""AppTest tests of the Predict and Gates pages on a real tiny run."""

import json
from pathlib import Path

import numpy as np
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from lstm_core.config import ModelConfig, RunConfig, TextConfig, TrainConfig
from lstm_core.training.train import create_run, train_run
from tests.helpers import demo_examples

ROOT = Path(__file__).resolve().parents[2]
XSS = "<img src=x onerror=alert(1)>"
RUN_ID = "20260101-000000-tiny"
SENTENCE = "the food was not good"


@pytest.fixture(scope="module")
def runs_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    config = RunConfig(text=TextConfig(max_len=40, vocab_size=500),
                       model=ModelConfig(embed_dim=8, units=6, layers=2, bidirectional=True),
                       train=TrainConfig(epochs=1, seed=1))
    train_run(create_run(config, demo_examples(400), run_dir=root / "20260101-000000-tiny"))
    return root


@pytest.fixture(autouse=True)
def _runs(runs_root, monkeypatch):
    monkeypatch.setenv("LSTM_STUDIO_RUNS", str(runs_root))
    st.cache_data.clear()
    st.cache_resource.clear()


def page(path: str, **query) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.query_params.update(query)
    at.switch_page(path)
    return at.run()


def all_text(at: AppTest) -> str:
    return "\n".join([m.value for m in at.markdown] + [e.value for e in at.error]
                     + [i.value for i in at.info] + [c.value for c in at.caption])


def test_predict_an_example_shows_the_table_tokens_and_trajectory():
    at = page("pages/predict.py")
    assert not at.exception
    next(b for b in at.button if b.label == "negation").click().run()
    assert not at.exception
    assert at.text_area(key="sentences").value == "the food was not good"
    assert at.query_params["text"] == "the food was not good"
    table = at.dataframe[0].value
    assert list(table["text"]) == ["the food was not good"]
    assert set(table["label"]) <= {"negative", "positive"}
    assert "bag-of-words says" in table.columns
    assert "not" in all_text(at)


def test_a_shared_link_opens_the_same_run_and_sentences():
    at = page("pages/predict.py", run="20260101-000000-tiny", text="the plot was dull\nfine")
    assert not at.exception
    assert at.selectbox[0].value == "20260101-000000-tiny"
    assert list(at.dataframe[0].value["text"]) == ["the plot was dull", "fine"]


def test_user_text_is_escaped_wherever_it_is_rendered():
    text = f"the food was {XSS} good"
    at = page("pages/predict.py", text=text)
    assert not at.exception
    assert list(at.dataframe[0].value["text"]) == [text]  # shown as data, not markup
    html_blocks = [m.value for m in at.markdown if m.allow_html]
    assert html_blocks, "the importance colouring is rendered as HTML"
    assert all("<img" not in block for block in html_blocks)
    gates = page("pages/gates.py", sentence=text)
    assert not gates.exception
    assert all("<img" not in m.value for m in gates.markdown if m.allow_html)


def test_predictions_without_readable_tokens_say_why():
    from lstm_core.inspect.run import FLAG_MEANINGS

    at = page("pages/predict.py", text="!!! ???\nzzxq qqwv\nthe food was good")
    assert not at.exception
    assert list(at.dataframe[0].value["note"]) == [FLAG_MEANINGS["empty"],
                                                   FLAG_MEANINGS["all_unknown"], ""]


def upload_for_scoring(content: bytes) -> AppTest:
    at = page("pages/predict.py")
    at.file_uploader(key="score-upload").set_value(("mine.csv", content, "text/csv")).run()
    assert not at.exception
    return at


def score_buttons(at: AppTest) -> list:
    return [b for b in at.button if b.label.startswith("Score ")]


@pytest.mark.parametrize("columns", [["p_positive"], ["flag"], ["p_negative", "flag"]])
def test_scoring_a_file_never_overwrites_a_column_of_the_file(columns):
    header = ",".join(["text", *columns]).encode()
    at = upload_for_scoring(header + b"\nthe food was good" + b",mine" * len(columns) + b"\n")
    assert f"already has column(s) {columns}" in all_text(at)
    assert not score_buttons(at) and not at.get("download_button")


def test_scoring_a_file_with_labels_keeps_them_and_names_the_prediction_apart():
    at = upload_for_scoring(b"text,label\nthe food was good,positive\nthe plot was dull,negative\n")
    assert "Adds the columns predicted_label, p_negative, p_positive, flag" in all_text(at)
    score_buttons(at)[0].click().run()
    assert not at.exception and not at.error
    assert [b.label for b in at.get("download_button")] == ["Download scored CSV"]


def inside_first_epoch(runs_root):
    """A snapshot taken inside the first epoch (the run trains one)."""
    from lstm_core.store.snapshots import list_snapshots

    return [s for s in list_snapshots(runs_root / RUN_ID) if 0 < s.epoch < 1][-1]


def p_positive(at: AppTest) -> float:
    return float(at.dataframe[0].value["p(positive)"].iloc[0])


def chart(at: AppTest, title: str) -> dict:
    return next(spec for spec in (json.loads(c.proto.spec) for c in at.get("plotly_chart"))
                if spec["layout"]["title"]["text"] == title)


def test_a_moment_in_the_link_shows_the_run_as_it_was_then(runs_root):
    from lstm_core import load_run

    snapshot = inside_first_epoch(runs_root)
    between = f"{snapshot.epoch + 0.01:.4f}"  # between snapshots: the last one before it
    at = page("pages/predict.py", text=SENTENCE, at=between)
    assert not at.exception
    assert at.select_slider[0].value == snapshot.step
    run = load_run(runs_root / RUN_ID)
    then = run.at_epoch(snapshot.epoch).predict(SENTENCE)[0].probabilities["positive"]
    assert p_positive(at) == pytest.approx(then, abs=1e-6)
    assert float(at.query_params["at"]) == pytest.approx(snapshot.epoch, abs=1e-3)
    training = chart(at, "Inside, as it learned")
    assert len(training["frames"]) == len(run.snapshots())
    assert training["layout"]["sliders"][0]["active"] == snapshot.index
    np.testing.assert_allclose(
        training["frames"][snapshot.index]["data"][1]["y"],
        run.at_epoch(snapshot.epoch).trajectory(SENTENCE).probabilities[:, 1], atol=1e-5)

    best = next(s for s in run.snapshots() if s["best"])
    at.select_slider[0].set_value(best["step"]).run()
    assert not at.exception and "at" not in at.query_params  # the saved model: no parameter
    assert p_positive(at) == pytest.approx(run.predict(SENTENCE)[0].probabilities["positive"],
                                           abs=1e-6)


def test_a_moment_outside_the_run_falls_back_with_a_warning_naming_the_range():
    at = page("pages/predict.py", at="9")
    assert not at.exception
    assert "no weights at epoch 9; it has epochs 0 to 1" in at.warning[0].value
    assert "at" not in at.query_params


def test_the_gates_page_opens_the_moment_of_the_link_and_plays_a_gate(runs_root):
    snapshot = inside_first_epoch(runs_root)
    at = page("pages/gates.py", sentence=SENTENCE, at=str(snapshot.epoch))
    assert not at.exception
    assert at.select_slider[0].value == snapshot.step
    training = chart(at, "Inside, as it learned")
    assert training["layout"]["sliders"][0]["active"] == snapshot.index
    assert training["frames"][0]["data"][-1]["type"] == "heatmap"
    assert "forget gate" in json.dumps(training["layout"]["annotations"])


def test_a_run_saved_before_snapshots_has_no_slider(tmp_path, monkeypatch):
    import shutil

    legacy = Path(__file__).parents[1] / "fixtures" / "runs_v1" / "demo-en-lstm"
    shutil.copytree(legacy, tmp_path / "old" / "demo-en-lstm")
    monkeypatch.setenv("LSTM_STUDIO_RUNS", str(tmp_path / "old"))
    at = page("pages/predict.py", text=SENTENCE, at="1")
    assert not at.exception
    assert not at.select_slider and "kept no weights through training" in all_text(at)
    assert len(at.get("plotly_chart")) == 1  # no training to play through


def test_gates_page_shows_heatmaps_for_the_chosen_layer_and_direction():
    at = page("pages/gates.py", sentence="the plot was dull, but the acting was superb",
              layer="recurrent_2", direction="backward")
    assert not at.exception
    chosen = {s.label: s.value for s in at.selectbox}
    assert chosen["Layer"] == "recurrent_2" and chosen["Direction"] == "backward"
    assert at.query_params["direction"] == "backward"
    assert "forget gate" in all_text(at)


def test_gates_page_units_by_correlation_and_comparison():
    at = page("pages/gates.py")
    at.radio[0].set_value("most correlated with the label").run()
    assert not at.exception
    at.text_input(key="compare-b").set_value("the food was never good").run()
    assert not at.exception


def test_a_bad_run_id_in_the_link_is_an_error_not_a_traceback():
    at = page("pages/gates.py", run="../../etc")
    assert not at.exception
    assert "not a valid run id" in all_text(at)


def test_script_runs_leave_the_shared_models_keras_session_alone():
    """Streamlit clears Keras's session after every script run (a full gc.collect and an emptied
    kernel cache) unless the web process stops it; other callers still clear it."""
    import keras
    from keras.src.backend.common import global_state

    at = page("pages/gates.py")  # loads the model: the web process is now set up for it
    assert not at.exception
    global_state.set_global_attribute("studio_probe", "kept")
    at.text_input(key="gate-sentence").set_value("the food was not good").run()
    assert global_state.get_global_attribute("studio_probe") == "kept"
    keras.backend.clear_session(free_memory=False)
    assert global_state.get_global_attribute("studio_probe") is None


def test_sessions_share_the_figures_of_the_same_run_and_sentence(monkeypatch):
    import pages.components.gates_view as view

    built = []
    real = view.gate_heatmaps
    monkeypatch.setattr(view, "gate_heatmaps", lambda *a, **k: built.append(a[1]) or real(*a, **k))
    first = page("pages/gates.py", sentence="the food was not good")
    second = page("pages/gates.py", sentence="the food was not good")
    assert not first.exception and not second.exception
    assert built == [["the", "food", "was", "not", "good"]]
    assert first.get("plotly_chart")[0].proto.spec == second.get("plotly_chart")[0].proto.spec
    second.text_input(key="gate-sentence").set_value("the food was good").run()
    assert built[-1] == ["the", "food", "was", "good"]
    heatmaps = json.loads(second.get("plotly_chart")[0].proto.spec)
    assert heatmaps["layout"]["xaxis"]["ticktext"] == ["the", "food", "was", "good"]
