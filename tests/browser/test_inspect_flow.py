"""Predict, Gates and compare in a real browser, on a tiny run trained for this module."""

from __future__ import annotations

import urllib.parse
import zipfile

import pytest

pytest.importorskip("playwright")
from playwright.sync_api import expect  # noqa: E402

pytestmark = pytest.mark.browser
XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def run_id(studio):
    from lstm_core.config import ModelConfig, RunConfig, TextConfig, TrainConfig
    from lstm_core.training.train import create_run, train_run
    from tests.helpers import demo_examples

    config = RunConfig(text=TextConfig(max_len=40, vocab_size=500),
                       model=ModelConfig(embed_dim=8, units=6),
                       train=TrainConfig(epochs=1, seed=1))
    run_dir = create_run(config, demo_examples(400), run_dir=studio.runs / "20990101-inspect")
    train_run(run_dir)
    return run_dir.name


def url(studio, page_name: str, **query) -> str:
    return f"{studio.url}/{page_name}?{urllib.parse.urlencode(query)}"


def plot_data(page, index: int = -1):
    """The plotly traces of a chart on the page, as the browser holds them."""
    return page.evaluate(f"""() => {{
        const plots = [...document.querySelectorAll('.js-plotly-plot')];
        const plot = plots.at({index});
        return plot.data.map(d => ({{type: d.type, x: d.x, name: d.name}}));
    }}""")


def test_predict_an_example_sentence_shows_verdict_tokens_and_trajectory(page, studio, run_id):
    page.goto(url(studio, "predict", run=run_id))
    example = page.get_by_role("button", name="negation", exact=True)
    expect(example).to_be_visible(timeout=60_000)  # the first visit loads TensorFlow
    example.click()
    expect(page.get_by_text("Which words decided it")).to_be_visible()
    expect(page.locator("span", has_text="not").first).to_be_visible()
    expect(page.get_by_text("Probability after each token")).to_be_visible()
    assert "text=the+food+was+not+good" in page.url


def test_a_link_opens_a_moment_of_training_and_play_runs_to_the_last_snapshot(page, studio,
                                                                             run_id):
    from lstm_core.store.snapshots import format_epoch, list_snapshots

    kept = list_snapshots(studio.runs / run_id)
    moment = next(s for s in kept if 0 < s.epoch < 1)
    at = format_epoch(moment.epoch)
    page.goto(url(studio, "predict", run=run_id, text="the food was not good", at=at))
    expect(page.get_by_text("Which words decided it")).to_be_visible(timeout=60_000)
    page.wait_for_function(f"""() => [...document.querySelectorAll('.js-plotly-plot')].some(
        plot => ((plot._transitionData || {{}})._frames || []).length === {len(kept)})""",
                           timeout=60_000)
    training = page.locator(".js-plotly-plot", has_text="Inside, as it learned")
    expect(training.locator(".slider-container")).to_contain_text(f"epoch {at}")
    training.locator(".updatemenu-button", has_text="Play").click()
    last = format_epoch(kept[-1].epoch)
    expect(training.locator(".slider-container")).to_contain_text(f"epoch {last} (best)",
                                                                  timeout=15_000)
    assert f"at={at}" in page.url


def test_hostile_text_is_shown_as_text_never_run_as_html(page, studio, run_id):
    page.goto(url(studio, "predict", run=run_id, text=f"the food was {XSS} good"))
    expect(page.get_by_text("Which words decided it")).to_be_visible(timeout=60_000)
    assert page.locator("img[src='x']").count() == 0
    page.goto(url(studio, "gates", run=run_id, sentence=f"{XSS} the plot was dull"))
    expect(page.get_by_text("Compare two sentences")).to_be_visible(timeout=60_000)
    assert page.locator("img[src='x']").count() == 0


def test_gates_view_opens_from_a_shared_link_and_survives_a_reload(page, studio, run_id):
    link = url(studio, "gates", run=run_id, sentence="the plot was dull, but the acting was "
               "superb", layer="recurrent_1", direction="forward")
    page.goto(link)
    expect(page.get_by_text("Compare two sentences")).to_be_visible(timeout=60_000)
    heatmap = page.locator(".js-plotly-plot").first
    expect(heatmap).to_be_visible()
    # Plotly draws the charts one by one: until the heatmaps (the page's first chart) are drawn,
    # the first drawn chart is one further down (a CI run read the unit lines' scatter there).
    page.wait_for_function(
        "() => [...document.querySelectorAll('.js-plotly-plot')]"
        ".some(plot => (plot.data || []).some(trace => trace.type === 'heatmap'))",
        timeout=60_000,
    )
    traces = plot_data(page, 0)
    assert {t["type"] for t in traces} == {"heatmap"}
    page.reload()
    expect(page.get_by_label("Sentence", exact=True)).to_have_value(
        "the plot was dull, but the acting was superb", timeout=60_000)


def test_compare_two_sentences_aligns_the_inserted_negation(page, studio, run_id):
    page.goto(url(studio, "gates", run=run_id))
    expect(page.get_by_text("Compare two sentences")).to_be_visible(timeout=60_000)
    page.get_by_label("Sentence A").fill("the acting was fun")
    page.get_by_label("Sentence B").fill("the acting was never fun")
    page.get_by_label("Sentence B").press("Enter")
    page.wait_for_function("""() => [...document.querySelectorAll('.js-plotly-plot')].some(
        plot => JSON.stringify(plot.layout || {}).includes('B minus A')
             && JSON.stringify(plot.layout.xaxis || {}).includes('never'))""", timeout=60_000)
    ticks = page.evaluate("""() => [...document.querySelectorAll('.js-plotly-plot')]
        .map(plot => plot.layout).filter(layout => JSON.stringify(layout).includes('B minus A'))
        .map(layout => layout.xaxis.ticktext || layout.xaxis2.ticktext)[0]""")
    assert ticks == ["the", "acting", "was", "— / never", "fun"]


def test_a_run_downloads_as_one_zip_and_its_report_as_one_html_file(page, studio, run_id, tmp_path):
    page.goto(url(studio, "runs", runs=run_id))
    button = page.get_by_role("button", name="Download (zip)")
    expect(button).to_be_visible(timeout=60_000)
    with page.expect_download(timeout=60_000) as download:
        button.click()
    archive = tmp_path / download.value.suggested_filename
    download.value.save_as(archive)
    assert archive.name == f"{run_id}.zip"
    with zipfile.ZipFile(archive) as zipped:
        names = set(zipped.namelist())
    assert {"model.keras", "vocab.json", "config.json", "metrics.json"} <= {
        name.split("/")[-1] for name in names}

    with page.expect_download(timeout=120_000) as download:
        page.get_by_role("button", name="Report (HTML)").click()
    report = tmp_path / download.value.suggested_filename
    download.value.save_as(report)
    html = report.read_text(encoding="utf-8")
    assert report.suffix == ".html" and run_id in html and "Plotly" in html
