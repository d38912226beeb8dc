"""Reading users' files into tables, with real files in tmp_path."""

import gzip
import json
import random
import zipfile

import pandas as pd
import pytest

from lstm_core.data.encoding import TextEncoding
from lstm_core.data.examples import load_examples, to_examples
from lstm_core.data.read import (
    MAX_UPLOAD_ENV,
    read_table,
)
from lstm_core.errors import StudioError
from tests.conftest import shared_dataset
from tests.data.tables import EXPECTED, ROWS, assert_rows, delimited, write_file

# --- formats -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("file_name", "delimiter", "fmt"),
    [
        ("r.csv", ",", "csv"),
        ("r.tsv", "\t", "tsv"),
        ("r.csv", ";", "csv"),
        ("r.txt", "|", "csv"),
        ("r.dat", "\t", "tsv"),
    ],
)
def test_delimited_round_trip(tmp_path, file_name, delimiter, fmt):
    frame = read_table(write_file(tmp_path / file_name, delimited(delimiter)))
    assert_rows(frame)
    assert frame.attrs == {
        "format": fmt, "encoding": "utf-8", "delimiter": delimiter, "compression": None,
        "text_encoding": TextEncoding("utf-8").to_dict(),
    }


def test_label_column_is_numeric_and_text_is_string(tmp_path):
    frame = read_table(write_file(tmp_path / "r.csv", delimited(",")))
    assert pd.api.types.is_integer_dtype(frame["label"])
    assert pd.api.types.is_string_dtype(frame["text"])


def test_json_array(tmp_path):
    records = [{"text": text, "label": label} for text, label in ROWS]
    frame = read_table(write_file(tmp_path / "r.json", json.dumps(records)))
    assert_rows(frame)
    assert frame.attrs["format"] == "json"


@pytest.mark.parametrize("file_name", ["r.jsonl", "r.ndjson", "r.json"])
def test_json_lines_detected_from_content(tmp_path, file_name):
    lines = "\n\n".join(json.dumps({"text": text, "label": label}) for text, label in ROWS)
    frame = read_table(write_file(tmp_path / file_name, lines))
    assert_rows(frame)
    assert frame.attrs["format"] == "jsonl"


def test_xlsx(tmp_path):
    EXPECTED.to_excel(tmp_path / "r.xlsx", index=False)
    frame = read_table(tmp_path / "r.xlsx")
    assert_rows(frame)
    assert frame.attrs["format"] == "xlsx"


def test_parquet(tmp_path):
    EXPECTED.to_parquet(tmp_path / "r.parquet")
    frame = read_table(tmp_path / "r.parquet")
    assert_rows(frame)
    assert frame.attrs["format"] == "parquet"


@pytest.mark.parametrize("file_name", ["r.csv.gz", "r.gz"])
def test_gzip_csv(tmp_path, file_name):
    frame = read_table(write_file(tmp_path / file_name, gzip.compress(delimited(",").encode())))
    assert_rows(frame)
    assert frame.attrs["compression"] == "gzip"


def test_bytes_upload_uses_the_name_for_the_format():
    records = [{"text": text, "label": label} for text, label in ROWS]
    frame = read_table(json.dumps(records).encode(), name="upload.json")
    assert_rows(frame)
    assert frame.attrs["format"] == "json"


def test_bytes_upload_without_a_name_is_delimited_text():
    assert_rows(read_table(delimited("\t").encode()))


# --- headers and quotes --------------------------------------------------------------------------


@pytest.mark.shared_data
@pytest.mark.parametrize(
    "file_name", ["amazon_cells_labelled.txt", "imdb_labelled.txt", "yelp_labelled.txt"]
)
def test_uci_headerless_files_with_stray_quotes(file_name):
    path = shared_dataset("uci_sentiment_sentences", "orig", file_name)
    frame = read_table(path)
    assert list(frame.columns) == ["text", "label"]
    assert len(frame) == 1000
    examples, dropped = load_examples(path, "text", "label")
    assert set(examples["label"]) == {"0", "1"}
    assert len(examples) == 1000
    assert dropped == {}


