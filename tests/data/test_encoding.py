"""Files in every encoding users send, written for real in tmp_path: the text must survive exactly.

Each file holds a few dozen several-sentence reviews in the language that encoding is used for
(``tests.data.reviews``), written as the user's program writes it.
"""

import codecs
from dataclasses import dataclass

import pytest

from lstm_core.data.encoding import ENCODINGS, TextEncoding, decode, normalize_encoding
from lstm_core.data.read import read_table, text_encoding
from lstm_core.data.sources import load_source
from lstm_core.errors import StudioError
from tests.data.reviews import review_rows, reviews_csv
from tests.data.tables import EXPECTED, assert_rows, delimited, write_file


@dataclass(frozen=True)
class Case:
    lang: str
    written: str  # the codec the file is written in
    read_as: str  # the codec it is read with: the same, or a superset that reads it alike
    uncertain: bool = False
    delimiter: str = ","
    line_end: str = "\n"
    file_name: str = "reviews.csv"

    def data(self, rows: int = 36) -> bytes:
        text = reviews_csv(self.lang, rows, delimiter=self.delimiter, line_end=self.line_end)
        if self.written == "utf-16-le":  # Excel's Unicode Text: a BOM, then UTF-16 LE
            return codecs.BOM_UTF16_LE + text.encode("utf-16-le")
        return text.encode(self.written)


CASES = {
    "utf-8": Case("en", "utf-8", "utf-8"),
    "utf-8 with BOM": Case("ru", "utf-8-sig", "utf-8-sig", line_end="\r\n"),
    "Excel Unicode Text": Case("ja", "utf-16-le", "utf-16", delimiter="\t", line_end="\r\n",
                               file_name="reviews.txt"),
    # Emoji and other characters outside GBK; charset-normalizer alone refuses these (see
    # encoding._MULTI_BYTE), so the guess comes from the retry and is marked uncertain.
    "gb18030": Case("zh-weibo", "gb18030", "gb18030", uncertain=True),
    "gbk": Case("zh-hans", "gbk", "gb18030"),
    "big5": Case("zh-hant", "big5", "big5"),
    "shift_jis": Case("ja", "shift_jis", "cp932", line_end="\r\n"),
    "euc_kr": Case("ko", "euc_kr", "cp949"),
    "cp1251": Case("ru", "cp1251", "cp1251", delimiter=";", line_end="\r\n"),
    "cp1252": Case("fr", "cp1252", "cp1252", delimiter=";"),
    # ½ and ´ read as other signs in Latin-9 or the Baltic code page, which fit the bytes as well.
    "latin-1": Case("de", "latin-1", "cp1252", uncertain=True),
}





# --- every encoding users send ------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_every_review_survives_exactly(tmp_path, case):
    data = case.data()
    if case.read_as not in ("utf-8", "utf-8-sig", "utf-16"):
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")  # so the encoding has to be found, not assumed
    frame = read_table(write_file(tmp_path / case.file_name, data))
    rows = review_rows(case.lang)
    assert list(frame.columns) == ["review", "label"]
    assert frame["review"].tolist() == [text for text, _ in rows]
    assert frame["label"].tolist() == [label for _, label in rows]
    assert frame.attrs["encoding"] == case.read_as
    assert frame.attrs["delimiter"] == case.delimiter
    found = text_encoding(frame)
    assert found.name == case.read_as
    assert found.uncertain is case.uncertain


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_every_review_survives_into_the_examples(tmp_path, case):
    examples = load_source(str(write_file(tmp_path / case.file_name, case.data())))
    rows = review_rows(case.lang)
    assert (examples.text_col, examples.label_col) == ("review", "label")
    assert examples.frame["text"].tolist() == [text for text, _ in rows]
    assert examples.frame["label"].tolist() == [label for _, label in rows]
    assert examples.encoding.name == case.read_as


def test_the_cp1252_and_latin1_files_hold_the_signs_that_tell_them_apart():
    french = reviews_csv("fr")
    assert set("€“”’–œ") <= set(french)
    with pytest.raises(UnicodeEncodeError):
        french.encode("latin-1")
    german = reviews_csv("de")
    assert set("½´»«") <= set(german)
    assert german.encode("latin-1").decode("iso8859-15") != german  # Latin-9 reads ½ and ´ as œ, Ž


