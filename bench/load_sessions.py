"""A class at once: concurrent sessions against a real ``streamlit run app.py``, while jobs train.

Each session speaks Streamlit's own websocket protocol, as the browser does: it connects to
``/_stcore/stream``, asks for a page (a ``rerun_script`` BackMsg with the page and its query
parameters) and reads ForwardMsgs until ``script_finished``. The server does all its real work:
the page script runs, the run's model predicts, the gates are computed and the figures built;
only the browser's drawing is left out. Run from the repository root:

    python bench/load_sessions.py                       # 30 sessions x 3 rounds, 3 jobs queued
    python bench/load_sessions.py --think 10            # students pause ~10 s between clicks
    python bench/load_sessions.py --sessions 5 --rounds 1 --jobs 0     # a quick check

What happens
  1. A model for Predict and Gates is trained on the demo data with the settings the app picks
     for it (2 epochs), in a temporary runs directory; not timed.
  2. The app starts on a free port with that runs directory and LSTM_STUDIO_MAX_JOBS=1.
  3. ``--jobs`` small training jobs are started one after another: the first trains, the others
     queue. One session then opens Predict and Gates once, which loads TensorFlow and the model
     in the server (the first-visit cost, printed apart).
  4. ``--sessions`` sessions start together; each opens Home, Predict (its own sentence), Gates
     (its own sentence) and Runs, ``--rounds`` times, on one connection, as a student would,
     pausing a random 0.5x-1.5x ``--think`` seconds after each page (0: never, a stress test).
  5. The queued jobs are awaited: each must finish, and they must have started in the order they
     were queued.

Printed: the number of requests and errors (a failed connection, no answer within
``--timeout``, an exception or an error message on the page), response-time percentiles per
page, the server's memory after the first visit and after all sessions (models are shared,
so it must not grow with the number of users), and the job order. Targets for 2 CPU cores: no
errors; p95 under 2 s for Predict and Gates while a job trains; jobs start in order, none lost.
The last line is the same as JSON.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PAGES = ("home", "predict", "gates", "runs")
SENTENCES = [
    "the food was not good", "never boring, the acting was superb",
    "the plot was dull, but the acting was superb", "i expected to love it and i did not",
    "not bad at all", "the service was slow and the room was dirty",
]


@dataclass
class Tally:
    """Response times per page and the errors seen, shared by the session threads."""

    times: dict[str, list[float]] = field(default_factory=lambda: {p: [] for p in PAGES})
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, page: str, seconds: float, error: str | None) -> None:
        with self.lock:
            self.times[page].append(seconds)
            if error:
                self.errors.append(f"{page}: {error}")


class Session:
    """One browser tab's conversation with the server, without the browser."""

    def __init__(self, socket, timeout: float) -> None:
        self.socket = socket
        self.timeout = timeout

    def open(self, page: str, **query: str) -> str | None:
        """Run ``page`` with ``query`` and wait for it to finish; returns an error or None."""
        from streamlit.proto.Alert_pb2 import Alert
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        request = BackMsg()
        request.rerun_script.query_string = urllib.parse.urlencode(query)
        request.rerun_script.page_name = "" if page == "home" else page
        self.socket.send(request.SerializeToString())
        error = None
        deadline = time.monotonic() + self.timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return f"no answer within {self.timeout:.0f} s"
            try:
                data = self.socket.recv(timeout=left)
            except TimeoutError:
                return f"no answer within {self.timeout:.0f} s"
            message = ForwardMsg.FromString(data)
            kind = message.WhichOneof("type")
            if kind == "delta" and message.delta.WhichOneof("type") == "new_element":
                element = message.delta.new_element
                if element.WhichOneof("type") == "exception":
                    error = error or f"exception: {element.exception.message[:200]}"
                elif (element.WhichOneof("type") == "alert"
                      and element.alert.format == Alert.ERROR):
                    error = error or f"error shown: {element.alert.body[:200]}"
            elif kind == "page_not_found":
                return f"page {page!r} not found"
            elif kind == "script_finished":
                if message.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY:
                    return error
                if message.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    return f"script finished with status {message.script_finished}"
                # st.rerun(): the page runs again; wait for that run to finish too



