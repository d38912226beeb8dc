"""What the snapshots of training cost: the same run trained with and without them.

Both sides train the same run (same data, settings and seed) in one process; each repeat is a
pair, and the pairs alternate which side goes first, so drift in load hits both. The side
without snapshots switches them off with ``lstm_core.training.job.KEEP_SNAPSHOTS``. Run from the
repository root:

    python bench/bench_snapshots.py demo           # 4,000 demo reviews, suggested settings
    python bench/bench_snapshots.py imdb           # IMDB 25k, suggested settings; ~10 min
    python bench/bench_snapshots.py demo --repeats 5 --epochs 4

demo: the Train page's demo data (``demo.generate``, 4,000 English reviews) with the settings
its data check suggests; 3 pairs, 3 epochs unless told. imdb: the official 25k training reviews
(../shared/datasets, as bench_training.py reads them) with the suggested settings and epochs; 1
pair unless told.

Measuring: ``time.perf_counter`` around ``train_run`` ("job": tokenizing, fitting, testing) and
the fit alone (the ``elapsed`` of the last epoch in events.jsonl). Besides the paired ratio, the
time spent writing snapshots on the training thread is clocked directly (the callback's writes,
wrapped): the paired difference of two runs of a few seconds is mostly noise, the direct clock
is not. Before timing, one tiny untimed run pays TensorFlow's first-call costs.

Output: one line per run, the medians, then one JSON line with every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.bench_training import (  # noqa: E402
    EXIT_NO_DATA,
    IMDB_TRAIN,
    MissingData,
    environment,
    load_examples,
    require,
    say,
)

DEMO_ROWS = 4000
DEMO_EPOCHS = 3
DEMO_REPEATS = 3
IMDB_REPEATS = 1
SEED = 42


def settings_for(examples, epochs: int | None, source: str):
    """The RunConfig the app suggests for ``examples``, with ``epochs`` if given."""
    from lstm_core.config import RunConfig, TextConfig
    from lstm_core.data.check import check_examples, suggest_settings

    suggested = suggest_settings(check_examples(examples, TextConfig()))
    settings = RunConfig().to_dict()
    for section, values in suggested.items():
        settings[section].update(values)
    settings["data"].update(source=source, split_seed=SEED)
    settings["train"].update(seed=SEED, early_stopping=0)  # both sides train every epoch
    if epochs:
        settings["train"]["epochs"] = epochs
    return RunConfig.from_dict(settings)


class WriteClock:
    """Wraps ``Snapshots._write`` to add up the time it holds the training thread."""

    def __init__(self) -> None:
        from lstm_core.training import callbacks

        self.spent = 0.0
        self.count = 0
        original = callbacks.Snapshots._write

        def timed(callback, step: int) -> None:
            start = time.perf_counter()
            original(callback, step)
            self.spent += time.perf_counter() - start
            self.count += 1

        callbacks.Snapshots._write = timed


def train_once(config, examples, run_dir: Path, *, snapshots: bool, clock: WriteClock) -> dict:
    """create_run + train_run with snapshots on or off; the job's and the fit's seconds."""
    import keras

    from lstm_core.store import runs
    from lstm_core.store.events import read_events
    from lstm_core.training import job
    from lstm_core.training.train import create_run, train_run

    keras.backend.clear_session(free_memory=True)
    create_run(config, examples, run_dir=run_dir)
    job.KEEP_SNAPSHOTS = snapshots
    spent_before, count_before = clock.spent, clock.count
    start = time.perf_counter()
    try:
        status = train_run(run_dir)
    finally:
        job.KEEP_SNAPSHOTS = True
    job_s = time.perf_counter() - start
    if status.get("status") != "finished":
        raise RuntimeError(f"the run ended {status.get('status')}: {status.get('message')}")
    kept = sorted((run_dir / runs.SNAPSHOT_DIR).glob("step-*.npz"))
    if bool(kept) != snapshots:
        raise RuntimeError(f"snapshots {'on' if snapshots else 'off'} but {len(kept)} written")
    epochs = [e for e in read_events(run_dir) if e.get("event") == "epoch"]
    return {"job_s": job_s, "fit_s": epochs[-1]["elapsed"], "epochs": len(epochs),
            "snapshots": len(kept), "snapshot_bytes": sum(p.stat().st_size for p in kept),
            "model_bytes": (run_dir / runs.MODEL_FILE).stat().st_size,
            "write_s": clock.spent - spent_before, "writes": clock.count - count_before}


def warm_up(examples, tmp: Path, clock: WriteClock) -> None:
    """One tiny untimed run: TensorFlow's first-call costs paid before the clock starts."""
    tiny = examples.groupby("label").head(64).reset_index(drop=True)
    train_once(settings_for(tiny, 1, "warm-up"), tiny, tmp / "warm-up", snapshots=True,
               clock=clock)