@pytest.mark.parametrize("rows", [2, 3, 5])
@pytest.mark.parametrize("name", ["cp1251", "euc_kr", "shift_jis", "big5", "gbk", "cp1252"])
def test_a_few_rows_are_enough(name, rows):
    case = CASES[name]
    frame = read_table(case.data(rows), name="short.csv")
    assert frame["review"].tolist() == [text for text, _ in review_rows(case.lang, rows)]
    assert frame.attrs["encoding"] == case.read_as


@pytest.mark.parametrize(("text", "encoding"), [
    ("отзыв,метка\nХорошо,1\nПлохо,0\n", "cp1251"),
    ("text,label\nОтлично,1\nУжасно,0\nНормально,1\n", "cp1251"),
    ("리뷰,평점\n최고,1\n최악,0\n", "euc_kr"),
    ("text,label\n좋아요,1\n별로예요,0\n", "euc_kr"),
    ("レビュー,評価\n良い,1\n悪い,0\n", "shift_jis"),
    ("text,label\nとても良い,1\n最悪です,0\n", "shift_jis"),
])
def test_a_few_words_read_right_or_the_guess_says_it_is_uncertain(text, encoding):
    data = text.encode(encoding)
    frame = read_table(data, name="tiny.csv")
    header, *lines = text.splitlines()
    want = (header.split(","), [line.split(",")[0] for line in lines])
    got = (list(frame.columns), frame.iloc[:, 0].tolist())
    guess = text_encoding(frame)
    assert got == want or guess.uncertain, guess
    if guess.uncertain:
        assert guess.alternatives and guess.warning()
    chosen = read_table(data, name="tiny.csv", encoding=encoding)
    assert (list(chosen.columns), chosen.iloc[:, 0].tolist()) == want


def test_a_two_word_cyrillic_file_is_misread_and_says_so():
    data = "text,label\nОтлично,1\nУжасно,0\nНормально,1\n".encode("cp1251")
    frame = read_table(data, name="tiny.csv")
    guess = text_encoding(frame)
    assert frame["text"].iloc[0] != "Отлично"  # too few letters to tell the alphabet apart
    assert guess.guessed and guess.uncertain and guess.alternatives
    assert "guess is uncertain (it could also be" in guess.warning()
    assert "--encoding" in guess.warning() and "Data page" in guess.warning()


def test_a_large_file_is_guessed_from_lines_all_over_it(tmp_path):
    english = "".join(f"Review {n} of the phone: fine and works as described.,positive\n"
                      for n in range(40_000))
    assert len(english) > 2 * 1024 * 1024  # more than the bytes detection reads
    russian = reviews_csv("ru").split("\n", 1)[1]
    data = ("review,label\n" + english + russian).encode("cp1251")
    frame = read_table(write_file(tmp_path / "big.csv", data))
    assert frame["review"].tolist()[-36:] == [text for text, _ in review_rows("ru")]
    assert frame.attrs["encoding"] == "cp1251"


# --- an encoding the user chooses ---------------------------------------------------------------


def test_a_chosen_encoding_beats_the_guess():
    data = "text,label\nОтлично,1\nУжасно,0\nНормально,1\n".encode("cp1251")
    frame = read_table(data, name="tiny.csv", encoding="Windows-1251")
    assert frame["text"].tolist() == ["Отлично", "Ужасно", "Нормально"]
    assert frame.attrs["encoding"] == "cp1251"
    assert text_encoding(frame) == TextEncoding("cp1251")  # chosen: not guessed


def test_a_chosen_encoding_is_used_even_against_a_sure_guess():
    data = CASES["cp1252"].data()
    assert text_encoding(read_table(data, name="r.csv")).uncertain is False
    frame = read_table(data, name="r.csv", encoding="cp1250")
    assert frame.attrs["encoding"] == "cp1250"
    assert frame["review"].tolist() == [
        text.encode("cp1252").decode("cp1250") for text, _ in review_rows("fr")
    ]


def test_a_chosen_unicode_encoding_still_drops_the_byte_order_mark():
    frame = read_table(CASES["utf-8 with BOM"].data(), name="r.csv", encoding="utf-8")
    assert list(frame.columns) == ["review", "label"]
    assert frame.attrs["encoding"] == "utf-8-sig"
    excel = read_table(CASES["Excel Unicode Text"].data(), name="r.txt", encoding="UTF-16LE")
    assert list(excel.columns) == ["review", "label"]
    assert excel["review"].tolist() == [text for text, _ in review_rows("ja")]


def test_a_chosen_encoding_that_does_not_fit_names_the_byte():
    data = CASES["shift_jis"].data()
    with pytest.raises(StudioError, match=r"r\.csv is not valid utf-8: the byte 0x[0-9a-f]{2} at "
                                          r"position [\d,]+ has no meaning there"):
        read_table(data, name="r.csv", encoding="utf-8")