def student(url: str, index: int, rounds: int, run_id: str, timeout: float, tally: Tally,
            start: threading.Barrier, think: float = 0.0) -> None:
    from websockets.sync.client import connect

    start.wait()
    address = url.replace("http://", "ws://") + "/_stcore/stream"
    try:
        socket = connect(address, subprotocols=["streamlit"], origin=url, max_size=None,
                         open_timeout=timeout)
    except Exception as exc:  # a refused or timed-out connection is what we count
        for page in PAGES:
            tally.add(page, timeout, f"could not connect: {exc}")
        return
    pauses = random.Random(index)
    with socket:
        session = Session(socket, timeout)
        for round_ in range(rounds):
            sentence = f"{SENTENCES[(index + round_) % len(SENTENCES)]} {index}"
            for page, query in (("home", {}), ("predict", {"run": run_id, "text": sentence}),
                                ("gates", {"run": run_id, "sentence": sentence}),
                                ("runs", {})):
                began = time.perf_counter()
                try:
                    error = session.open(page, **query)
                except Exception as exc:  # the connection dropped mid-page
                    error = f"{type(exc).__name__}: {exc}"
                tally.add(page, time.perf_counter() - began, error)
                time.sleep(think * pauses.uniform(0.5, 1.5))


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    return {"n": len(ordered), "p50": at(0.5), "p95": at(0.95), "max": ordered[-1],
            "mean": statistics.fmean(ordered)}


def rss_mb(pid: int) -> float:
    """Resident memory of the server process (jobs run in processes of their own)."""
    return psutil.Process(pid).memory_info().rss / 2**20


def prepare_model(runs_dir: Path) -> str:
    from lstm_core.config import RunConfig
    from lstm_core.data.check import check_examples, suggest_settings
    from lstm_core.data.demo import generate
    from lstm_core.training.train import create_run, train_run

    examples = generate()
    sections = suggest_settings(check_examples(examples, RunConfig().text))
    sections.setdefault("train", {})["epochs"] = 2
    run_dir = create_run(RunConfig.from_dict(sections), examples, run_dir=runs_dir / "model")
    train_run(run_dir)
    return run_dir.name


def queue_jobs(runs_dir: Path, count: int, epochs: int) -> list[Path]:
    from lstm_core.config import ModelConfig, RunConfig, TrainConfig
    from lstm_core.data.demo import generate
    from lstm_core.jobs.process import start_job
    from lstm_core.store.runs import read_status
    from lstm_core.training.train import create_run

    config = RunConfig(model=ModelConfig(embed_dim=32, units=32),
                       train=TrainConfig(epochs=epochs, early_stopping=0))
    jobs = []
    for number in range(count):
        run_dir = create_run(config, generate(1500, seed=number),
                             run_dir=runs_dir / f"job-{number}")
        start_job(run_dir)
        jobs.append(run_dir)
        # Each holds its place (the first training, the others in line) before the next starts.
        wait_until(lambda d=run_dir: read_status(d)["status"] != "queued"
                   or read_status(d).get("queue_position"))
    return jobs


