"""The app in a real browser: train from the Home page, re-attach after a reload, stop a job, and
refuse a bad upload, each waiting on what the page shows (or on status.json), never on the clock.

Run: ``python -m pytest tests/browser -q``. With ``STUDIO_SCREENSHOTS=1`` the first test also saves
the live curves as docs/live-curves.png and, once the demo model is trained, its gate view as
docs/gates.png for the README.
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from lstm_core.jobs.process import stop_all
from tests.app_server import start_app_server

sync_api = pytest.importorskip("playwright.sync_api",
                               reason="the playwright package is not installed")
expect = sync_api.expect
# Streamlit's first script run on a fresh server, or on a busy CPU, takes longer than
# Playwright's default of 5 s.
expect.set_options(timeout=30_000)

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / "docs" / "live-curves.png"
GATES_SCREENSHOT = ROOT / "docs" / "gates.png"
GATES_SENTENCE = "the plot was dull, but the acting was superb"
# A job's process imports TensorFlow and compiles its first batch before the first event: slow
# on a busy CPU, and slower while the browser and the server share it.
JOB_START_MS = 180_000
DEMO_END_MS = 360_000
CURVE_GROWTH_MS = 60_000
STATUS_POLL_S = 0.2
PROGRESS = re.compile(r"Epoch \d+/\d+ · batch \d+/\d+ · .* left")
# A tiny run that keeps training until it is stopped: 30 batches an epoch, a curve point every 2.
LONG_RUN = {"epochs": 200, "batch_size": 8, "early_stopping": 0}

# The number of points in the per-batch loss trace of the first chart on the page, -1 when
# there is no chart yet.
CURVE_POINTS_JS = """() => {
    const chart = document.querySelector('.js-plotly-plot');
    if (!chart || !chart.data || !chart.data.length || !chart.data[0].x) return -1;
    return chart.data[0].x.length;
}"""
MORE_POINTS_JS = f"n => ({CURVE_POINTS_JS})() > n"


def curve_points(page) -> int:
    return page.evaluate(CURVE_POINTS_JS)


def wait_for_more_points(page, than: int) -> int:
    """Wait until the live curve has more than ``than`` per-batch points; return how many."""
    page.wait_for_function(MORE_POINTS_JS, arg=than, timeout=CURVE_GROWTH_MS)
    return curve_points(page)


def expect_live(page, run_id: str) -> None:
    """The run's header and its progress text ("Epoch 1/200 · batch 4/30 · ...") are shown."""
    expect(page.get_by_role("heading", name=f"Run {run_id}")).to_be_visible()
    expect(page.get_by_text(PROGRESS)).to_be_visible(timeout=JOB_START_MS)


def read_status(run_dir: Path) -> dict:
    return json.loads((run_dir / "status.json").read_text(encoding="utf-8"))


def wait_for_status(run_dir: Path, wanted: str, timeout_s: float = 60.0) -> dict:
    deadline = time.monotonic() + timeout_s
    while (status := read_status(run_dir))["status"] != wanted:
        if time.monotonic() > deadline:
            raise AssertionError(f"{run_dir.name} is still {status['status']!r}, not {wanted!r}, "
                                 f"after {timeout_s:.0f} s: {status}")
        time.sleep(STATUS_POLL_S)
    return status


def page_text(page) -> str:
    return page.locator("body").inner_text()


def save_live_screenshot(page, run_id: str) -> None:
    """The run's header, progress bar and curves, once a few epochs are drawn."""
    page.wait_for_function("""() => {
        const chart = document.querySelector('.js-plotly-plot');
        return chart && chart.data && chart.data[1].x.length >= 2;
    }""", timeout=DEMO_END_MS)
    top = page.get_by_role("heading", name=f"Run {run_id}").bounding_box()
    chart = page.locator(".js-plotly-plot").first.bounding_box()
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), clip={
        "x": chart["x"] - 8, "y": top["y"] - 8, "width": chart["width"] + 16,
        "height": chart["y"] + chart["height"] - top["y"] + 16,
    })


def save_gates_screenshot(page, studio, run_id: str) -> None:
    """The trained demo model's gate heatmaps for a sentence whose verdict turns at "but"."""
    page.set_viewport_size({"width": 1400, "height": 1800})  # the whole chart, not cut off
    page.goto(f"{studio.url}/gates?run={run_id}&sentence={GATES_SENTENCE.replace(' ', '+')}")
    heatmaps = page.locator(".js-plotly-plot").first
    expect(heatmaps).to_be_visible(timeout=120_000)
    page.wait_for_timeout(1000)  # plotly's transition after the first draw
    heatmaps.screenshot(path=str(GATES_SCREENSHOT))


