"""Starting runs from the app: a second click on Train never starts a twin."""

import dataclasses

from lstm_core.data.datasets import save_builtin, save_upload, set_encoding
from lstm_core.jobs.launch import launch, suggested_config
from lstm_core.jobs.process import stop_job
from lstm_core.store import runs
from tests.data.reviews import reviews_csv
from tests.data.tables import phrases_and_sentences


def test_train_clicked_twice_starts_one_run_and_a_changed_setting_or_author_another():
    dataset_id = save_builtin("demo-en")
    config, _ = suggested_config(dataset_id)
    config = dataclasses.replace(config, train=dataclasses.replace(config.train, epochs=200))
    first = launch(dataset_id, config)
    try:
        assert launch(dataset_id, config) == first
        assert len(runs.list_runs()) == 1
        other = dataclasses.replace(config, train=dataclasses.replace(config.train, seed=7))
        second = launch(dataset_id, other)
        assert second != first and len(runs.list_runs()) == 2
        assert runs.read_status(second)["status"] == "queued"  # behind the first, in order
        # The same settings a moment later from another person: a run of their own.
        theirs = launch(dataset_id, config, author="Bo")
        assert theirs not in (first, second) and runs.summarize_run(theirs).author == "Bo"
        assert launch(dataset_id, config, author="Bo") == theirs
    finally:
        for summary in runs.list_runs():
            stop_job(summary.path, grace_s=60)


def test_the_suggested_config_records_the_encoding_the_upload_was_read_in():
    data = reviews_csv("de").encode("latin-1")
    dataset_id = save_upload(data, "de.csv")
    config, report = suggested_config(dataset_id)
    assert config.data.encoding == "cp1252" and report.encoding.uncertain
    assert report.encoding.warning() in report.warnings
    set_encoding(dataset_id, "latin-1")
    config, report = suggested_config(dataset_id)
    assert config.data.encoding == "iso8859-1" and not report.encoding.uncertain
    assert not any("encoding" in warning for warning in report.warnings)


def test_the_suggested_config_covers_the_sources_own_test_texts(monkeypatch):
    monkeypatch.setattr("lstm_core.data.imdb.load_keras_imdb", phrases_and_sentences)
    config, report = suggested_config(save_builtin("keras-imdb"))
    assert report.test_rows == 50 and config.data.test_split == 0.0
    assert config.text.max_len == 32  # the test texts' 31 tokens; the training texts have 4
    assert any("much longer" in warning for warning in report.warnings)
