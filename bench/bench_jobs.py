"""How fast a class's jobs start and finish on one server: warm workers, jobs at once, memory.

Every job here is the Home page's one-click demo run (English demo data, suggested settings),
started as the app starts it (``jobs.launch``), in a runs directory of its own. Run from the
repository root:

    python bench/bench_jobs.py first-point   # click to first live point, warm vs cold worker
    python bench/bench_jobs.py threads       # 2 jobs: 1 thread each at once vs 2 threads in turn
    python bench/bench_jobs.py eight         # 8 jobs started at once vs 8 in the foreground in turn
    python bench/bench_jobs.py memory        # what 30 waiting jobs hold

first-point: the app is already serving (``scheduler.keep_warm`` as app.py calls it, and the
bench waits until its worker is ready; ``launch.prepare_demo`` as the Home page calls it). The
clock runs from the call the demo button makes (``launch``: run written, job queued) to the
first batch event in events.jsonl, the first point of the live curves. Cold: the same with no
worker kept ready (``LSTM_STUDIO_WARM_WORKERS=0``), as every job started before warm workers.
Pairs alternate.

threads: two demo jobs through the scheduler, once with ``LSTM_STUDIO_MAX_JOBS=2
LSTM_STUDIO_JOB_THREADS=1`` (both at once) and once with ``MAX_JOBS=1 JOB_THREADS=2`` (one after
the other), two workers warm on both sides so that neither loads TensorFlow on the clock; the
clock stops when both have finished. Pairs alternate.

eight: 8 demo jobs started at once with the defaults (warm worker, default jobs at once and
threads), against the same 8 run one after another in the foreground
(``python -m lstm_core train demo-en``, each a fresh process on every core), as a person would
without the app's queue. Clock: first start to last end.

memory: 30 demo jobs queued behind a job in training; the resident memory of every process of
the studio (scheduler, workers, jobs) is summed. Beside it, a few demo jobs waiting the old way,
as processes (``python -m lstm_core train`` behind a job in training): their size each.

Output: one line per measurement, then one JSON line with every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.bench_training import environment, say  # noqa: E402
from lstm_core.tf_startup import silence_tensorflow_startup  # noqa: E402

WAIT_S = 600.0


def _env(**values: str | int | None) -> None:
    """Set (or, for None, unset) the studio's environment variables for what starts next."""
    for name, value in values.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = str(value)


def _wait(predicate: Callable[[], object], what: str, timeout_s: float = WAIT_S) -> object:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise SystemExit(f"bench: {what} did not happen within {timeout_s:.0f} s")


def _first_batch(run_dir: Path) -> bool:
    from lstm_core.store.events import read_events

    return any(event.get("event") == "batch" for event in read_events(run_dir))


def _settled(run_dirs: list[Path]) -> bool:
    from lstm_core.store import runs

    states = [runs.read_status(run_dir)["status"] for run_dir in run_dirs]
    if any(state in ("failed", "interrupted") for state in states):
        raise SystemExit(f"bench: a job ended {states}; see its worker.log")
    return all(state == "finished" for state in states)


def _fresh_root(tmp: Path, name: str, **env: str | int | None) -> Path:
    root = tmp / f"{name}-{time.time_ns()}"
    root.mkdir()
    _env(LSTM_STUDIO_RUNS=str(root), **env)
    return root


def _serving(root: Path, warm: int) -> None:
    """As app.py does on its first page: a scheduler (with a worker kept ready when ``warm``)."""
    from lstm_core.jobs.launch import prepare_demo
    from lstm_core.jobs.scheduler import keep_warm, workers_ready

    prepare_demo()  # as the Home page does when it shows the demo button
    if warm:
        keep_warm(root, os.getpid())
        _wait(lambda: len(workers_ready(root)) >= warm, "a warm worker")


def _launch_demo(student: int = 0) -> Path:
    """The Home page's demo click; each student's own run (two clicks by one person within a
    few seconds would get the same run)."""
    from lstm_core.data.datasets import save_builtin
    from lstm_core.jobs.launch import launch, suggested_config

    dataset_id = save_builtin("demo-en")
    config, _ = suggested_config(dataset_id)
    return launch(dataset_id, config, author=f"student {student}")


