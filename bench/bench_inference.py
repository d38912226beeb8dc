"""Inference speed: ``lstm_core``'s ``Run`` against Keras' ``model.predict``, on one trained run.

Without ``--run``, the bench first trains the model it measures: Embedding 128 -> one LSTM of 128
units (last state) -> classifier, 1 epoch on the built-in English demo data, in a temporary
directory (~20-60 s on 2 cores; not timed). Run from the repository root:

    python bench/bench_inference.py all              # the three benchmarks below
    python bench/bench_inference.py single           # one sentence: run.predict vs model.predict
    python bench/bench_inference.py gates            # run.gates on a 100-token text
    python bench/bench_inference.py score            # 10,000 texts in one call
    python bench/bench_inference.py all --run runs/20261123-200650-demo-en   # or a run id
    python bench/bench_inference.py score --texts reviews.csv --text-col review
    python bench/bench_inference.py all --repeats 50

Benchmarks and targets (from the issue, for 2 CPU cores and a 128-unit model)
  single: one demo sentence through ``run.predict(text)`` (tokenizing included) against
      ``model.predict`` on the same right-padded ids, alternating the two call by call so drift in
      the machine's load hits both. Target: run.predict median <= 5 ms (model.predict costs ~50).
  gates: ``run.gates(text)`` on a text of 100 tokens (demo sentences joined; fewer when the run's
      max_len cuts it). Target: median <= 50 ms.
  score: 10,000 texts (demo sentences in the run's language, or the first 10,000 of ``--texts``).
      ``run.predict(texts)`` end to end (tokenizing, batches of similar length, forward passes)
      against one ``model.predict`` over the same texts already tokenized and padded to one array
      (right padding to the longest text, batch_size 256 as ours, verbose 0). Target: run.predict
      at least as fast. Shown beside it, to say where the time goes: tokenizing alone, our
      forward passes alone (``run.probabilities`` on the token ids), and the Keras side with its
      tokenizing and padding added. Both sides' probabilities are compared (max |diff|).

Measuring
  ``time.perf_counter`` around each call; warm-up calls first, not counted (tf.function tracing,
  Keras' predict function, NLTK's first use); then ``--repeats`` timed calls (default: 100 for
  single, 50 for gates, 3 for score). Median and 90th percentile are printed. The device, CPU
  cores and versions are printed first. On a shared, busy machine the figures are noisy; the
  ratios measured in one process are steadier than the absolute times.

Output: progress lines, a table (median, p90, target, PASS/FAIL), then one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: python bench/bench_inference.py
    sys.path.insert(0, str(ROOT))

from bench.bench_training import positive_int  # noqa: E402

EMBED_DIM = 128
UNITS = 128
TRAIN_ROWS = 4000
TRAIN_BATCH = 64
MAX_LEN = 200  # so the 100-token text of the gates benchmark is not cut
SEED = 0

SCORE_TEXTS = 10_000
GATE_TOKENS = 100
KERAS_BATCH = 256  # what Run.probabilities uses; model.predict gets the same
WARMUP = {"single": 10, "gates": 3, "score": 1}
REPEATS = {"single": 100, "gates": 50, "score": 3}
TARGET_SINGLE_MS = 5.0
TARGET_GATES_MS = 50.0


def say(message: str) -> None:
    print(message, flush=True)


# --- timing --------------------------------------------------------------------------------------


def stats(seconds: list[float], scale: float = 1000.0) -> dict:
    """Median and 90th percentile of ``seconds``, in ms (``scale`` 1000) or s (``scale`` 1)."""
    values = np.asarray(seconds) * scale
    return {"median": float(statistics.median(values)),
            "p90": float(np.percentile(values, 90)), "repeats": len(values)}


def timed(call: Callable[[], object], repeats: int, warmup: int) -> list[float]:
    for _ in range(warmup):
        call()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return times


def timed_pair(first: Callable[[], object], second: Callable[[], object], repeats: int,
               warmup: int) -> tuple[list[float], list[float]]:
    """Both calls ``repeats`` times, alternating which goes first."""
    for _ in range(warmup):
        first()
        second()
    times: tuple[list[float], list[float]] = ([], [])
    calls = (first, second)
    for repeat in range(repeats):
        for side in ((0, 1) if repeat % 2 == 0 else (1, 0)):
            start = time.perf_counter()
            calls[side]()
            times[side].append(time.perf_counter() - start)
    return times


# --- set-up --------------------------------------------------------------------------------------


def train_bench_run(folder: Path) -> Path:
    """The 128-unit LSTM the targets speak of, 1 epoch on the English demo data."""
    from lstm_core.config import DataConfig, ModelConfig, RunConfig, TextConfig, TrainConfig
    from lstm_core.data.demo import generate
    from lstm_core.training.train import create_run, train_run

    config = RunConfig(
        data=DataConfig(source="demo-en", split_seed=SEED),
        text=TextConfig(max_len=MAX_LEN),
        model=ModelConfig(embed_dim=EMBED_DIM, units=UNITS, layers=1, bidirectional=False,
                          pooling="last"),
        train=TrainConfig(epochs=1, batch_size=TRAIN_BATCH, early_stopping=0, seed=SEED),
    )
    run_dir = create_run(config, generate(TRAIN_ROWS, seed=SEED), run_dir=folder / "bench-run")
    start = time.perf_counter()
    status = train_run(run_dir)
    if status["status"] != "finished":
        raise RuntimeError(f"training the bench model ended {status['status']}: "
                           f"{status.get('message')}")
    say(f"trained the bench model in {time.perf_counter() - start:.1f} s (not counted): "
        f"{run_dir}")
    return run_dir


def demo_texts(run, count: int, seed: int) -> list[str]:
    from lstm_core.data.demo import generate

    lang = "zh" if run.config.data.source == "demo-zh" else "en"
    return generate(max(count, 2), lang=lang, seed=seed)["text"].tolist()[:count]


def file_texts(path: Path, column: str | None, count: int) -> list[str]:
    from lstm_core.commands.score import text_column
    from lstm_core.data.read import read_table

    frame = read_table(path)
    column = text_column(frame, column, path.name)
    return frame[column].head(count).fillna("").astype(str).tolist()


def long_text(run, tokens: int) -> str:
    """Demo sentences joined and cut to ``tokens`` tokens of the run's own tokenizer."""
    words: list[str] = []
    seed = 1
    while len(words) < tokens:
        for text in demo_texts(run, 20, seed):
            words += run.processor.tokenize(text)
        seed += 1
    return " ".join(words[:tokens])


