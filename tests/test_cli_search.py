"""``python -m lstm_core search``: its mistakes, its help; a whole search is in tests/search/."""

import subprocess
import sys
from pathlib import Path

import pytest

from lstm_core.cli import main
from lstm_core.config import RunConfig
from lstm_core.search.directory import SearchSettings, create_search
from lstm_core.search.space import SearchSpace
from lstm_core.store import runs
from tests.helpers import demo_examples

ROOT = Path(__file__).resolve().parents[1]


def finished_search_dir() -> Path:
    base = RunConfig()
    search_dir = create_search(SearchSettings(base=base, space=SearchSpace.around(base),
                                              budget_s=60), demo_examples(300))
    runs.write_status(search_dir, status="finished")
    return search_dir


@pytest.mark.parametrize("args, message", [
    (["demo-en"], "Give the search's time with --budget-min N"),
    (["demo-en", "--budget-min", "0"], "--budget-min must be a number of minutes above 0"),
    (["demo-en", "--budget-min", "nan"], "--budget-min must be a number of minutes above 0"),
    (["demo-en", "--budget-min", "soon"], "argument --budget-min: invalid float value"),
    (["--budget-min", "1"], "Name a data file"),
    (["demo-en", "--budget-min", "1", "--max-trials", "0"], "--max-trials must be at least 1"),
    (["missing.csv", "--budget-min", "1"], "missing.csv"),
    (["--resume", "nowhere/at/all"], "is not a search directory"),
    (["--resume", "x", "--budget-min", "1", "--seed", "2"],
     "leave out --budget-min, --seed"),
    (["--resume", "x", "--split-seed", "7"], "leave out --split-seed"),
    (["demo-en", "--budget-min", "1", "--parallel", "0"], "--parallel must be at least 1"),
    (["demo-en", "--budget-min", "1", "--parallel", "2.5"], "argument --parallel: invalid int"),
    (["--resume", "x", "--parallel", "2"], "leave out --parallel"),
    (["demo-en", "--budget-min", "1", "--bogus"], "unrecognized arguments: --bogus"),
])
def test_user_mistakes_exit_2_with_one_error_line(args, message, capsys):
    assert main(["search", *args]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]


def test_only_a_stopped_failed_or_interrupted_search_resumes(capsys):
    search_dir = finished_search_dir()
    assert main(["search", "--resume", str(search_dir)]) == 2
    assert "is finished; only a stopped, failed or interrupted search" in capsys.readouterr().err


def test_help_names_the_json_fields_and_never_imports_tensorflow():
    code = ("import sys\nfrom lstm_core.cli import main\ntry:\n    main(['search', '--help'])\n"
            "except SystemExit:\n    pass\nprint('tensorflow' in sys.modules, 'keras' in "
            "sys.modules, 'optuna' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT, timeout=60)
    assert result.stdout.strip().splitlines()[-1] == "False False False"
    for field in ("best_run_dir", "best_settings", "val_accuracy", "test_accuracy", "trials",
                  "pruned", "wall_s", "--budget-min", "--resume", "--test-data"):
        assert field in result.stdout
    assert "search" in subprocess.run([sys.executable, "-m", "lstm_core", "--help"],
                                      capture_output=True, text=True, cwd=ROOT).stdout


@pytest.mark.parametrize("lang, tokenizer", [("zh", "jieba"), ("en", "auto")])
def test_a_new_search_starts_from_the_tokenizer_suggested_for_its_texts(tmp_path, lang, tokenizer):
    from lstm_core.cli import Parser
    from lstm_core.commands import search
    from lstm_core.data.demo import generate
    from lstm_core.search.directory import read_settings

    data = tmp_path / "reviews.csv"
    generate(300, lang=lang, seed=0)[["text", "label"]].to_csv(data, index=False)
    parser = Parser(prog="search")
    search.add_arguments(parser)
    args = parser.parse_args([str(data), "--budget-min", "1"])
    search_dir = search._create(args, say=lambda line: None)
    assert read_settings(search_dir).base.text.tokenizer == tokenizer


def created_settings(tmp_path, *flags: str):
    """The settings kept by a search created from the command line with ``flags``."""
    from lstm_core.cli import Parser
    from lstm_core.commands import search
    from lstm_core.search.directory import read_settings

    data = tmp_path / "reviews.csv"
    if not data.exists():
        demo_examples(200).to_csv(data, index=False)
    parser = Parser(prog="search")
    search.add_arguments(parser)
    args = parser.parse_args([str(data), "--budget-min", "1", *flags])
    return read_settings(search._create(args, say=lambda line: None))


def test_the_trials_at_once_are_kept_with_the_search(tmp_path):
    for flags, expected in ([], None), (["--parallel", "3"], 3):
        assert created_settings(tmp_path, *flags).parallel == expected


def test_the_split_seed_of_a_search_is_given_like_a_runs(tmp_path):
    from lstm_core.config import DEFAULT_SPLIT_SEED

    for flags, expected in ([], DEFAULT_SPLIT_SEED), (["--split-seed", "7"], 7):
        base = created_settings(tmp_path, "--seed", "3", *flags).base
        assert (base.data.split_seed, base.train.seed) == (expected, 3)
