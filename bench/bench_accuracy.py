"""Accuracy on public data the studio has never seen: its suggested LSTM, its bag of words, the
plain tutorial recipe, and the settings search.

For every set in ``bench/public_sets.py`` and every seed, three sides on the same training and
test texts:

  ours    what ``python -m lstm_core train TRAIN --test-data TEST --seed S`` does: the data
          check (on the training and the test texts), the settings it suggests, a run.
  bow     the bag-of-words baseline that same run fits and tests (metrics.json).
  plain   the seeds' tutorial recipe: whitespace words (the Keras 2 Tokenizer), every text padded
          to one length (the training texts' 95th percentile in words, at most 200), Embedding
          128 -> LSTM 128 -> Dense, Adam 1e-3, batches of 32, 3 epochs (2 on long reviews), the
          last epoch's weights tested. Its words are split on spaces, so on Chinese a "word" is a
          whole clause.

``search`` runs ``python -m lstm_core search`` with a 5-minute budget on one set and reports the
winner's validation and test accuracy beside the suggested settings' (seed 1).

Run from the repository root:

    python bench/bench_accuracy.py table                   # every set, seeds 1-3
    python bench/bench_accuracy.py table --sets uci mr --seeds 1
    python bench/bench_accuracy.py search --sets tweets --budget-min 5
    python bench/bench_accuracy.py all

Sets that cannot be read here (no ../shared, no registry) are skipped with the reason. Output:
a line per run, a table, then one JSON line.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: python bench/bench_accuracy.py
    sys.path.insert(0, str(ROOT))

from bench import public_sets  # noqa: E402
from bench.bench_training import KerasStyleTokenizer, environment, run_plain, say  # noqa: E402

PLAIN_MAX_WORDS = 200
PLAIN_VOCAB = 20000
LONG_MEDIAN_WORDS = 100


def _fresh_session() -> None:
    """Each run starts from a cleared Keras session and collected garbage."""
    import keras

    keras.backend.clear_session()
    gc.collect()


def run_ours(train, test, seed: int, run_dir: Path) -> dict:
    """The CLI's path: data check with the test texts, the suggestion, one run."""
    from lstm_core.config import RunConfig, TextConfig
    from lstm_core.data.check import check_examples, suggest_settings, suggest_tokenizer
    from lstm_core.fileio import read_json
    from lstm_core.store import runs
    from lstm_core.training.train import create_run, train_run

    _fresh_session()
    start = time.perf_counter()
    text_config = TextConfig(tokenizer=suggest_tokenizer(train["text"]))  # as the CLI picks it
    report = check_examples(train, text_config, test_examples=test)
    sections = {name: dict(values) for name, values in suggest_settings(report).items()}
    sections.setdefault("train", {})["seed"] = seed
    sections.setdefault("data", {}).update(split_seed=seed, test_split=0.0, test_data="test")
    config = RunConfig.from_dict(sections)
    create_run(config, train, test, run_dir=run_dir)
    status = train_run(run_dir)
    metrics = read_json(run_dir / runs.METRICS_FILE)
    return {
        "test_accuracy": metrics["accuracy"],
        "bow_accuracy": metrics["baseline"]["accuracy"],
        "val_accuracy": status.get("best_val_accuracy"),
        "epochs": status.get("epochs_done"), "best_epoch": status.get("best_epoch"),
        "wall_s": time.perf_counter() - start,
        "settings": {name: config.to_dict()[name] for name in ("text", "model", "train")},
    }