def first_point(args: argparse.Namespace, tmp: Path) -> dict:
    """Seconds from the Train click to the first live point, warm against cold, in pairs."""
    figures: dict[str, list[float]] = {"warm": [], "cold": []}
    for repeat in range(args.repeats):
        sides = ("warm", "cold") if repeat % 2 == 0 else ("cold", "warm")
        for side in sides:
            warm = 1 if side == "warm" else 0
            root = _fresh_root(tmp, side, LSTM_STUDIO_WARM_WORKERS=warm)
            _serving(root, warm)
            time.sleep(1.0)  # the worker's last start-up work done
            started = time.perf_counter()
            run_dir = _launch_demo()
            _wait(lambda run_dir=run_dir: _first_batch(run_dir), "the first live point")
            seconds = time.perf_counter() - started
            figures[side].append(seconds)
            say(f"{side}: first live point {seconds:.2f} s after the click")
            _done_with(root)
    warm, cold = (statistics.median(figures[side]) for side in ("warm", "cold"))
    say(f"median: warm {warm:.2f} s, cold {cold:.2f} s; cold / warm {cold / warm:.2f}x")
    return {"runs": figures, "warm_median_s": warm, "cold_median_s": cold,
            "cold_over_warm": cold / warm}


def _done_with(root: Path) -> None:
    """Stop its jobs and remove it: its scheduler sees that and exits with its warm workers."""
    from lstm_core.jobs.process import stop_all

    stop_all(root, grace_s=60)
    shutil.rmtree(root, ignore_errors=True)


def _jobs_through_scheduler(tmp: Path, name: str, count: int, **env: str | int | None) -> float:
    """Seconds from ``count`` clicks (all at once) to the last job finished."""
    root = _fresh_root(tmp, name, **env)
    _serving(root, int(os.environ.get("LSTM_STUDIO_WARM_WORKERS", "1")))
    started = time.perf_counter()
    run_dirs = [_launch_demo(student) for student in range(count)]
    _wait(lambda: _settled(run_dirs), f"{count} jobs finishing")
    seconds = time.perf_counter() - started
    _done_with(root)
    return seconds


def _pairs(args: argparse.Namespace, sides: dict[str, Callable[[], float]],
           what: str) -> dict[str, list[float]]:
    """Each side timed ``args.repeats`` times, the pairs alternating which goes first."""
    figures: dict[str, list[float]] = {side: [] for side in sides}
    for repeat in range(args.repeats):
        for side in list(sides) if repeat % 2 == 0 else list(reversed(sides)):
            figures[side].append(sides[side]())
            say(f"{side}: {what} in {figures[side][-1]:.1f} s")
    return figures


def threads(args: argparse.Namespace, tmp: Path) -> dict:
    """Two jobs at once on one thread each against one at a time on two threads."""
    def two_jobs(**env: int) -> Callable[[], float]:
        return lambda: _jobs_through_scheduler(tmp, "threads", 2, LSTM_STUDIO_WARM_WORKERS=2,
                                               **env)

    figures = _pairs(args, {
        "2 jobs x 1 thread": two_jobs(LSTM_STUDIO_MAX_JOBS=2, LSTM_STUDIO_JOB_THREADS=1),
        "1 job x 2 threads": two_jobs(LSTM_STUDIO_MAX_JOBS=1, LSTM_STUDIO_JOB_THREADS=2),
    }, "both finished")
    together, in_turn = (statistics.median(times) for times in figures.values())
    say(f"median: at once {together:.1f} s, in turn {in_turn:.1f} s; "
        f"in turn / at once {in_turn / together:.2f}x")
    return {"runs": figures, "at_once_median_s": together, "in_turn_median_s": in_turn,
            "in_turn_over_at_once": in_turn / together}