def test_stray_quote_in_line_based_file_keeps_every_row(tmp_path):
    lines = ["Fine phone\t1", '" The best film I have seen\t1', "Awful\t0", 'He said "meh\t0']
    frame = read_table(write_file(tmp_path / "r.txt", "\n".join(lines) + "\n"))
    assert frame["text"].tolist() == [line.split("\t")[0] for line in lines]
    assert frame["label"].tolist() == [1, 1, 0, 0]


def test_delimiter_found_when_some_lines_lack_it(tmp_path):
    text = "text\tlabel\ngood\t1\nbad\t0\nno label here\nfine\t1\nmeh\n"
    frame = read_table(write_file(tmp_path / "r.txt", text))
    assert frame.attrs["delimiter"] == "\t"
    examples, dropped = to_examples(frame, "text", "label", min_per_class=1)
    assert examples["label"].tolist() == ["1", "0", "1"]  # 1.0 after the NaNs, still "1"
    assert dropped == {"missing label": 2}


def test_quoted_multiline_field_is_kept(tmp_path):
    frame = read_table(write_file(tmp_path / "r.csv", 'text,label\n"line one\nline two",1\nok,0\n'))
    assert frame["text"].tolist() == ["line one\nline two", "ok"]


def test_headerless_with_word_labels(tmp_path):
    text = "great movie\tpositive\nawful film\tnegative\nfine\tpositive\n"
    frame = read_table(write_file(tmp_path / "r.tsv", text))
    assert list(frame.columns) == ["text", "label"]
    assert len(frame) == 3


def test_headerless_with_more_columns(tmp_path):
    frame = read_table(write_file(tmp_path / "r.csv", "1,hello,0\n2,bye,1\n3,ok,1\n"))
    assert list(frame.columns) == ["column_1", "column_2", "column_3"]
    assert frame["column_1"].tolist() == [1, 2, 3]


def test_blank_and_repeated_header_names(tmp_path):
    frame = read_table(write_file(tmp_path / "r.csv", ",text,text\n0,a,b\n1,c,d\n"))
    assert list(frame.columns) == ["column_1", "text", "text_2"]


# --- refusals ------------------------------------------------------------------------------------


@pytest.mark.parametrize("data", [b"", b"  \n\t\r\n ", "  \n".encode("utf-16")])
def test_empty_file(tmp_path, data):
    with pytest.raises(StudioError, match="r.csv is empty"):
        read_table(write_file(tmp_path / "r.csv", data))


def test_header_without_rows(tmp_path):
    with pytest.raises(StudioError, match=r"no data rows under its header \(text, label\)"):
        read_table(write_file(tmp_path / "r.csv", "text,label\n"))


def test_empty_json_array(tmp_path):
    with pytest.raises(StudioError, match="no data rows"):
        read_table(write_file(tmp_path / "r.json", "[]"))


def test_png_renamed_to_csv(tmp_path):
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10" + bytes(range(256))
    with pytest.raises(StudioError, match="not a text file"):
        read_table(write_file(tmp_path / "photo.csv", png))


def test_random_bytes_without_nul(tmp_path):
    rng = random.Random(0)
    noise = bytes(rng.randrange(1, 256) for _ in range(4096))
    with pytest.raises(StudioError, match="not a text file"):
        read_table(write_file(tmp_path / "r.csv", noise))


def test_unclosed_quote_names_its_line(tmp_path):
    text = 'text,label\n"Good, yes",1\n"Bad, no",0\n"never closed, oops,1\nfine,0\nok,1\n'
    with pytest.raises(StudioError, match=r"opened on line 4 of r\.csv is not closed"):
        read_table(write_file(tmp_path / "r.csv", text))