def run_plain_recipe(train, test, seed: int) -> dict:
    """The tutorial recipe on the same texts; 10% of the training texts validate, as ours."""
    from lstm_core.training.split import split_examples

    _fresh_session()
    split = split_examples(train["label"], 0.1, 0.0, seed)
    classes = sorted(train["label"].unique())
    if len(classes) != 2:
        return {"test_accuracy": None, "note": "the recipe's sigmoid output takes two classes"}

    def binary(frame):
        return frame.assign(label=(frame["label"] == classes[1]).astype(int).astype(str))

    parts = {"train": binary(train[split == "train"]), "val": binary(train[split == "val"]),
             "test": binary(test)}
    words = KerasStyleTokenizer(PLAIN_VOCAB)
    lengths = sorted(len(words.words(text)) for text in parts["train"]["text"])
    p95 = lengths[int(0.95 * (len(lengths) - 1))]
    long_texts = lengths[len(lengths) // 2] > LONG_MEDIAN_WORDS
    result = run_plain(parts, num_words=PLAIN_VOCAB, maxlen=max(1, min(PLAIN_MAX_WORDS, p95)),
                       epochs=2 if long_texts else 3, seed=seed, log=lambda message: None)
    return {"test_accuracy": result["test_accuracy"], "wall_s": result["total_s"],
            "maxlen": result["maxlen"], "epochs": result["epochs"]}


def _available_sets(args: argparse.Namespace):
    """(name, set) for each set asked for that can be read here; the others said and skipped."""
    for name in args.sets:
        try:
            yield name, public_sets.load(name, Path(args.cache))
        except public_sets.MissingData as exc:
            say(f"{name}: skipped ({exc})")


def bench_table(args: argparse.Namespace, tmp: Path) -> dict:
    """Every set at every seed: ours, its bag of words, the plain recipe."""
    rows = {}
    for name, data in _available_sets(args):
        say(f"{name}: {len(data.train):,} train / {len(data.test):,} test texts ({data.note})")
        runs_ = []
        for seed in args.seeds:
            ours = run_ours(data.train, data.test, seed, tmp / f"{name}-{seed}")
            plain = run_plain_recipe(data.train, data.test, seed)
            runs_.append({"seed": seed, "ours": ours, "plain": plain})
            say(f"  seed {seed}: ours {_pct(ours['test_accuracy'])} "
                f"(val {_pct(ours['val_accuracy'])}, {ours['epochs']} epochs, "
                f"{ours['wall_s']:.0f} s), bag of words {_pct(ours['bow_accuracy'])}, "
                f"plain {_pct(plain['test_accuracy'])}")
        rows[name] = {"train": len(data.train), "test": len(data.test), "runs": runs_,
                      "summary": _summary(runs_)}
    _print_table(rows)
    return rows


def bench_search(args: argparse.Namespace, tmp: Path) -> dict:
    """The settings search with a budget, against the suggested settings, on each set given."""
    results = {}
    for name, data in _available_sets(args):
        files = {}
        for part in ("train", "test"):
            files[part] = tmp / f"{name}-{part}.csv"
            getattr(data, part).to_csv(files[part], index=False)
        suggested = run_ours(data.train, data.test, 1, tmp / f"{name}-suggested")
        command = [sys.executable, "-m", "lstm_core", "search", str(files["train"]),
                   "--text-col", "text", "--label-col", "label", "--test-data", str(files["test"]),
                   "--budget-min", str(args.budget_min), "--seed", "1"]
        start = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True,
                              env={**os.environ,
                                   "LSTM_STUDIO_RUNS": str(tmp / f"{name}-search-runs")})
        wall = time.perf_counter() - start
        if done.returncode != 0:
            say(f"{name}: the search failed: {done.stderr.strip().splitlines()[-1:]}")
            continue
        found = json.loads(done.stdout.strip().splitlines()[-1])
        results[name] = {"suggested": suggested, "search": found, "wall_s": wall,
                         "budget_s": args.budget_min * 60}
        say(f"{name}: search {found['trials']} trials ({found['pruned']} pruned) in "
            f"{found['wall_s']:.0f} s of a {args.budget_min * 60:.0f} s budget: val "
            f"{_pct(found['val_accuracy'])}, test {_pct(found['test_accuracy'])}; the suggested "
            f"settings: val {_pct(suggested['val_accuracy'])}, test "
            f"{_pct(suggested['test_accuracy'])}, bag of words {_pct(suggested['bow_accuracy'])}")
    return results


def _pct(value) -> str:
    return "-" if value is None else f"{100 * value:.2f}%"


def _mean(values) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.fmean(values) if values else None


def _summary(runs_: list[dict]) -> dict:
    ours = [r["ours"]["test_accuracy"] for r in runs_]
    bow = [r["ours"]["bow_accuracy"] for r in runs_]
    plain = [r["plain"]["test_accuracy"] for r in runs_]
    return {
        "ours": _mean(ours), "ours_min": min(ours), "ours_max": max(ours), "bow": _mean(bow),
        "plain": _mean(plain), "ours_minus_bow": _mean(ours) - _mean(bow),
        "ours_minus_plain": None if _mean(plain) is None else _mean(ours) - _mean(plain),
        "ours_wall_s": _mean(r["ours"]["wall_s"] for r in runs_),
        "plain_wall_s": _mean(r["plain"].get("wall_s") for r in runs_),
        "seeds": [r["seed"] for r in runs_],
    }


def _print_table(rows: dict) -> None:
    say("")
    say("| set | train / test | ours (mean, min-max) | bag of words | plain recipe | ours - bow "
        "| ours - plain | time ours / plain |")
    say("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, row in rows.items():
        s = row["summary"]
        gap_plain = "-" if s["ours_minus_plain"] is None else f"{100 * s['ours_minus_plain']:+.2f}"
        plain_time = "-" if s["plain_wall_s"] is None else f"{s['plain_wall_s']:.0f} s"
        say(f"| {name} | {row['train']:,} / {row['test']:,} | {_pct(s['ours'])} "
            f"({100 * s['ours_min']:.2f}-{100 * s['ours_max']:.2f}) | {_pct(s['bow'])} | "
            f"{_pct(s['plain'])} | {100 * s['ours_minus_bow']:+.2f} | {gap_plain} | "
            f"{s['ours_wall_s']:.0f} s / {plain_time} |")


BENCHMARKS = {
    "table": (bench_table, "every set at every seed: ours, bag of words, plain recipe"),
    "search": (bench_search, "the settings search with a budget against the suggestion"),
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("benchmark", choices=[*BENCHMARKS, "all"])
    parser.add_argument("--sets", nargs="+", default=None,
                        help=f"sets to run (default: all for table, tweets for search): "
                        f"{', '.join(public_sets.NAMES)}")
    parser.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3])
    parser.add_argument("--budget-min", type=float, default=5.0)
    parser.add_argument("--cache", default=str(public_sets.DEFAULT_CACHE),
                        help="where the PyPI source archives are kept")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    names = list(BENCHMARKS) if args.benchmark == "all" else [args.benchmark]
    env = environment()
    say(f"environment: {env}")
    out = {"environment": env}
    with tempfile.TemporaryDirectory(prefix="bench-accuracy-") as tmp:
        for name in names:
            chosen = args.sets or (list(public_sets.NAMES) if name == "table" else ["tweets"])
            out[name] = BENCHMARKS[name][0](argparse.Namespace(**{**vars(args), "sets": chosen}),
                                            Path(tmp))
    print(json.dumps(out, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
