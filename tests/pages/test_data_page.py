"""AppTest tests of the Data page: sources, uploads, column mapping, data check, preprocessing.

The page runs inside the real navigation: ``AppTest.from_file("app.py")``, then
``at.switch_page("pages/data.py")`` before the first run, so ``st.navigation``, the page's
``pages.components`` import and the query parameters behave as under ``streamlit run app.py``. A
refresh is a new ``AppTest`` with the same ``dataset`` query parameter. The conftest gives each
test its own runs directory, which holds the data set store.
"""

import subprocess
import sys
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from lstm_core.data import datasets
from lstm_core.errors import StudioError
from tests.data import reviews as in_languages
from tests.data.tables import phrases_and_sentences

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 30
PAGE = "pages/data.py"

WORDS = {"positive": ["great", "lovely", "superb", "fine"], "negative": ["awful", "dull", "poor"]}


def reviews_csv(rows: int = 40) -> bytes:
    """A small real-looking CSV: text, a sentiment label, an id column, two rows without text."""
    lines = ["id,review,sentiment"]
    for i in range(rows):
        label = "positive" if i % 2 else "negative"
        word = WORDS[label][i % len(WORDS[label])]
        lines.append(f'{i},"The service was {word}, and review {i} says so!",{label}')
    lines += [f"{rows},,positive", f"{rows + 1},   ,negative"]
    return ("\n".join(lines) + "\n").encode()


def stars_csv(rows: int = 50) -> bytes:
    """Yelp-style: star ratings 1 to 5 as the only label-like column."""
    lines = ["text\tstars"]
    for i in range(rows):
        stars = i % 5 + 1
        word = "wonderful" if stars > 3 else "terrible"
        lines.append(f"Visit {i}: the food was {word} and I would say {stars} stars\t{stars}")
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture(autouse=True)
def _fresh_caches():
    """st.cache_data is process-wide: a table cached by one test must not reach the next."""
    st.cache_data.clear()
    yield
    st.cache_data.clear()


def data_page(**query) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.query_params.update(query)
    at.switch_page(PAGE)
    return at.run()


def upload(name: str, content: bytes) -> AppTest:
    at = data_page()
    at.radio(key="data-source").set_value("upload").run()
    at.file_uploader(key="data-upload").set_value((name, content, "text/csv")).run()
    return at


def dataset_param(at: AppTest) -> str:
    value = at.query_params["dataset"]
    return value if isinstance(value, str) else value[0]


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def errors(at: AppTest) -> str:
    return "\n".join(e.value for e in at.error)


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [i.value for i in at.info] + [w.value for w in at.warning]
    return "\n".join(parts) + "\n" + errors(at)


def token_preview(at: AppTest):
    return next(df.value for df in at.dataframe if "tokens" in df.value.columns)


def charts(at: AppTest) -> int:
    return len(at.get("plotly_chart"))


def test_default_demo_data_shows_the_data_check():
    at = data_page()
    assert not at.exception
    assert dataset_param(at) == "demo-en"
    assert at.radio(key="data-source").value == "demo-en"
    found = metrics(at)
    assert found["Rows kept"] == "4,000"
    assert found["Rows dropped"] == "0"
    assert found["Classes"] == "2"
    assert int(found["Vocabulary size"]) > 100
    assert int(found["Suggested max length"]) % 8 == 0
    assert charts(at) == 2  # class balance and length histogram
    assert any("repeats" in w.value for w in at.warning)  # the demo's duplicates are flagged
    assert "Active data set" in texts(at) and "(demo-en)" in texts(at)
    assert len(next(df.value for df in at.dataframe if "label" in df.value.columns)) == 20
    assert not errors(at)
    assert not next(b for b in at.button if b.label.startswith("Continue")).disabled


