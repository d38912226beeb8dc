"""The app's stored data sets: the chosen text encoding is saved, re-reads the file and survives."""

import json

import pytest

from lstm_core.data import datasets
from lstm_core.data.encoding import TextEncoding
from lstm_core.data.read import text_encoding
from lstm_core.errors import StudioError
from tests.data.reviews import review_rows, reviews_csv

# A short Cyrillic upload with too few letters for the guess: Mac Cyrillic reads its capitals wrong.
TINY = "Отзыв,Оценка\n" + "".join(
    f"{text},{label}\n" for text, label in [("Отлично", 1), ("Ужасно", 0), ("Нормально", 1)] * 5
)


def test_an_upload_is_read_with_the_encoding_chosen_for_it():
    dataset_id = datasets.save_upload(TINY.encode("cp1251"), "tiny.csv")
    guessed = datasets.read_dataset_table(dataset_id)
    assert text_encoding(guessed).uncertain
    assert list(guessed.columns) == ["ќтзыв", "ќценка"]
    assert datasets.load_selection(dataset_id).text_col in guessed.columns

    selection = datasets.set_encoding(dataset_id, "Windows-1251")
    assert selection.encoding == "cp1251"
    assert (selection.text_col, selection.label_col) == ("Отзыв", "Оценка")  # suggested again
    table = datasets.read_dataset_table(dataset_id)
    assert list(table.columns) == ["Отзыв", "Оценка"]
    assert text_encoding(table) == TextEncoding("cp1251")
    examples = datasets.dataset_examples(dataset_id)
    assert examples.frame["text"].tolist()[:3] == ["Отлично", "Ужасно", "Нормально"]
    assert examples.encoding == TextEncoding("cp1251")

    again = datasets.set_encoding(dataset_id, None)  # back to the guess
    assert again.encoding is None
    assert text_encoding(datasets.read_dataset_table(dataset_id)).guessed


def test_a_new_encoding_keeps_the_columns_that_still_exist():
    data = reviews_csv("ru").encode("cp1251")
    dataset_id = datasets.save_upload(data, "ru.csv")
    datasets.update_selection(dataset_id, label_col="label", rating_threshold=None)
    selection = datasets.set_encoding(dataset_id, "cp1251")
    assert (selection.text_col, selection.label_col) == ("review", "label")
    examples = datasets.dataset_examples(dataset_id)
    assert examples.frame["text"].tolist() == [text for text, _ in review_rows("ru")]


@pytest.mark.parametrize(("encoding", "message"), [
    ("klingon", r"encoding must be a Python codec name .*got 'klingon'"),
    ("utf-8", r"is not valid utf-8: the byte 0x[0-9a-f]{2} at position"),
])
def test_an_encoding_that_cannot_read_the_file_leaves_the_selection_alone(encoding, message):
    dataset_id = datasets.save_upload(TINY.encode("cp1251"), "tiny.csv")
    before = datasets.load_selection(dataset_id)
    with pytest.raises(StudioError, match=message):
        datasets.set_encoding(dataset_id, encoding)
    assert datasets.load_selection(dataset_id) == before


def test_a_built_in_set_has_no_encoding_to_choose():
    datasets.save_builtin("demo-en")
    with pytest.raises(StudioError, match="built-in data set, which has no text encoding"):
        datasets.set_encoding("demo-en", "cp1251")


def test_a_selection_saved_before_encodings_could_be_chosen_still_loads():
    dataset_id = datasets.save_upload(reviews_csv("ko").encode("euc_kr"), "ko.csv")
    path = datasets.dataset_dir(dataset_id) / datasets.SELECTION_FILE
    saved = json.loads(path.read_text())
    del saved["encoding"]
    path.write_text(json.dumps(saved))
    assert datasets.load_selection(dataset_id).encoding is None
    examples = datasets.dataset_examples(dataset_id)
    assert examples.frame["text"].tolist() == [text for text, _ in review_rows("ko")]


def test_a_new_chinese_data_set_reads_its_texts_in_jieba_words():
    datasets.save_builtin("demo-zh")
    datasets.save_builtin("demo-en")
    assert datasets.load_selection("demo-zh").text_config.tokenizer == "jieba"
    assert datasets.load_selection("demo-en").text_config.tokenizer == "auto"
    rows = "".join(f"菜{'不' if i % 2 else '很'}好吃，服务也{'很' if i % 2 else '不'}好,{i % 2}\n"
                   for i in range(20))
    upload = datasets.save_upload(("text,label\n" + rows).encode("utf-8"), "reviews.csv")
    assert datasets.load_selection(upload).text_config.tokenizer == "jieba"
