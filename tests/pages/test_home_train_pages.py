"""AppTest tests of the Home and Train pages, with real training jobs in real processes."""

import subprocess
import sys
import time
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from lstm_core.store import runs
from lstm_core.store.events import read_events
from lstm_core.store.results import run_verdict
from lstm_core.training.train import create_run, request_stop, train_run
from tests.helpers import demo_examples, tiny_config, train_until_stopped_after

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 60


@pytest.fixture(autouse=True)
def _fresh_caches():
    st.cache_data.clear()
    st.cache_resource.clear()


def app(page: str, **query) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.query_params.update(query)
    at.switch_page(page)
    return at.run()


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [e.value for e in at.error] + [i.value for i in at.info]
    parts += [s.value for s in at.success]
    parts += [str(m.value) for m in at.metric] + [m.label for m in at.metric]
    return "\n".join(parts)


def follow(at: AppTest, until, timeout: float = 180.0) -> AppTest:
    """Rerun the page (as the live fragment does each second) until ``until(at)`` holds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        at.run()
        if until(at):
            return at
        time.sleep(1.0)
    raise AssertionError(f"page never reached the expected state:\n{texts(at)}")


def test_home_explains_the_steps_shows_the_device_and_no_runs():
    at = app("pages/home.py")
    assert not at.exception
    assert "Train the demo model" in [b.label for b in at.button][0]
    assert "Training device" in texts(at) and "CPU" in texts(at)
    assert "No runs yet" in texts(at)


def test_home_never_imports_tensorflow():
    code = (
        "import sys; from streamlit.testing.v1 import AppTest; "
        "at = AppTest.from_file('app.py', default_timeout=60); at.run(); "
        "assert not at.exception; print('tensorflow' in sys.modules, 'keras' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT, timeout=120)
    assert result.stdout.strip().splitlines()[-1] == "False False", result.stderr


def test_train_page_defaults_come_from_the_data_check():
    from lstm_core.config import TextConfig
    from lstm_core.data.check import check_examples
    from lstm_core.data.demo import generate

    expected = check_examples(generate(), TextConfig()).suggested_max_len
    at = app("pages/train.py")
    assert not at.exception
    assert at.number_input(key="demo-en-max_len").value == expected
    assert at.selectbox(key="demo-en-pooling").value == "max"
    assert any("parameters" in e.label for e in at.expander)
    assert "demo-en" in texts(at)


def test_an_invalid_setting_is_an_error_not_a_traceback():
    at = app("pages/train.py")
    at.selectbox(key="demo-en-cell").set_value("simple_rnn").run()
    assert not at.exception
    assert any("cuDNN" in w.value for w in at.warning)


def test_a_run_id_that_leaves_the_store_is_refused():
    at = app("pages/train.py", run="../../etc")
    assert not at.exception and "not a valid run id" in texts(at)


def test_train_launches_a_job_and_follows_it_to_the_results():
    at = app("pages/train.py")
    at.number_input(key="demo-en-epochs").set_value(1)
    at.select_slider(key="demo-en-units").set_value(8)
    at.select_slider(key="demo-en-embed_dim").set_value(16)
    at.text_input(key="author-field").input("Ada")
    at.run()
    next(b for b in at.button if b.label == "Train").click().run()
    assert not at.exception
    run_id = at.query_params["run"]
    run_dir = runs.resolve_run(run_id if isinstance(run_id, str) else run_id[0])
    assert runs.summarize_run(run_dir).author == "Ada"
    follow(at, lambda a: runs.read_status(run_dir)["status"] == "finished" and "Test accuracy"
           in texts(a))
    assert not at.exception
    assert "bag-of-words baseline" in texts(at).lower()
    assert runs.read_status(run_dir)["epochs_done"] == 1
    next(b for b in at.button if b.label == "New training run").click().run()
    assert at.text_input(key="author-field").value == "Ada"  # kept for the session


def test_stop_button_stops_the_job_and_a_refresh_reattaches(tmp_path):
    run_dir = create_run(tiny_config(epochs=300, early_stopping=0), demo_examples(600),
                         name="long")
    from lstm_core.jobs.process import start_job

    start_job(run_dir)
    at = app("pages/train.py", run=run_dir.name)
    follow(at, lambda a: any(b.label == "Stop" for b in a.button) and
           runs.read_status(run_dir)["status"] == "running")
    again = app("pages/train.py", run=run_dir.name)  # a refresh finds the same live run
    assert f"Run {run_dir.name}" in [h.value for h in again.subheader]
    next(b for b in at.button if b.label == "Stop").click().run()
    follow(at, lambda a: runs.read_status(run_dir)["status"] == "stopped")
    assert (run_dir / "model.keras").exists()


def timelapse_spec(at: AppTest) -> dict:
    import json

    return next(spec for spec in (json.loads(c.proto.spec) for c in at.get("plotly_chart"))
                if spec["layout"]["title"]["text"] == "Inside, as it learned")


def test_inside_as_it_learns_follows_the_snapshots_of_a_live_run(tmp_path):
    import numpy as np

    from lstm_core.inspect.run import load_snapshot
    from lstm_core.jobs.process import start_job
    from lstm_core.store.snapshots import list_snapshots

    run_dir = create_run(tiny_config(epochs=300, early_stopping=0), demo_examples(600),
                         name="inside")
    start_job(run_dir)
    try:
        at = app("pages/train.py", run=run_dir.name)
        follow(at, lambda a: "snapshots so far" in texts(a)
               and len(timelapse_spec(a)["frames"]) >= 3)
        assert not at.exception and "Inside, as it learns" in texts(at)
        assert at.text_input(key="probe").value == "the food was not good"  # the negation example
        at.text_input(key="probe").set_value("the plot was dull, but the acting was superb").run()
        assert at.query_params["probe"] == "the plot was dull, but the acting was superb"
        spec = timelapse_spec(at)
        shown = len(spec["frames"])
        # The latest frame is what that snapshot reads, computed from its file alone.
        then = load_snapshot(run_dir, list_snapshots(run_dir)[shown - 1].epoch)
        trajectory = then.trajectory("the plot was dull, but the acting was superb")
        np.testing.assert_allclose(spec["frames"][-1]["data"][1]["y"],
                                   trajectory.probabilities[:, 1], atol=1e-5)
        forget = then.gates("the plot was dull, but the acting was superb").layers[0]
        np.testing.assert_allclose(spec["frames"][-1]["data"][-1]["z"],
                                   forget.values["forget_gate"].T, atol=1e-5)
        assert spec["layout"]["xaxis"]["ticktext"] == trajectory.tokens
        assert spec["layout"]["sliders"][0]["active"] == shown - 1  # the latest snapshot
    finally:
        request_stop(run_dir)
        follow(app("pages/train.py", run=run_dir.name),
               lambda a: runs.read_status(run_dir)["status"] == "stopped")


def test_a_run_trained_from_the_command_line_shows_its_results(tmp_path):
    run_dir = create_run(tiny_config(epochs=1), demo_examples(), name="cli")
    train_run(run_dir)
    at = app("pages/train.py", run=run_dir.name)
    assert not at.exception
    assert "Finished on CPU" in texts(at) and "Test accuracy (LSTM)" in texts(at)
    assert "Inside, as it learns" in texts(at) and at.select_slider[0].label == \
        "Training time (epochs)"
    learned = next(d.value for d in at.dataframe if "first right at epoch" in d.value.columns)
    assert list(learned["example"]) == ["negation", "double negation", "contrast", "long range"]
    verdict = run_verdict(run_dir)
    said = [s.value for s in at.success] + [w.value for w in at.warning]
    assert [text for text in said if text.startswith(verdict.summary)] != []
    if verdict.outcome != "better":  # 300 texts and 8 units: what to try is listed
        shown = next(text for text in said if text.startswith(verdict.summary))
        assert all(f"- {tip}" in shown for tip in verdict.suggestions)
        assert '"Find good settings" on the Train page' in shown


def test_an_interrupted_run_offers_resume_and_goes_on_in_the_same_run(tmp_path):
    run_dir = create_run(tiny_config(epochs=2, early_stopping=0), demo_examples(), name="cut")
    train_until_stopped_after(run_dir, 1)  # then marked as a job killed there would be
    runs.write_status(run_dir, status="interrupted", message="The training process ended.")
    at = app("pages/train.py", run=run_dir.name)
    assert "The training process ended." in texts(at)
    next(b for b in at.button if b.label == "Resume after epoch 1").click().run()
    assert not at.exception
    follow(at, lambda a: runs.read_status(run_dir)["status"] == "finished")
    starts = [e for e in read_events(run_dir) if e["event"] == "start"]
    assert [s["initial_epoch"] for s in starts] == [0, 1]
    assert not any(b.label.startswith("Resume") for b in at.button)