def test_chinese_demo_switches_the_data_set_and_previews_jieba_words():
    at = data_page()
    at.radio(key="data-source").set_value("demo-zh").run()
    assert not at.exception
    assert dataset_param(at) == "demo-zh"
    assert "Chinese" in texts(at)
    tokens = token_preview(at)["tokens"].tolist()
    assert any("不" in t for t in tokens)
    first = token_preview(at)["text"].iloc[0]
    words = tokens[0].split(" · ")
    assert first.startswith(words[0] + words[1])  # the suggested tokenizer for Chinese is jieba
    assert any(len(word) > 1 for word in words)  # words, not one token per character
    assert metrics(at)["Classes"] == "2"


def test_uploading_a_csv_stores_it_and_shows_the_mapping_and_the_check():
    at = upload("reviews.csv", reviews_csv())
    assert not at.exception, at.exception
    dataset_id = dataset_param(at)
    assert dataset_id.startswith("upload-")
    assert (datasets.dataset_dir(dataset_id) / "selection.json").is_file()
    assert at.selectbox(key=f"{dataset_id}-text").value == "review"
    assert at.selectbox(key=f"{dataset_id}-label").value == "sentiment"
    assert "format csv" in texts(at) and "encoding utf-8" in texts(at)
    found = metrics(at)
    assert found["Rows kept"] == "40" and found["Rows dropped"] == "2"
    assert "2 rows with empty text" in texts(at)
    assert found["Classes"] == "2"
    assert charts(at) == 2
    assert not errors(at)


def test_a_star_rated_file_offers_a_threshold_that_is_saved():
    at = upload("stars.tsv", stars_csv())
    dataset_id = dataset_param(at)
    use = at.toggle(key=f"{dataset_id}-stars-use-threshold")
    threshold = at.number_input(key=f"{dataset_id}-stars-threshold")
    assert not use.value and threshold.value == 3.0 and threshold.disabled
    assert metrics(at)["Classes"] == "5"  # each star is a class until the toggle is on
    use.set_value(True).run()
    assert not at.exception
    assert metrics(at)["Classes"] == "2"
    assert datasets.load_selection(dataset_id).rating_threshold == 3.0
    at.number_input(key=f"{dataset_id}-stars-threshold").set_value(4.0).run()
    assert datasets.load_selection(dataset_id).rating_threshold == 4.0
    assert "Ratings above 4 are positive" in texts(at)


def test_a_threshold_outside_the_ratings_is_an_error_with_the_fix():
    at = upload("stars.tsv", stars_csv())
    dataset_id = dataset_param(at)
    at.toggle(key=f"{dataset_id}-stars-use-threshold").set_value(True).run()
    at.number_input(key=f"{dataset_id}-stars-threshold").set_value(9.0).run()
    assert not at.exception
    assert "at least two classes" in errors(at) and "threshold inside the range" in errors(at)
    assert next(b for b in at.button if b.label.startswith("Continue")).disabled