def wait_until(condition, timeout: float = 300.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("a training job did not start or queue in time")
        time.sleep(0.1)


def training_now(jobs: list[Path]) -> bool:
    from lstm_core.store.runs import read_status

    return any(read_status(j)["status"] == "running" for j in jobs)


def await_jobs(jobs: list[Path], timeout: float) -> dict:
    from lstm_core.store.runs import ACTIVE_STATES, read_status

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(
            read_status(j)["status"] in ACTIVE_STATES for j in jobs):
        time.sleep(1)
    statuses = [read_status(j) for j in jobs]
    started = [s.get("started") or "" for s in statuses]
    return {
        "jobs": len(jobs),
        "finished": sum(s["status"] == "finished" for s in statuses),
        "states": [s["status"] for s in statuses],
        "started_in_order": started == sorted(started) and all(started),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=3, help="training jobs queued meanwhile")
    parser.add_argument("--job-epochs", type=int, default=10,
                        help="epochs of each job (enough to train while the sessions run)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per page")
    parser.add_argument("--think", type=float, default=0.0,
                        help="mean pause after each page, in seconds (0: none, a stress test)")
    args = parser.parse_args(argv)

    from tests.app_server import start_app_server

    with tempfile.TemporaryDirectory(prefix="studio-load-") as tmp:
        runs_dir = Path(tmp) / "runs"
        runs_dir.mkdir()
        print("training the model the sessions use (not timed)...", file=sys.stderr)
        run_id = prepare_model(runs_dir)
        server = start_app_server(runs_dir, Path(tmp) / "streamlit.log",
                                  env={"LSTM_STUDIO_MAX_JOBS": "1"})
        try:
            jobs = queue_jobs(runs_dir, args.jobs, args.job_epochs)
            first = Tally()
            student(server.url, 0, 1, run_id, 180.0, first, threading.Barrier(1))
            memory_before = rss_mb(server.process.pid)  # TensorFlow and the model loaded
            tally = Tally()
            barrier = threading.Barrier(args.sessions)
            threads = [threading.Thread(target=student, args=(server.url, i, args.rounds, run_id,
                                                               args.timeout, tally, barrier,
                                                               args.think))
                       for i in range(args.sessions)]
            training = [training_now(jobs)]
            began = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            wall = time.perf_counter() - began
            training.append(training_now(jobs))
            memory_after = rss_mb(server.process.pid)
            job_report = await_jobs(jobs, timeout=600)
        finally:
            server.stop()
            from lstm_core.jobs.process import stop_all

            stop_all(runs_dir, grace_s=10)

    result = {
        "sessions": args.sessions, "rounds": args.rounds, "think_s": args.think, "wall_s": wall,
        "requests": sum(len(v) for v in tally.times.values()), "errors": len(tally.errors),
        "error_examples": tally.errors[:5],
        "first_visit_s": {page: first.times[page][0] for page in PAGES},
        "pages": {page: percentiles(values) for page, values in tally.times.items()},
        "server_rss_mb": {"before": memory_before, "after": memory_after},
        "job_training_at_start_and_end": training, **job_report,
    }
    print(f"{args.sessions} sessions x {args.rounds} rounds x {len(PAGES)} pages, pausing "
          f"~{args.think:g} s after each: "
          f"{result['requests']} requests in {wall:.1f} s, {result['errors']} errors")
    for example in result["error_examples"]:
        print(f"  error: {example}")
    print("first visit (TensorFlow and the model load): " + ", ".join(
        f"{p} {s:.2f} s" for p, s in result["first_visit_s"].items()))
    print(f"{'page':<8} {'n':>5} {'p50 s':>7} {'p95 s':>7} {'max s':>7}")
    for page, figures in result["pages"].items():
        print(f"{page:<8} {figures['n']:>5} {figures['p50']:>7.2f} {figures['p95']:>7.2f} "
              f"{figures['max']:>7.2f}")
    print(f"server memory: {memory_before:.0f} MB after one visit, {memory_after:.0f} MB after "
          f"all sessions; a job "
          f"was training at the start: {training[0]}, at the end: {training[1]}")
    print(f"jobs: {job_report['finished']}/{job_report['jobs']} finished, started in queue "
          f"order: {job_report['started_in_order']} ({', '.join(job_report['states'])})")
    print(json.dumps(result))
    ok = not tally.errors and job_report["finished"] == job_report["jobs"] and job_report[
        "started_in_order"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