@pytest.mark.parametrize("name", ["klingon", "base64", "", "utf-9"])
def test_an_unknown_encoding_names_the_valid_forms(name):
    message = (r"encoding must be a Python codec name such as utf-8, .*shift_jis.*cp1251.*latin-1 "
               rf"\(other spellings such as GBK, latin1.*\); got '{name}'")
    with pytest.raises(StudioError, match=message):
        read_table(b"text,label\ngood,1\n", name="r.csv", encoding=name)


def test_a_workbook_has_no_encoding_to_choose(tmp_path):
    EXPECTED.to_excel(tmp_path / "r.xlsx", index=False)
    with pytest.raises(StudioError, match="r.xlsx is an Excel workbook, .* leave the encoding out"):
        read_table(tmp_path / "r.xlsx", encoding="cp1251")
    assert text_encoding(read_table(tmp_path / "r.xlsx")) is None


@pytest.mark.parametrize(("alias", "codec"), [
    ("GBK", "gbk"), ("latin1", "iso8859-1"), ("Shift-JIS", "shift_jis"), ("shift_jis", "shift_jis"),
    ("windows-1251", "cp1251"), ("UTF8", "utf-8"), ("EUC-KR", "euc_kr"), (" big5 ", "big5"),
])
def test_encoding_names_are_normalised(alias, codec):
    assert normalize_encoding(alias) == codec


def test_the_offered_encodings_are_canonical_codec_names():
    assert all(normalize_encoding(name) == name for name in ENCODINGS)


# --- byte-order marks, UTF-8 and what is not text -----------------------------------------------


def test_utf8_bom_is_not_part_of_the_first_column_name(tmp_path):
    frame = read_table(write_file(tmp_path / "r.csv", delimited(",").encode("utf-8-sig")))
    assert_rows(frame)
    assert frame.attrs["encoding"] == "utf-8-sig"


def test_utf16_with_bom(tmp_path):
    frame = read_table(write_file(tmp_path / "r.txt", delimited("\t").encode("utf-16")))
    assert_rows(frame)
    assert frame.attrs["encoding"] == "utf-16"


def test_utf32_with_bom(tmp_path):
    frame = read_table(write_file(tmp_path / "r.txt", delimited("\t").encode("utf-32")))
    assert_rows(frame)
    assert frame.attrs["encoding"] == "utf-32"


def test_marks_and_utf8_are_certain_not_guessed():
    for data in (delimited(",").encode("utf-8-sig"), "text,label\ncafé,1\n".encode()):
        assert decode(data, "r.csv")[1] == TextEncoding(decode(data, "r.csv")[1].name)


def test_gb18030_chinese_reads_back_exactly(tmp_path):
    text = "评论,标签\n这部电影很好看，强烈推荐,1\n太无聊了,0\n"
    frame = read_table(write_file(tmp_path / "weibo.csv", text.encode("gb18030")))
    assert list(frame.columns) == ["评论", "标签"]
    assert frame["评论"].tolist() == ["这部电影很好看，强烈推荐", "太无聊了"]
    assert frame.attrs["encoding"] == "gb18030"


def test_cp1252(tmp_path):
    data = "text,label\ncafé – naïve,1\n".encode("cp1252")
    frame = read_table(write_file(tmp_path / "r.csv", data))
    assert frame["text"].tolist() == ["café – naïve"]
    assert frame.attrs["encoding"] == "cp1252"


def test_french_cp1252_that_also_decodes_as_gb18030_stays_cp1252(tmp_path):
    text = "text,label\nCrème brûlée était délicieuse,1\n"
    assert text.encode("cp1252").decode("gb18030")  # mojibake, but it decodes
    frame = read_table(write_file(tmp_path / "r.csv", text.encode("cp1252")))
    assert frame["text"].tolist() == ["Crème brûlée était délicieuse"]
    assert frame.attrs["encoding"] == "cp1252"


def test_the_uncertain_warning_lists_the_alternatives():
    guess = TextEncoding("cp1252", guessed=True, uncertain=True, alternatives=("cp1250",))
    assert guess.describe() == "cp1252 (guessed, uncertain)"
    assert guess.warning().startswith("The text encoding was guessed as cp1252, but the guess is "
                                      "uncertain (it could also be cp1250).")
    assert TextEncoding("cp1251", guessed=True).describe() == "cp1251 (guessed)"
    assert TextEncoding("cp1251").warning() is None