def bench(examples, config, repeats: int, tmp: Path, clock: WriteClock) -> dict:
    pairs = []
    for repeat in range(repeats):
        order = (True, False) if repeat % 2 == 0 else (False, True)
        pair = {}
        for snapshots in order:
            side = "with" if snapshots else "without"
            pair[side] = train_once(config, examples, tmp / f"{side}-{repeat}",
                                    snapshots=snapshots, clock=clock)
            run = pair[side]
            say(f"  pair {repeat + 1} {side:>7} snapshots: job {run['job_s']:.2f} s, fit "
                f"{run['fit_s']:.2f} s, {run['snapshots']} snapshots written in "
                f"{run['write_s'] * 1000:.0f} ms")
        pair["job_ratio"] = pair["with"]["job_s"] / pair["without"]["job_s"]
        pair["fit_ratio"] = pair["with"]["fit_s"] / pair["without"]["fit_s"]
        pair["write_share"] = pair["with"]["write_s"] / pair["with"]["fit_s"]
        pairs.append(pair)
    median = {key: statistics.median(p[key] for p in pairs)
              for key in ("job_ratio", "fit_ratio", "write_share")}
    first = pairs[0]["with"]
    median["snapshot_to_model_size"] = first["snapshot_bytes"] / first["model_bytes"]
    say(f"\nmedian of {repeats} pair(s): with / without snapshots, job {median['job_ratio']:.3f}x,"
        f" fit {median['fit_ratio']:.3f}x; writing them took {median['write_share']:.2%} of the "
        f"fit; {first['snapshots']} snapshots = {median['snapshot_to_model_size']:.1f}x the "
        "model file")
    return {"examples": len(examples), "config": config.to_dict(), "pairs": pairs,
            "median": median}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Training with and without snapshots.")
    parser.add_argument("data", choices=["demo", "imdb"])
    parser.add_argument("--repeats", type=int, default=None,
                        help=f"pairs (default: {DEMO_REPEATS} for demo, {IMDB_REPEATS} for imdb)")
    parser.add_argument("--epochs", type=int, default=None,
                        help=f"epochs (default: {DEMO_EPOCHS} for demo, the suggested for imdb)")
    args = parser.parse_args(argv)
    if args.data == "imdb":
        try:
            require(IMDB_TRAIN)
        except MissingData as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_NO_DATA
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env = environment()
    say(f"device: {env['device']} | {env['cpu']}, {env['cpu_cores_usable']} of "
        f"{env['cpu_cores']} cores usable | tensorflow {env['tensorflow']}")
    from lstm_core.data.demo import generate

    clock = WriteClock()
    with tempfile.TemporaryDirectory(prefix="bench-snapshots-") as folder:
        tmp = Path(folder)
        if args.data == "demo":
            examples = generate(DEMO_ROWS, lang="en", seed=0)
            config = settings_for(examples, args.epochs or DEMO_EPOCHS, "demo-en")
            repeats = args.repeats or DEMO_REPEATS
        else:
            examples = load_examples(IMDB_TRAIN, None)
            config = settings_for(examples, args.epochs, str(IMDB_TRAIN))
            repeats = args.repeats or IMDB_REPEATS
        say(f"{args.data}: {len(examples)} texts, {config.train.epochs} epochs, "
            f"{repeats} pair(s)")
        warm_up(examples, tmp, clock)
        result = bench(examples, config, repeats, tmp, clock)
    print(json.dumps({"benchmark": f"snapshots-{args.data}", "environment": env, **result}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