def test_quote_that_swallows_many_lines(tmp_path):
    swallowed = ["x, y,0"] * 30
    text = "\n".join(["text,label", '"opens here,1', *swallowed, 'closes" late,1', "ok,0"])
    with pytest.raises(StudioError, match=r"line 2 of r\.csv .* swallows the 31 lines"):
        read_table(write_file(tmp_path / "r.csv", text + "\n"))


def test_ragged_row_names_its_line(tmp_path):
    with pytest.raises(StudioError, match="Line 4 of r.csv has 3 fields where the first line has"):
        read_table(write_file(tmp_path / "r.csv", "text,label\ngood,1\n\nbad,0,extra\nok,1\n"))


@pytest.mark.parametrize(
    ("file_name", "data", "message"),
    [
        ("r.xlsx", b"not a zip file at all", "not a valid .xlsx workbook"),
        ("r.xls", b"\xd0\xcf\x11\xe0", "old-style .xls"),
        ("r.parquet", b"not parquet", "not a readable Parquet file"),
        ("r.gz", b"\x1f\x8bnot really gzip", "not a readable gzip file"),
        ("r.json", '[{"text": "a", "label": 1},', "not valid JSON: .* line 1"),
        ("r.json", "[1, 2]", "Item 1 of r.json is not an object: 1"),
        ("r.jsonl", '{"text": "a"}\n{"text": b}\n', "Line 2 of r.jsonl is not valid JSON"),
        ("r.jsonl", '{"text": "a"}\n["b"]\n', "Line 2 of r.jsonl is not an object"),
    ],
)
def test_bad_files(tmp_path, file_name, data, message):
    with pytest.raises(StudioError, match=message):
        read_table(write_file(tmp_path / file_name, data))


def test_zip_without_a_workbook(tmp_path):
    with zipfile.ZipFile(tmp_path / "r.xlsx", "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    with pytest.raises(StudioError, match="not a valid .xlsx workbook"):
        read_table(tmp_path / "r.xlsx")


def test_missing_file(tmp_path):
    with pytest.raises(StudioError, match="does not exist; check the path"):
        read_table(tmp_path / "nope.csv")


# --- size limits ---------------------------------------------------------------------------------


def test_file_over_the_limit_is_refused_before_parsing(tmp_path):
    path = write_file(tmp_path / "r.csv", b"\x00" * 2000)  # would be refused as binary if parsed
    message = f"r.csv is 2,000 bytes, over the 1,000 bytes limit.*{MAX_UPLOAD_ENV}"
    with pytest.raises(StudioError, match=message):
        read_table(path, max_bytes=1000)


def test_bytes_over_the_limit():
    with pytest.raises(StudioError, match="The upload is 2,000 bytes, over the 1,000 bytes limit"):
        read_table(b"a" * 2000, max_bytes=1000)


def test_gzip_bomb(tmp_path):
    bomb = gzip.compress(b"0" * 5_000_000)
    assert len(bomb) < 100_000
    with pytest.raises(StudioError, match="expands to more than 1,000,000 bytes when unpacked"):
        read_table(write_file(tmp_path / "r.csv.gz", bomb), max_bytes=1_000_000)


def test_xlsx_bomb(tmp_path):
    with zipfile.ZipFile(tmp_path / "r.xlsx", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * 5_000_000)
    assert (tmp_path / "r.xlsx").stat().st_size < 100_000
    with pytest.raises(StudioError, match=r"unpacks to 4\.8 MB, over the 1,000,000 bytes limit"):
        read_table(tmp_path / "r.xlsx", max_bytes=1_000_000)


def test_the_upload_limit_from_the_environment_applies(monkeypatch):
    monkeypatch.setenv(MAX_UPLOAD_ENV, "0.001")
    with pytest.raises(StudioError, match="over the 1,048 bytes limit"):
        read_table(b"a" * 2000)