@pytest.mark.slow
def test_demo_button_trains_live_and_shows_the_results(page, studio):
    page.goto(studio.url)
    page.get_by_role("button", name="Train the demo model").click()
    page.wait_for_url(re.compile(r"/train\?run="), timeout=60_000)
    run_id = parse_qs(urlparse(page.url).query)["run"][0]
    expect_live(page, run_id)

    first = wait_for_more_points(page, than=0)
    wait_for_more_points(page, than=first)
    if os.environ.get("STUDIO_SCREENSHOTS") == "1":
        save_live_screenshot(page, run_id)

    results = page.get_by_test_id("stMetricLabel")
    expect(results.filter(has_text="Test accuracy (LSTM)")).to_be_visible(timeout=DEMO_END_MS)
    expect(results.filter(has_text="Bag-of-words baseline")).to_be_visible()
    expect(page.get_by_text("points vs bag-of-words")).to_be_visible()
    comparison = page.locator(".js-plotly-plot", has_text="LSTM vs bag-of-words baseline")
    expect(comparison).to_be_visible()
    expect(page.get_by_text(re.compile(r"Finished on \w+: \d+ epochs"))).to_be_visible()
    assert read_status(studio.runs / run_id)["status"] == "finished"
    assert "Traceback" not in page_text(page)
    if os.environ.get("STUDIO_SCREENSHOTS") == "1":
        save_gates_screenshot(page, studio, run_id)


def test_reload_during_training_reattaches_to_the_run(page, studio, tiny_job):
    run_dir = tiny_job("reload", **LONG_RUN)
    page.goto(f"{studio.url}/train?run={run_dir.name}")
    expect_live(page, run_dir.name)
    seen = wait_for_more_points(page, than=0)

    page.reload()
    expect_live(page, run_dir.name)
    seen = wait_for_more_points(page, than=seen - 1)  # the same run's curve, drawn again
    wait_for_more_points(page, than=seen)
    assert read_status(run_dir)["status"] == "running"
    expect(page.get_by_role("button", name="Stop")).to_be_enabled()


def test_stop_button_ends_the_job_and_keeps_a_model(page, studio, tiny_job):
    run_dir = tiny_job("stop", **LONG_RUN)
    page.goto(f"{studio.url}/train?run={run_dir.name}")
    expect_live(page, run_dir.name)
    wait_for_more_points(page, than=0)

    page.get_by_role("button", name="Stop").click()
    status = wait_for_status(run_dir, "stopped")
    assert status["message"].startswith("Stopped at epoch")
    expect(page.get_by_text(re.compile(r"Stopped at epoch \d+, batch \d+"))).to_be_visible()
    assert (run_dir / "model.keras").is_file()
    assert "Traceback" not in page_text(page)


def test_binary_upload_is_refused_with_an_error_not_a_traceback(page, studio):
    page.goto(f"{studio.url}/data")
    page.get_by_text("Upload a file", exact=True).click()
    page.locator("input[type=file]").set_input_files(files=[{
        "name": "bad.csv", "mimeType": "text/csv", "buffer": b"\x89PNG\r\n\x1a\n\x00\x00",
    }])
    error = page.get_by_test_id("stAlertContentError")
    expect(error).to_contain_text("bad.csv is not a text file")
    expect(page.get_by_test_id("stException")).to_have_count(0)
    assert "Traceback" not in page_text(page)


def test_a_job_outlives_a_server_restart_and_the_new_server_follows_it(page, tmp_path):
    """The job is a process of its own and its run directory the only record of it."""
    runs_dir = tmp_path / "runs"
    runs_dir.mkdir()
    first = start_app_server(runs_dir, tmp_path / "first.log")
    try:
        page.goto(first.url)
        page.get_by_role("button", name="Train the demo model").click()
        page.wait_for_url(re.compile(r"/train\?run="), timeout=60_000)
        run_id = parse_qs(urlparse(page.url).query)["run"][0]
        expect_live(page, run_id)
    finally:
        first.stop()
    try:
        assert read_status(runs_dir / run_id)["status"] == "running"
        second = start_app_server(runs_dir, tmp_path / "second.log")
        try:
            page.goto(f"{second.url}/train?run={run_id}")
            expect_live(page, run_id)
            wait_for_more_points(page, than=curve_points(page))
            expect(page.get_by_role("button", name="Stop")).to_be_enabled()
        finally:
            second.stop()
    finally:
        stop_all(runs_dir)
