"""A training run, from examples to a saved model: create_run() then train_run().

``create_run`` writes the run directory (config, examples with their split, status "queued");
``train_run`` is the job itself. It runs in its own process: the worker module for the app, the
CLI's own process for ``python -m lstm_core train``. Whatever happens, it ends by writing a final
status: finished, stopped, or failed with a message. The job's steps are in ``job.py``.

The app's pages import this module, so it never imports TensorFlow; ``train_run`` does.
"""

from __future__ import annotations

import contextlib
import os
import socket
import traceback
from collections.abc import Callable
from pathlib import Path

from lstm_core.config import RunConfig
from lstm_core.errors import StudioError
from lstm_core.fileio import atomic_write_bytes, read_json
from lstm_core.model.device import device_kind, hide_gpus_if_cpu
from lstm_core.store import runs
from lstm_core.store.queue import WAITING_MESSAGE, job_slot
from lstm_core.training.create import create_run
from lstm_core.training.resume import reopen_run, resume_point
from lstm_core.training.split import split_examples

__all__ = ["create_run", "reopen_run", "request_stop", "resume_point", "split_examples",
           "train_run"]

Progress = Callable[[str], None]


def request_stop(run_dir: Path) -> None:
    """Ask a queued or running job to stop; it does so after its current batch."""
    atomic_write_bytes(Path(run_dir) / runs.STOP_FILE, b"stop requested\n")


def train_run(run_dir: Path, progress: Progress | None = None, *, executor: str = "local",
              node: str | None = None, use_slots: bool = True) -> dict:
    """Wait for a free slot, train the run in ``run_dir`` in this process, return its final status.

    Never leaves the run queued or running: a user mistake ends it "failed" with the message (and
    the StudioError is raised again for the caller), a bug ends it "failed" with the error named
    and is raised again, Ctrl+C ends it "stopped".

    Args:
        executor, node: where it trains ("local" on this host, or "ray" on a cluster's node).
        use_slots: False where a scheduler outside this machine's queue (Ray's) has already given
            the job its CPUs or GPU; the job then starts at once unless a stop was asked for.
    """
    run_dir = Path(run_dir)
    say = progress or (lambda message: None)
    pid = os.getpid()
    host = socket.gethostname()
    runs.write_status(run_dir, pid=pid, pid_created=runs.process_started(pid), host=host,
                      executor=executor, node=node or host, message="")
    try:
        config = RunConfig.from_dict(read_json(run_dir / runs.CONFIG_FILE))
        slot = (job_slot(run_dir, device_kind(config.train.device),
                         on_wait=lambda place: _report_queue(run_dir, place, say))
                if use_slots else contextlib.nullcontext(not runs.stop_requested(run_dir)))
        with slot as turn:
            if not turn:
                return _finish(run_dir, "stopped", WAITING_MESSAGE)
            runs.write_status(run_dir, status="running", started=runs.now_iso(), message="",
                              queue_position=0)
            outcome = _train(run_dir, config, say)
    except StudioError as exc:
        _finish(run_dir, "failed", str(exc))
        raise
    except KeyboardInterrupt:
        return _finish(run_dir, "stopped", "Stopped by Ctrl+C; the best model so far is kept.")
    except MemoryError:
        return _finish(run_dir, "failed", "Out of memory: lower batch_size, max_len or units.")
    except OSError as exc:  # a full disk, a read-only or vanished run directory
        _log_traceback(run_dir)
        return _finish(run_dir, "failed", (
            f"Could not read or write the run's files ({exc.strerror or exc}). Free disk space "
            "or fix the folder's permissions, then resume the run or train it again."))
    except Exception as exc:
        _log_traceback(run_dir)
        _finish(run_dir, "failed", f"Internal error ({type(exc).__name__}: {exc}); see worker.log.")
        raise
    return _finish(run_dir, *outcome)


def _train(run_dir: Path, config: RunConfig, say: Progress) -> tuple[str, str]:
    """The training itself; returns (final state, message)."""
    hide_gpus_if_cpu(config.train.device)
    from lstm_core.training.job import train_and_test  # imports TensorFlow: after the line above

    return train_and_test(run_dir, config, say)


def _log_traceback(run_dir: Path) -> None:
    with contextlib.suppress(OSError), (run_dir / runs.LOG_FILE).open("a") as log:
        log.write(traceback.format_exc())


def _report_queue(run_dir: Path, place: int, say: Progress) -> None:
    message = f"Waiting for a free training slot: number {place} in the queue."
    runs.write_status(run_dir, queue_position=place, message=message)
    say(message)


def _finish(run_dir: Path, state: str, message: str) -> dict:
    return runs.write_status(run_dir, status=state, message=message, ended=runs.now_iso())
