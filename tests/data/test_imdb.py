"""Keras IMDB loader: word ids decode to text, and no network means a StudioError that helps."""

import socket
import subprocess
import sys
import urllib.error
from pathlib import Path

import keras
import numpy as np
import pytest
from keras.src.backend import config as keras_config
from keras.src.utils import file_utils

from lstm_core.data import imdb
from lstm_core.errors import StudioError

# Keras's word index ranks words from 1; load_data shifts them by 3 past pad, start and OOV ids.
WORD_INDEX = {"the": 1, "film": 2, "was": 3, "great": 4, "dull": 5}


def test_index_to_word_applies_the_keras_offset():
    assert imdb.index_to_word(WORD_INDEX) == {4: "the", 5: "film", 6: "was", 7: "great", 8: "dull"}


def test_decode_review_skips_start_padding_and_oov_markers():
    words = imdb.index_to_word(WORD_INDEX)

    assert imdb.decode_review([1, 4, 5, 6, 7], words) == "the film was great"
    assert imdb.decode_review([1, 4, 2, 6, 8, 0, 0], words) == "the was dull"
    assert imdb.decode_review(np.array([1, 5, 7]), words) == "film great"


def test_loader_builds_text_frames(monkeypatch):
    train = ([[1, 4, 5, 6, 7], [1, 4, 5, 6, 8]], np.array([1, 0]))
    test = ([[1, 5, 6, 2]], np.array([0]))
    monkeypatch.setattr(keras.datasets.imdb, "load_data", lambda **kwargs: (train, test))
    monkeypatch.setattr(keras.datasets.imdb, "get_word_index", lambda: WORD_INDEX)

    train_frame, test_frame = imdb.load_keras_imdb()

    assert train_frame.to_dict("list") == {"text": ["the film was great", "the film was dull"],
                                           "label": ["positive", "negative"]}
    assert test_frame.to_dict("list") == {"text": ["film was"], "label": ["negative"]}


def _no_network(*args, **kwargs):
    raise urllib.error.URLError(socket.gaierror(-2, "Name or service not known"))


def test_offline_download_says_what_to_do_instead(tmp_path, monkeypatch):
    # An empty Keras home, so no cached copy is found. Keras reads KERAS_HOME once at import,
    # hence the module attribute too; and urlretrieve fails as it does on a machine without
    # network, so this test never downloads even where the internet is reachable.
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr(keras_config, "_KERAS_DIR", str(tmp_path))
    monkeypatch.setattr(file_utils, "urlretrieve", _no_network)
    assert keras_config.keras_home() == str(tmp_path)

    with pytest.raises(StudioError, match=r"needs internet access") as info:
        imdb.load_keras_imdb()

    message = str(info.value)
    assert "storage.googleapis.com" in message
    assert "upload a CSV" in message
    assert "demo data" in message
    assert not list((tmp_path / "datasets").glob("imdb*"))


def test_bugs_are_not_disguised_as_download_failures(monkeypatch):

    def broken(**kwargs):
        raise Exception("a bug, not the network")

    monkeypatch.setattr(keras.datasets.imdb, "load_data", broken)
    with pytest.raises(Exception, match=r"a bug") as info:
        imdb.load_keras_imdb()
    assert not isinstance(info.value, StudioError)


@pytest.mark.parametrize("num_words", [0, 5, 2.5, True, "all"])
def test_bad_num_words(num_words):
    with pytest.raises(StudioError, match=r"num_words must be a whole number"):
        imdb.load_keras_imdb(num_words)


def test_importing_the_module_does_not_import_keras():
    code = "import sys, lstm_core.data.imdb; print('keras' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, cwd=Path(__file__).resolve().parents[2])
    assert result.stdout.strip() == "False"
