import os
import subprocess
import sys

import pytest

from lstm_core.config import TextConfig
from lstm_core.text.processor import TextProcessor, guess_language, has_cjk


def tokens(text: str, **settings) -> list[str]:
    return TextProcessor(TextConfig(**settings)).tokenize(text)


def test_defaults_lowercase_strip_markup_links_and_punctuation():
    assert tokens("The plot <br /><br />was GREAT!!! see https://x.io/a?b=1 now") == [
        "the", "plot", "was", "great", "see", "now"]


def test_contracted_negation_becomes_not():
    assert tokens("It wasn't good, and I don't care") == [
        "it", "was", "not", "good", "and", "i", "do", "not", "care"]


def test_mentions_and_hashtags_are_optional():
    text = "@bob this is #awesome"
    assert tokens(text) == ["bob", "this", "is", "awesome"]
    assert tokens(text, strip_mentions=True, strip_hashtags=True) == ["this", "is"]


def test_tweet_tokenizer_keeps_emoticons_and_shortens_stretched_words():
    assert tokens("sooooo happy :) lol", tokenizer="tweet") == ["sooo", "happy", ":)", "lol"]


def test_stopword_removal_keeps_negations():
    assert tokens("the film was not good and it is never boring", remove_stopwords=True) == [
        "film", "not", "good", "never", "boring"]


def test_chinese_is_split_into_characters_and_mixed_text_keeps_words():
    assert tokens("剧情很无聊，但是演员很棒 OK") == [
        "剧", "情", "很", "无", "聊", "但", "是", "演", "员", "很", "棒", "ok"]
    assert tokens("Ｆｕｌｌ－ｗｉｄｔｈ ＡＢＣ") == ["full-width", "abc"]


def test_japanese_kana_split_and_word_mode_keeps_runs():
    assert tokens("とても良い") == ["と", "て", "も", "良", "い"]
    assert tokens("很好 good", tokenizer="word") == ["很好", "good"]


def test_char_tokenizer_drops_spaces_only_when_punctuation_kept():
    assert tokens("ab c!", tokenizer="char", strip_punctuation=False) == ["a", "b", "c", "!"]


@pytest.mark.parametrize("text", ["", "   ", "!!!", "<br />"])
def test_texts_with_nothing_left_give_no_tokens(text):
    assert tokens(text) == []


def test_has_cjk():
    assert has_cjk("好") and has_cjk("カタカナ") and not has_cjk("hello")


@pytest.mark.parametrize(("tokens", "language"), [
    (["the", "food", "was", "not", "good"], "en"),
    (["这", "家", "店", "，", "的", "菜", "ok"], "zh"),
    (["服务", "很", "差", "wifi", "app"], "zh"),
    (["très", "déçu", "不"], "en"),
    (["，", "。", "123", "😀"], "en"),  # neither script: the default
    ([], "en"),
])
def test_guess_language_counts_tokens_of_each_script(tokens, language):
    assert guess_language(tokens) == language


def test_many_texts_in_worker_processes_give_the_same_tokens_in_order(monkeypatch):
    monkeypatch.setattr("lstm_core.text.processor.PARALLEL_MIN_CHARS", 10_000)
    processor = TextProcessor(TextConfig())
    texts = [f"Review {i}: it wasn't bad at all, 好看!" for i in range(6000)]
    texts[-3:] = ["", "?!", "nul\x00inside a token"]  # in a worker's share: nothing, and the
    expected = [processor.tokenize(t) for t in texts]  # character tokens travel joined by
    assert expected[-1][0] == "nul\x00inside"
    for workers in (2, 3):
        assert processor.tokenize_many(texts, workers=workers) == expected
    long = ["good " * 3000]  # one text over the threshold: this process takes it all
    assert processor.tokenize_many(long, workers=2) == [processor.tokenize(long[0])]


def test_workers_do_not_run_the_main_script_again(tmp_path, monkeypatch):
    """Under Streamlit ``__main__`` is the page being drawn: spawned workers must not rerun it."""
    import sys
    import types

    page = tmp_path / "page.py"
    page.write_text("raise SystemExit('a worker ran the page script')\n")
    drawn = types.ModuleType("__main__")
    drawn.__file__ = str(page)
    monkeypatch.setitem(sys.modules, "__main__", drawn)
    monkeypatch.setattr("lstm_core.text.processor.PARALLEL_MIN_CHARS", 1_000)
    processor = TextProcessor(TextConfig())
    texts = [f"the food was not good, review {i}" for i in range(200)]
    assert processor.tokenize_many(texts, workers=2) == [processor.tokenize(t) for t in texts]
    assert sys.modules["__main__"] is drawn


def test_jieba_segments_chinese_into_words_and_leaves_other_text_to_the_word_tokenizer():
    assert tokens("剧情很无聊，但是演员很棒 OK, it wasn't bad", tokenizer="jieba") == [
        "剧情", "很", "无聊", "但是", "演员", "很棒", "ok", "it", "was", "not", "bad"]
    assert tokens("とても良い", tokenizer="jieba") == ["と", "て", "も", "良", "い"]  # kana
    assert tokens("just english", tokenizer="jieba") == ["just", "english"]


JIEBA_RUN = """
import sys, tempfile
from lstm_core.config import TextConfig
from lstm_core.text.processor import TextProcessor
print(tempfile.gettempdir())
print(" ".join(TextProcessor(TextConfig(tokenizer="jieba")).tokenize("这家店的菜不好吃")))
"""


def test_jieba_loads_its_dictionary_silently_and_caches_it_in_the_temporary_folder(tmp_path):
    """No "Building prefix dict" lines on stderr, the first time (no cache) or the next."""
    env = {**os.environ, "TMPDIR": str(tmp_path), "TEMP": str(tmp_path), "TMP": str(tmp_path)}
    runs = [subprocess.run([sys.executable, "-c", JIEBA_RUN], capture_output=True, text=True,
                           env=env, timeout=120) for _ in range(2)]
    for result in runs:
        assert result.returncode == 0 and result.stderr == "", result.stderr
        assert result.stdout.splitlines() == [str(tmp_path), "这家 店 的 菜 不 好吃"]
    assert [p.name for p in tmp_path.glob("*jieba*.cache")] != []


def test_jieba_in_worker_processes_gives_the_same_tokens(monkeypatch):
    monkeypatch.setattr("lstm_core.text.processor.PARALLEL_MIN_CHARS", 10_000)
    processor = TextProcessor(TextConfig(tokenizer="jieba"))
    texts = [f"第{i}条评论：质量不太好，没意思 but fine" for i in range(800)]
    assert processor.tokenize_many(texts, workers=2) == [processor.tokenize(t) for t in texts]