# --- benchmarks ----------------------------------------------------------------------------------


def bench_single(run, args: argparse.Namespace) -> dict:
    """One sentence: run.predict against model.predict on the same padded ids."""
    from lstm_core.text.vocab import pad_batch

    text = demo_texts(run, 1, seed=7)[0]
    tokens, ids = run.encode(text)
    batch = pad_batch([ids])
    ours_probs = np.array(list(run.predict(text)[0].probabilities.values()))
    keras_probs = run.model.predict(batch, verbose=0)[0]
    ours, keras_ = timed_pair(lambda: run.predict(text),
                              lambda: run.model.predict(batch, verbose=0),
                              args.repeats or REPEATS["single"], WARMUP["single"])
    result = {"text": text, "tokens": len(tokens),
              "run_predict_ms": stats(ours), "model_predict_ms": stats(keras_),
              "max_abs_diff": float(np.abs(ours_probs - keras_probs).max())}
    result["ratio"] = result["model_predict_ms"]["median"] / result["run_predict_ms"]["median"]
    result["target_ms"] = TARGET_SINGLE_MS
    result["passed"] = result["run_predict_ms"]["median"] <= TARGET_SINGLE_MS
    return result


def bench_gates(run, args: argparse.Namespace) -> dict:
    """run.gates on a 100-token text."""
    text = long_text(run, GATE_TOKENS)
    traced = len(run.gates(text).tokens)
    times = timed(lambda: run.gates(text), args.repeats or REPEATS["gates"], WARMUP["gates"])
    return {"tokens": traced, "run_gates_ms": stats(times), "target_ms": TARGET_GATES_MS,
            "passed": statistics.median(times) * 1000 <= TARGET_GATES_MS}


