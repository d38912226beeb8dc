"""Which pruner a settings search uses: real learning curves, replayed under each pruner.

Run from the repository root:

    python bench/search_pruners.py                  # 12 settings x 6 epochs; ~3 min on 2 cores
    python bench/search_pruners.py --configs 20 --epochs 8 --rows 3000
    python bench/search_pruners.py --curves out.json   # replay the curves an earlier run printed

Step 1 trains ``--configs`` settings drawn at random from the search's space
(``lstm_core.search.space.SearchSpace``, the data check's suggestion at its centre), each for
``--epochs`` epochs with early stopping off, on ``--rows`` of the 3,000 UCI sentences
(../shared/datasets; the English demo data without them), 20% of them validating. Each epoch's
validation accuracy and loss are kept.

Step 2 replays those curves. For each pruner and each epoch budget (4 and 10 full trials' worth),
``--searches`` seeded searches draw trials from the curves (with replacement) until the budget is
spent. Each epoch's validation accuracy goes to a study with that pruner; a trial stops when it is
pruned, or when the budget runs out (the epochs it ran count, as the search counts them). A
search picks the trial that was not pruned with the best validation accuracy at its best epoch
(the lowest validation loss so far, the epoch a run keeps).

Printed per pruner and budget: the mean full-length validation accuracy of the pick (what those
settings reach when trained every epoch: what pruning can lose) with its standard error over the
searches, the mean number of trials a search ran (what pruning gains), and how often the best
settings were pruned when drawn.
Replaying measured curves makes every pruner see the same trials, so the comparison costs one
set of training runs; the curves are real, the clock is counted in epochs.

Output: progress lines, a table, then one JSON line.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
import optuna

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lstm_core.config import TextConfig  # noqa: E402
from lstm_core.data.check import check_examples, suggest_settings  # noqa: E402
from lstm_core.data.demo import generate  # noqa: E402
from lstm_core.data.sources import load_source  # noqa: E402
from lstm_core.search.space import SearchSpace, apply_params  # noqa: E402
from lstm_core.store.events import read_events  # noqa: E402

UCI_CSV = ROOT.parent / "shared" / "datasets" / "uci_sentiment_sentences" / \
    "uci_sentiment_sentences.csv"
BUDGETS = (4, 10)  # full-length trials' worth of epochs
WARMUP = 2  # the median pruner judges a trial from its second epoch on


def pruners(epochs: int) -> dict:
    median = optuna.pruners.MedianPruner
    return {
        "none": lambda: optuna.pruners.NopPruner(),
        "median, after 1 trial": lambda: median(n_startup_trials=1,
                                                n_warmup_steps=WARMUP),
        "median, after 2 trials": lambda: median(n_startup_trials=2,
                                                 n_warmup_steps=WARMUP),
        "median, after 5 (Optuna's default)": lambda: median(n_warmup_steps=WARMUP),
        "successive halving": lambda: optuna.pruners.SuccessiveHalvingPruner(
            min_resource=1, reduction_factor=3),
        "hyperband": lambda: optuna.pruners.HyperbandPruner(
            min_resource=1, max_resource=epochs, reduction_factor=3),
    }


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def examples(rows: int):
    if UCI_CSV.exists():
        frame = load_source(str(UCI_CSV)).frame
        say(f"data: {UCI_CSV.name}")
    else:
        frame = generate(rows, seed=0)
        say("data: the English demo data (../shared/datasets is absent)")
    return frame.sample(n=min(rows, len(frame)), random_state=0).reset_index(drop=True)


def curves(frame, configs: int, epochs: int, runs_dir: Path) -> list[dict]:
    """Train ``configs`` random settings; each one's per-epoch validation accuracy and loss."""
    from dataclasses import replace

    from lstm_core.config import RunConfig
    from lstm_core.training.train import create_run, train_run

    report = check_examples(frame, TextConfig())
    base = RunConfig.from_dict(suggest_settings(report))
    base = replace(base, data=replace(base.data, val_split=0.2, test_split=0.0),
                   train=replace(base.train, epochs=epochs, early_stopping=0))
    space = SearchSpace.around(base)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    found = []
    for index in range(configs):
        params = space.sample(study.ask())
        params["epochs"] = epochs
        run_dir = create_run(apply_params(base, params), frame, run_dir=runs_dir / f"c{index}")
        train_run(run_dir)
        rows = [e for e in read_events(run_dir) if e.get("event") == "epoch"]
        found.append({"params": params, "val_accuracy": [e["val_accuracy"] for e in rows],
                      "val_loss": [e["val_loss"] for e in rows]})
        say(f"settings {index}: {params} -> val {max(found[-1]['val_accuracy']):.3f} best")
    return found


