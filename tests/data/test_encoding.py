"""Reading text files in every encoding users send, with real files in tmp_path."""

import pandas as pd

from lstm_core.data.read import read_table

ROWS = [("Great phone, works well", 1), ("Broke after a day", 0), ("Love it", 1)]
EXPECTED = pd.DataFrame(ROWS, columns=["text", "label"])


def _write(path, data):
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


def _delimited(delimiter):
    lines = [f"text{delimiter}label"] + [
        f'"{text}"{delimiter}{label}' if delimiter in text else f"{text}{delimiter}{label}"
        for text, label in ROWS
    ]
    return "\n".join(lines) + "\n"


def _assert_rows(frame):
    pd.testing.assert_frame_equal(frame, EXPECTED, check_dtype=False)


def test_utf8_bom_is_not_part_of_the_first_column_name(tmp_path):
    frame = read_table(_write(tmp_path / "r.csv", _delimited(",").encode("utf-8-sig")))
    _assert_rows(frame)
    assert frame.attrs["encoding"] == "utf-8-sig"


def test_utf16_with_bom(tmp_path):
    frame = read_table(_write(tmp_path / "r.txt", _delimited("\t").encode("utf-16")))
    _assert_rows(frame)
    assert frame.attrs["encoding"] == "utf-16"


def test_gb18030_chinese_reads_back_exactly(tmp_path):
    text = "评论,标签\n这部电影很好看，强烈推荐,1\n太无聊了,0\n"
    frame = read_table(_write(tmp_path / "weibo.csv", text.encode("gb18030")))
    assert list(frame.columns) == ["评论", "标签"]
    assert frame["评论"].tolist() == ["这部电影很好看，强烈推荐", "太无聊了"]
    assert frame.attrs["encoding"] == "gb18030"


def test_cp1252(tmp_path):
    frame = read_table(_write(tmp_path / "r.csv", "text,label\ncafé – naïve,1\n".encode("cp1252")))
    assert frame["text"].tolist() == ["café – naïve"]
    assert frame.attrs["encoding"] == "cp1252"


def test_french_cp1252_that_also_decodes_as_gb18030_stays_cp1252(tmp_path):
    text = "text,label\nCrème brûlée était délicieuse,1\n"
    assert text.encode("cp1252").decode("gb18030")  # mojibake, but it decodes
    frame = read_table(_write(tmp_path / "r.csv", text.encode("cp1252")))
    assert frame["text"].tolist() == ["Crème brûlée était délicieuse"]
    assert frame.attrs["encoding"] == "cp1252"