def _foreground(tmp: Path, count: int) -> float:
    """``count`` demo jobs, one after another, each ``python -m lstm_core train demo-en``."""
    from lstm_core.settings import cpu_cores

    root = _fresh_root(tmp, "foreground")
    # Each job alone on the machine gets every core, as TensorFlow gives a process by default.
    env = {**os.environ, "LSTM_STUDIO_RUNS": str(root), "LSTM_STUDIO_JOB_THREADS": str(cpu_cores())}
    started = time.perf_counter()
    for _ in range(count):
        subprocess.run([sys.executable, "-m", "lstm_core", "train", "demo-en"], cwd=ROOT,
                       env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def eight(args: argparse.Namespace, tmp: Path) -> dict:
    """8 jobs started at once through the scheduler against the same 8 in the foreground."""
    figures = _pairs(args, {
        "at once": lambda: _jobs_through_scheduler(
            tmp, "eight", args.jobs, LSTM_STUDIO_WARM_WORKERS=None, LSTM_STUDIO_MAX_JOBS=None,
            LSTM_STUDIO_JOB_THREADS=None),
        "one after another": lambda: _foreground(tmp, args.jobs),
    }, f"{args.jobs} jobs all finished")
    together, in_turn = (statistics.median(times) for times in figures.values())
    say(f"median: at once {together:.1f} s, one after another {in_turn:.1f} s; "
        f"{in_turn / together:.2f}x sooner")
    return {"runs": figures, "at_once_median_s": together, "foreground_median_s": in_turn,
            "sooner": in_turn / together}


def _studio_processes(root: Path) -> list:
    """This machine's processes working for ``root``: its scheduler and the workers it started
    (a worker's command line names its ready file, in ``root``)."""
    import psutil

    found = []
    for process in psutil.process_iter(["cmdline"]):
        cmdline = " ".join(process.info["cmdline"] or [])
        if "lstm_core.jobs." in cmdline and str(root) in cmdline:
            found.append(process)
    return found


def memory(args: argparse.Namespace, tmp: Path) -> dict:
    """Resident memory of the studio's processes with one job training and 30 waiting."""
    import psutil

    root = _fresh_root(tmp, "memory", LSTM_STUDIO_MAX_JOBS=1, LSTM_STUDIO_WARM_WORKERS=1)
    _serving(root, 1)
    training = _launch_demo()  # the one slot's job; the others wait behind it
    for student in range(1, args.waiting + 1):
        _launch_demo(student)
    _wait(lambda: _first_batch(training), "the training job's first point")
    time.sleep(3.0)
    rss = {}
    for process in _studio_processes(root):
        try:
            rss[process.pid] = process.memory_info().rss / 2**20
        except psutil.NoSuchProcess:
            continue
    total = sum(rss.values())
    say(f"{args.waiting} jobs waiting, 1 training: {len(rss)} processes, {total:.0f} MB "
        f"resident in all ({', '.join(f'{mb:.0f}' for mb in sorted(rss.values()))} MB)")
    _done_with(root)
    per_cli = _waiting_as_processes(tmp, args.processes)
    say(f"the same wait as processes (python -m lstm_core train, waiting for its slot): "
        f"{statistics.median(per_cli):.0f} MB each ({args.processes} measured); "
        f"{args.waiting} would hold {args.waiting * statistics.median(per_cli):.0f} MB")
    return {"waiting": args.waiting, "processes": len(rss), "total_mb": total,
            "per_process_mb": sorted(rss.values()), "waiting_process_mb": per_cli}


def _waiting_as_processes(tmp: Path, count: int) -> list[float]:
    """Resident memory of ``count`` foreground training processes waiting behind a job in
    training: the way every job waited before the line held files."""
    import psutil

    from lstm_core.store import runs

    root = _fresh_root(tmp, "processes", LSTM_STUDIO_MAX_JOBS=1, LSTM_STUDIO_WARM_WORKERS=0)
    env = {**os.environ}
    first = subprocess.Popen([sys.executable, "-m", "lstm_core", "train", "demo-en",
                              "--author", "first"], cwd=ROOT, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait(lambda: any(runs.read_status(d)["status"] == "running"
                      for d in root.iterdir() if (d / runs.STATUS_FILE).exists()),
          "the first job training")
    waiting = [subprocess.Popen([sys.executable, "-m", "lstm_core", "train", "demo-en",
                                 "--author", f"student {i}"], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
               for i in range(count)]
    _wait(lambda: sum(1 for d in root.iterdir() if (d / runs.STATUS_FILE).exists()
                      and runs.read_status(d).get("queue_position")) >= count,
          "the jobs waiting in line")
    time.sleep(2.0)
    sizes = [psutil.Process(process.pid).memory_info().rss / 2**20 for process in waiting]
    for process in [first, *waiting]:
        process.kill()
        process.wait()
    shutil.rmtree(root, ignore_errors=True)
    return sizes


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=("first-point", "threads", "eight", "memory"))
    parser.add_argument("--repeats", type=int, default=3, help="pairs (default 3)")
    parser.add_argument("--jobs", type=int, default=8, help="eight: how many jobs (default 8)")
    parser.add_argument("--waiting", type=int, default=30,
                        help="memory: how many jobs wait (default 30)")
    parser.add_argument("--processes", type=int, default=4,
                        help="memory: waiting processes measured for comparison (default 4)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    silence_tensorflow_startup()
    say(json.dumps(environment()))
    bench = {"first-point": first_point, "threads": threads, "eight": eight,
             "memory": memory}[args.what]
    with tempfile.TemporaryDirectory(prefix="bench-jobs-") as tmp:
        result = bench(args, Path(tmp))
    say(json.dumps({"bench": args.what, **result}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