def bench_score(run, args: argparse.Namespace) -> dict:
    """10,000 texts: run.predict(texts) against one model.predict over them padded."""
    from lstm_core.text.vocab import pad_batch

    if args.texts:
        texts = file_texts(args.texts, args.text_col, SCORE_TEXTS)
        source = str(args.texts)
    else:
        texts = demo_texts(run, SCORE_TEXTS, seed=1)
        source = "demo"
    repeats = args.repeats or REPEATS["score"]
    say(f"score: {len(texts):,} texts from {source}; {repeats} repeats of each side")
    warm = texts[:2 * KERAS_BATCH]

    def encode_all():
        return [run.encode(text)[1] for text in texts]

    encode_times = timed(encode_all, repeats, WARMUP["score"])
    ids = encode_all()
    batch = pad_batch(ids)
    run.predict(warm)
    run.model.predict(batch[:2 * KERAS_BATCH], batch_size=KERAS_BATCH, verbose=0)
    ours, keras_ = timed_pair(lambda: run.predict(texts),
                              lambda: run.model.predict(batch, batch_size=KERAS_BATCH, verbose=0),
                              repeats, warmup=0)
    forward = timed(lambda: run.probabilities(ids), repeats, warmup=0)
    ours_probs = run.probabilities(ids)
    keras_probs = run.model.predict(batch, batch_size=KERAS_BATCH, verbose=0)
    lengths = np.array([len(i) for i in ids])
    result = {
        "texts": len(texts), "source": source, "padded_to": int(batch.shape[1]),
        "median_tokens": float(np.median(lengths)),
        "run_predict_s": stats(ours, 1.0), "model_predict_s": stats(keras_, 1.0),
        "tokenize_s": stats(encode_times, 1.0), "run_forward_s": stats(forward, 1.0),
        "max_abs_diff": float(np.abs(ours_probs - keras_probs).max()),
    }
    median = {key: result[key]["median"] for key in ("run_predict_s", "model_predict_s",
                                                    "tokenize_s", "run_forward_s")}
    result["keras_with_tokenizing_s"] = median["model_predict_s"] + median["tokenize_s"]
    result["ratio"] = median["model_predict_s"] / median["run_predict_s"]
    result["ratio_like_for_like"] = result["keras_with_tokenizing_s"] / median["run_predict_s"]
    result["ratio_forward"] = median["model_predict_s"] / median["run_forward_s"]
    result["passed"] = median["run_predict_s"] <= median["model_predict_s"]
    return result


BENCHMARKS: dict[str, tuple[Callable[[object, argparse.Namespace], dict], str]] = {
    "single": (bench_single, "one sentence, run.predict vs model.predict (target <= 5 ms)"),
    "gates": (bench_gates, "run.gates on a 100-token text (target <= 50 ms)"),
    "score": (bench_score, "10,000 texts, run.predict vs one model.predict (target: as fast)"),
}


# --- report --------------------------------------------------------------------------------------


def _verdict(passed: bool) -> str:
    return "PASS" if passed else "FAIL"


HEADER = ("benchmark", "measure", "median", "p90", "target", "result")


