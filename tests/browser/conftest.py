"""A real ``streamlit run app.py`` server, headless Chromium, and tiny training jobs for it.

The server lives for the whole session with one runs directory of its own (``studio.runs``),
unlike the per-test directory of tests/conftest.py: a job started by a test must be visible to
the server, so tests write their runs there. Chromium is Debian's; Playwright does not download
one here.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from lstm_core.jobs.process import stop_all
from lstm_core.settings import RUNS
from tests.app_server import AppServer, start_app_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
JOB_END_S = 60.0


@pytest.fixture(scope="session")
def studio(tmp_path_factory) -> Iterator[AppServer]:
    """``streamlit run app.py`` on a free port, its runs in a directory of its own."""
    runs_dir = tmp_path_factory.mktemp("studio-runs")
    try:
        server = start_app_server(runs_dir, runs_dir.parent / "streamlit.log")
    except RuntimeError as exc:
        pytest.fail(str(exc))
    try:
        yield server
    finally:
        try:
            stop_all(runs_dir, JOB_END_S)
        finally:
            server.stop()


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium, shared by the session; each test opens its own page."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed; the browser tests need Debian's chromium")
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="the playwright package is not installed")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                              args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser, studio):
    """A fresh browser context and page, wide enough for the app's wide layout."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(30_000)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def tiny_job(studio, monkeypatch):
    """Start tiny training jobs in the server's runs dir; each is stopped at teardown.

    Returns a function ``start(name, **train)`` giving the run directory. The job's process
    inherits this test's environment, so the runs dir is pointed at the server's first.
    """
    from lstm_core.jobs.process import start_job
    from lstm_core.training.train import create_run
    from tests.helpers import demo_examples, tiny_config

    monkeypatch.setenv(RUNS.name, str(studio.runs))

    def start(name: str, **train) -> Path:
        run_dir = create_run(tiny_config(**train), demo_examples(), run_dir=studio.runs / name)
        start_job(run_dir)
        return run_dir

    yield start
    stop_all(studio.runs, JOB_END_S)