@pytest.mark.parametrize(("name", "content", "message"), [
    ("empty.csv", b"", "is empty"),
    ("header-only.csv", b"text,label\n", "no data rows"),
    ("reviews.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "not a text file"),
    ("reviews.xlsx", b"this is not a workbook", "not a valid .xlsx workbook"),
])
def test_a_bad_upload_is_an_error_not_a_traceback(name, content, message):
    at = upload(name, content)
    assert not at.exception
    assert message in errors(at)
    assert dataset_param(at) == "demo-en"  # the refused file did not become the data set
    assert at.radio(key="data-source").value == "upload"  # the page still works


def test_a_one_class_file_asks_for_a_label_then_refuses_one_class():
    rows = "".join(f"Review {i} of a film I watched,pos\n" for i in range(30))
    at = upload("one-class.csv", f"text,label\n{rows}".encode())
    assert not at.exception
    dataset_id = dataset_param(at)
    assert "Pick the text column and the label column" in errors(at)
    at.selectbox(key=f"{dataset_id}-label").set_value("label").run()
    assert not at.exception
    assert "at least two classes" in errors(at)
    assert token_preview(at)["tokens"].iloc[0].startswith("review · 0")  # the rest still renders
    assert next(b for b in at.button if b.label.startswith("Continue")).disabled


def test_a_refresh_shows_the_same_data_set_and_its_saved_mapping():
    first = upload("stars.tsv", stars_csv())
    dataset_id = dataset_param(first)
    first.toggle(key=f"{dataset_id}-stars-use-threshold").set_value(True).run()

    again = data_page(dataset=dataset_id)
    assert not again.exception
    assert dataset_param(again) == dataset_id
    assert again.radio(key="data-source").value == "upload"
    assert again.toggle(key=f"{dataset_id}-stars-use-threshold").value
    assert again.selectbox(key=f"{dataset_id}-text").value == "text"
    assert metrics(again)["Classes"] == "2"
    assert "stars.tsv" in texts(again)


def test_a_preprocessing_option_changes_the_token_preview_and_persists():
    at = data_page()
    before = token_preview(at)["tokens"].iloc[0]
    assert before.startswith("if · you")  # lowercased, punctuation dropped
    at.toggle(key="demo-en-lowercase").set_value(False).run()
    at.toggle(key="demo-en-strip_punctuation").set_value(False).run()
    assert not at.exception
    after = token_preview(at)["tokens"].iloc[0]
    assert after.startswith("If · you · ask · me · ,")
    assert datasets.load_selection("demo-en").text["lowercase"] is False

    again = data_page(dataset="demo-en")
    assert again.toggle(key="demo-en-lowercase").value is False
    assert token_preview(again)["tokens"].iloc[0] == after


def test_the_tokenizer_choice_reaches_the_data_check():
    at = data_page()
    words = int(metrics(at)["Vocabulary size"])
    at.selectbox(key="demo-en-tokenizer").set_value("char").run()
    assert not at.exception
    assert int(metrics(at)["Vocabulary size"]) < words  # letters, not words
    assert datasets.load_selection("demo-en").text_config.tokenizer == "char"


def test_keras_imdb_offline_is_an_error_and_the_page_keeps_working(monkeypatch):
    def offline(num_words=None):
        raise StudioError("Could not download the IMDB reviews; this needs internet access.")

    monkeypatch.setattr("lstm_core.data.imdb.load_keras_imdb", offline)
    at = data_page()
    at.radio(key="data-source").set_value("keras-imdb").run()
    assert not at.exception
    assert "needs internet access" in errors(at)
    at.radio(key="data-source").set_value("demo-en").run()
    assert not at.exception and not errors(at)
    assert metrics(at)["Rows kept"] == "4,000"


def test_a_source_with_its_own_test_set_is_checked_against_it(monkeypatch):
    monkeypatch.setattr("lstm_core.data.imdb.load_keras_imdb", phrases_and_sentences)
    at = data_page()
    at.radio(key="data-source").set_value("keras-imdb").run()
    assert not at.exception and not errors(at)
    shown = texts(at)
    assert "The separate test set: 50 texts, median 31 tokens" in shown
    assert "The test texts are much longer than the training texts" in shown
    assert "training: negative 50%, positive 50%; test: negative 90%, positive 10%" in shown
    assert metrics(at)["Suggested max length"] == "32"  # the test texts' length, not 8


@pytest.mark.parametrize("dataset_id", ["../../etc", "upload-0000000000000000"])
def test_a_bad_dataset_in_the_url_is_an_error(dataset_id):
    at = data_page(dataset=dataset_id)
    assert not at.exception
    assert "data set" in errors(at)
    at.radio(key="data-source").set_value("demo-zh").run()  # one click gets out of it
    assert not at.exception and dataset_param(at) == "demo-zh"


def test_continue_goes_to_train_with_the_data_set():
    at = data_page()
    at.radio(key="data-source").set_value("demo-zh").run()
    next(b for b in at.button if b.label.startswith("Continue")).click().run()
    assert not at.exception
    assert dataset_param(at) == "demo-zh"
    assert at.title[0].value == "Train"


def test_the_data_page_never_imports_tensorflow():
    code = (
        "import sys; from streamlit.testing.v1 import AppTest; "
        f"at = AppTest.from_file('app.py', default_timeout={TIMEOUT}); "
        f"at.switch_page('{PAGE}'); at.run(); "
        "assert not at.exception and at.metric; "
        "print('tensorflow' in sys.modules, 'keras' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT, timeout=120)
    assert result.stdout.strip().splitlines()[-1] == "False False", result.stderr


def test_the_same_file_uploaded_again_after_the_store_was_emptied_is_stored_again():
    import shutil

    at = upload("reviews.csv", reviews_csv())
    dataset_id = dataset_param(at)
    shutil.rmtree(datasets.dataset_dir(dataset_id))
    again = upload("reviews.csv", reviews_csv())  # the cached save must not hide the loss
    assert not again.exception and not errors(again)
    assert dataset_param(again) == dataset_id
    assert metrics(again)["Rows kept"] == "40"


def test_a_shift_jis_upload_is_read_and_its_encoding_shown():
    at = upload("レビュー.csv", in_languages.reviews_csv("ja").encode("shift_jis"))
    assert not at.exception and not errors(at)
    assert "encoding cp932 (guessed)" in texts(at)
    assert at.selectbox(key=f"{dataset_param(at)}-encoding").value == "auto"
    assert metrics(at)["Rows kept"] == "36"
    preview = next(df.value for df in at.dataframe if "review" in df.value.columns)
    assert preview["review"].tolist() == [text for text, _ in in_languages.review_rows("ja")][:20]


def test_an_uncertain_encoding_is_flagged_and_the_chosen_one_reads_the_file_again():
    rows = [("Отлично", 1), ("Ужасно", 0), ("Нормально", 1)] * 5
    data = ("Отзыв,Оценка\n" + "".join(f"{text},{label}\n" for text, label in rows))
    at = upload("tiny.csv", data.encode("cp1251"))
    assert not at.exception
    dataset_id = dataset_param(at)
    assert "(guessed, uncertain)" in texts(at)
    assert any("guess is uncertain" in w.value for w in at.warning)
    encoding = at.selectbox(key=f"{dataset_id}-encoding")
    assert encoding.value == "auto"
    assert "cp1251 - Cyrillic: Windows-1251" in encoding.options

    encoding.set_value("cp1251").run()
    assert not at.exception and not errors(at)
    assert datasets.load_selection(dataset_id).encoding == "cp1251"
    assert "encoding cp1251 (chosen)" in texts(at)
    assert not any("encoding" in w.value for w in at.warning)
    assert at.selectbox(key=f"{dataset_id}-text").value == "Отзыв"
    assert token_preview(at)["text"].tolist()[:3] == ["Отлично", "Ужасно", "Нормально"]
    assert metrics(at)["Rows kept"] == "15"

    again = data_page(dataset=dataset_id)  # a refresh keeps the choice
    assert again.selectbox(key=f"{dataset_id}-encoding").value == "cp1251"
    again.selectbox(key=f"{dataset_id}-encoding").set_value("auto").run()
    assert not again.exception
    assert datasets.load_selection(dataset_id).encoding is None
    assert "(guessed, uncertain)" in texts(again)


def test_an_encoding_that_does_not_fit_is_an_error_and_the_file_stays_readable():
    at = upload("ja.csv", in_languages.reviews_csv("ja").encode("shift_jis"))
    dataset_id = dataset_param(at)
    at.selectbox(key=f"{dataset_id}-encoding").set_value("utf-8").run()
    assert not at.exception
    assert "is not valid utf-8" in errors(at)
    assert datasets.load_selection(dataset_id).encoding is None
    assert metrics(at)["Rows kept"] == "36"