def print_table(results: dict) -> None:
    rows = []  # (benchmark, measure, median, p90, target, verdict)

    def timing(name, measure, figures, unit, target="", verdict=""):
        rows.append((name, measure, f"{figures['median']:.2f} {unit}",
                     f"{figures['p90']:.2f} {unit}", target, verdict))

    if "single" in results:
        r = results["single"]
        timing("single", f"run.predict, 1 sentence ({r['tokens']} tokens)", r["run_predict_ms"],
               "ms", f"<= {r['target_ms']:g} ms", _verdict(r["passed"]))
        timing("single", "model.predict, same padded ids", r["model_predict_ms"], "ms")
        rows.append(("single", "model.predict / run.predict", f"{r['ratio']:.1f}x", "", "", ""))
    if "gates" in results:
        r = results["gates"]
        timing("gates", f"run.gates, {r['tokens']} tokens", r["run_gates_ms"], "ms",
               f"<= {r['target_ms']:g} ms", _verdict(r["passed"]))
    if "score" in results:
        r = results["score"]
        n = f"{r['texts']:,}"
        timing("score", f"run.predict, {n} texts (all in)", r["run_predict_s"], "s",
               "<= model.predict", _verdict(r["passed"]))
        timing("score", f"model.predict, padded to {r['padded_to']}", r["model_predict_s"], "s")
        rows.append(("score", "model.predict / run.predict", f"{r['ratio']:.2f}x", "", "", ""))
        timing("score", "  of which tokenizing (run.encode)", r["tokenize_s"], "s")
        timing("score", "  of which forward (run.probabilities)", r["run_forward_s"], "s")
        rows.append(("score", "model.predict / our forward", f"{r['ratio_forward']:.2f}x", "", "",
                     ""))
        rows.append(("score", "(tokenize + model.predict) / run.predict",
                     f"{r['ratio_like_for_like']:.2f}x", "", "", ""))
    widths = [max(len(str(row[i])) for row in [HEADER, *rows]) for i in range(len(HEADER))]
    for row in [HEADER, *rows]:
        say("  ".join(str(cell).ljust(width) if i < 2 else str(cell).rjust(width)
                      for i, (cell, width) in enumerate(zip(row, widths, strict=True))))


# --- main ----------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Inference speed of lstm_core's Run against Keras' model.predict.",
        epilog="; ".join(f"{name}: {help_}" for name, (_, help_) in BENCHMARKS.items()),
    )
    parser.add_argument("benchmark", choices=[*BENCHMARKS, "all"])
    parser.add_argument("--run", help="measure this run (directory or run id) instead of "
                                      "training a 128-unit LSTM first")
    parser.add_argument("--repeats", type=positive_int, default=None,
                        help="timed calls per side (default: 100 single, 50 gates, 3 score)")
    parser.add_argument("--texts", type=Path, help="score: the first 10,000 texts of this file "
                                                   "instead of demo sentences")
    parser.add_argument("--text-col", help="score: the column of --texts (default: guessed)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    names = list(BENCHMARKS) if args.benchmark == "all" else [args.benchmark]
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from bench.bench_training import environment
    from lstm_core.commands.predict import open_run
    from lstm_core.errors import StudioError

    env = environment()
    say(f"device: {env['device']} | {env['cpu']}, {env['cpu_cores_usable']} of "
        f"{env['cpu_cores']} cores usable | python {env['python']}, tensorflow "
        f"{env['tensorflow']}, keras {env['keras']}")
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="bench_inference-") as tmp:
        try:
            run = open_run(args.run or str(train_bench_run(Path(tmp))))
            model = run.config.model
            described = (f"{model.cell}, {model.layers} layer(s) of {model.units} units, embed "
                         f"{model.embed_dim}, {'bidirectional, ' if model.bidirectional else ''}"
                         f"{model.pooling} pooling, max_len {run.config.text.max_len}")
            say(f"model: {run.path.name}: {described}")
            for name in names:
                started = time.perf_counter()
                results[name] = BENCHMARKS[name][0](run, args)
                results[name]["bench_wall_s"] = time.perf_counter() - started
                say(f"{name}: done in {results[name]['bench_wall_s']:.1f} s")
        except StudioError as exc:  # a wrong --run or --texts: one line, as the CLI does
            print(f"error: {exc}", file=sys.stderr)
            return 2
    say("")
    print_table(results)
    say(json.dumps({"bench": "bench_inference", "environment": env, "model": described,
                    "run": args.run, "results": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
