"""Entry point of a training process: ``python -m lstm_core.jobs.worker RUN_DIR | --warm READY``.

Started by the scheduler (``jobs.scheduler``). With ``--warm`` it loads TensorFlow and the
training code first, writes its pid into the file READY, then waits for one run directory on stdin: the
job's first live point then waits only for its own data and model. Everything it has to say goes into the run directory (its
output into worker.log, without TensorFlow's start-up log).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from lstm_core.errors import StudioError
from lstm_core.tf_startup import silence_tensorflow_startup


def main(argv: list[str]) -> int:
    if not (len(argv) == 1 or len(argv) == 2 and argv[0] == "--warm"):
        print("usage: python -m lstm_core.jobs.worker RUN_DIR | --warm READY_FILE",
              file=sys.stderr)
        return 2
    silence_tensorflow_startup()
    if argv[0] == "--warm":
        import lstm_core.training.job  # noqa: F401  (TensorFlow, Keras, the model code)

        ready = Path(argv[1])
        ready.write_text(f"{os.getpid()}\n")
        line = sys.stdin.readline().strip()
        ready.unlink(missing_ok=True)
        if not line:
            return 0  # dismissed: no job came
        run_dir = Path(line)
        _output_into(run_dir)
    else:
        run_dir = Path(argv[0])
    from lstm_core.training.train import train_run

    try:
        status = train_run(run_dir, progress=lambda line: print(line, flush=True))
    except StudioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0 if status["status"] in ("finished", "stopped") else 1


def _output_into(run_dir: Path) -> None:
    """From now on this process writes into the run's worker.log, as a job started for it does."""
    from lstm_core.store.runs import LOG_FILE

    sys.stdout.flush()
    sys.stderr.flush()
    fd = os.open(run_dir / LOG_FILE, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