def kept_accuracy(curve: dict, epochs_run: int) -> float:
    """The validation accuracy of the epoch a run keeps: the lowest validation loss so far."""
    losses = curve["val_loss"][:epochs_run]
    return curve["val_accuracy"][int(np.argmin(losses))]


def replay(curve_set: list[dict], make_pruner, budget: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    study = optuna.create_study(direction="maximize", pruner=make_pruner(),
                                sampler=optuna.samplers.RandomSampler(seed=seed))
    best_index = max(range(len(curve_set)), key=lambda i: kept_accuracy(curve_set[i], 10**6))
    spent, picks, best_pruned, best_drawn = 0, [], 0, 0
    epochs = len(curve_set[0]["val_accuracy"])
    while spent < budget:
        index = int(rng.integers(len(curve_set)))
        curve, trial = curve_set[index], study.ask()
        pruned, run = False, 0
        for epoch in range(1, epochs + 1):
            if spent >= budget:
                break
            spent, run = spent + 1, epoch
            trial.report(curve["val_accuracy"][epoch - 1], epoch)
            if epoch < epochs and trial.should_prune():
                pruned = True
                break
        best_drawn += index == best_index
        best_pruned += pruned and index == best_index
        if pruned:
            study.tell(trial, state=optuna.trial.TrialState.PRUNED)
        else:
            study.tell(trial, kept_accuracy(curve, run))
            picks.append((kept_accuracy(curve, run), index))
    pick = max(picks)[1] if picks else None
    return {"quality": kept_accuracy(curve_set[pick], epochs) if pick is not None else 0.0,
            "trials": len(study.trials), "best_pruned": best_pruned, "best_drawn": best_drawn}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", type=int, default=12)
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--rows", type=int, default=1500)
    parser.add_argument("--searches", type=int, default=200)
    parser.add_argument("--curves", type=Path, help="the JSON line of an earlier run: replay "
                        "its curves instead of training")
    args = parser.parse_args(argv)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    if args.curves:
        earlier = json.loads(args.curves.read_text().strip().splitlines()[-1])
        curve_set = earlier["curves"]
        args.configs, args.epochs, args.rows = earlier["configs"], earlier["epochs"], \
            earlier["rows"]
    else:
        with tempfile.TemporaryDirectory() as tmp:
            curve_set = curves(examples(args.rows), args.configs, args.epochs, Path(tmp))
    results = {}
    say("")
    say(f"{'pruner':<36} {'budget':>7} {'pick (full length)':>24} {'trials':>7} "
        f"{'best pruned':>12}")
    for name, make in pruners(args.epochs).items():
        for budget in BUDGETS:
            found = [replay(curve_set, make, budget * args.epochs, seed)
                     for seed in range(args.searches)]
            drawn = sum(f["best_drawn"] for f in found)
            qualities = [f["quality"] for f in found]
            row = {
                "quality": statistics.fmean(qualities),
                "quality_se": statistics.stdev(qualities) / len(qualities) ** 0.5,
                "trials": statistics.fmean(f["trials"] for f in found),
                "best_pruned_share": sum(f["best_pruned"] for f in found) / max(drawn, 1),
            }
            results[f"{name} / {budget}"] = row
            say(f"{name:<36} {budget:>5}x {row['quality']:>15.4f} +- {row['quality_se']:.4f} "
                f"{row['trials']:>7.1f} "
                f"{row['best_pruned_share']:>11.0%}")
    print(json.dumps({"configs": args.configs, "epochs": args.epochs, "rows": args.rows,
                      "best_full_length": max(kept_accuracy(c, 10**6) for c in curve_set),
                      "curves": curve_set, "results": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
