"""Deployment settings: every environment variable the studio reads, declared once as data.

Each ``EnvSetting`` names its variable, its default, what it means and how its text is parsed;
one accessor per setting reads it at each call, so a deployment (or a test) can change a value
without a restart. No other module reads ``os.environ`` for these names. Unset or blank means
the default.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lstm_core.errors import StudioError


def parse_whole_number(name: str, raw: str) -> int:
    """A whole number of at least 1, such as a count of jobs or devices."""
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise StudioError(f"{name} must be a whole number of at least 1; got {raw!r}.")
    return value


def parse_count(name: str, raw: str) -> int:
    """A whole number of at least 0, such as a number of processes kept ready."""
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if value < 0:
        raise StudioError(f"{name} must be a whole number (0 or more); got {raw!r}.")
    return value


def parse_megabytes(name: str, raw: str) -> int:
    """A positive number of megabytes (fractions allowed), returned in bytes."""
    try:
        megabytes = float(raw)
    except ValueError:
        megabytes = math.nan
    if not (math.isfinite(megabytes) and megabytes > 0):
        raise StudioError(
            f"{name} must be a positive number of megabytes such as 500; got {raw.strip()!r}. "
            "Fix or unset that environment variable."
        )
    return int(megabytes * 1024 * 1024)


def parse_path(name: str, raw: str) -> Path:
    """A directory; ``~`` is expanded."""
    return Path(raw).expanduser()


def parse_text(name: str, raw: str) -> str:
    """Text kept as it is, for a reader further on (TF_CONFIG's JSON, which TensorFlow reads)."""
    return raw


@dataclass(frozen=True)
class EnvSetting:
    """One environment variable: its name, default (as text), meaning and parser."""

    name: str
    default: str | None  # None: unset means "not given", and the accessor returns None
    meaning: str
    parse: Callable[[str, str], Any]  # (name, text) -> value; a bad text raises StudioError

    def read(self) -> Any:
        """The current value: the variable parsed, or the default when unset or blank."""
        raw = os.environ.get(self.name, "")
        if not raw.strip():
            if self.default is None:
                return None
            raw = self.default
        return self.parse(self.name, raw)


RUNS = EnvSetting("LSTM_STUDIO_RUNS", "runs",
                  "where runs (and the app's chosen data sets) live", parse_path)
MAX_UPLOAD_MB = EnvSetting("LSTM_STUDIO_MAX_UPLOAD_MB", "200",
                           "larger files are refused before parsing (Streamlit's own default "
                           "upload limit is 200 MB)", parse_megabytes)
MAX_JOBS = EnvSetting("LSTM_STUDIO_MAX_JOBS", None,
                      "training jobs at once per device; the others wait in line as files. "
                      "Unset: one per CPU core (each job on JOB_THREADS threads), one per GPU",
                      parse_whole_number)
JOB_THREADS = EnvSetting("LSTM_STUDIO_JOB_THREADS", None,
                         "CPU threads each training job's TensorFlow uses. Unset: the cores "
                         "shared out among the jobs that may run at once", parse_whole_number)
WARM_WORKERS = EnvSetting("LSTM_STUDIO_WARM_WORKERS", "1",
                          "training processes kept ready (TensorFlow imported) while the app "
                          "serves or jobs wait; 0 starts a fresh process for each job",
                          parse_count)
CPU_REPLICAS = EnvSetting("LSTM_STUDIO_CPU_REPLICAS", "1",
                          "split the CPU into N logical devices and train with MirroredStrategy "
                          "(the multi-device path without GPUs)", parse_whole_number)
TF_CONFIG = EnvSetting("TF_CONFIG", None,
                       "a cluster description for MultiWorkerMirroredStrategy (read by "
                       "TensorFlow too); more than one machine is refused", parse_text)

TEACHER_KEY = EnvSetting("LSTM_STUDIO_TEACHER_KEY", None,
                         "the teacher's key: deleting or stopping another person's run, presets, "
                         "hiding runs from the Class page and clearing the queue need it; unset, "
                         "everyone may do everything", parse_text)

RAY_ADDRESS = EnvSetting("LSTM_STUDIO_RAY_ADDRESS", None,
                         "a Ray cluster (host:port or ray://host:10001): jobs run as Ray tasks "
                         "on it instead of local processes; the runs directory must be on "
                         "storage every node sees", parse_text)
RAY_CPUS = EnvSetting("LSTM_STUDIO_RAY_CPUS", "1",
                      "CPUs a job that trains on the CPU asks of the Ray cluster",
                      parse_whole_number)

ENV_SETTINGS = (RUNS, MAX_UPLOAD_MB, MAX_JOBS, JOB_THREADS, WARM_WORKERS, CPU_REPLICAS, TF_CONFIG,
                TEACHER_KEY, RAY_ADDRESS, RAY_CPUS)


def runs_dir() -> Path:
    """``$LSTM_STUDIO_RUNS``, else ``./runs`` (not created here: ``store.runs.runs_root`` does)."""
    return RUNS.read()


def max_upload_bytes() -> int:
    """The largest file accepted, in bytes: ``$LSTM_STUDIO_MAX_UPLOAD_MB``, default 200 MB.

    Raises:
        StudioError: the variable is not a positive number.
    """
    return MAX_UPLOAD_MB.read()


def cpu_cores() -> int:
    """The CPU cores this process may use (its affinity where the system has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def max_jobs(device: str = "cpu") -> int:
    """Jobs that may train at once on ``device`` ("cpu" or "gpu"): ``$LSTM_STUDIO_MAX_JOBS``.

    Unset: one per core on the CPU (small recurrent models use a second thread poorly, so two
    one-thread jobs finish more work than one two-thread job: docs/benchmarks.md), one on a GPU.
    """
    given = MAX_JOBS.read()
    if given is not None:
        return given
    return max(1, cpu_cores() // (JOB_THREADS.read() or 1)) if device == "cpu" else 1


def job_threads() -> int:
    """TensorFlow's CPU threads per job: ``$LSTM_STUDIO_JOB_THREADS``, else the cores shared
    out among the CPU jobs that may run at once."""
    given = JOB_THREADS.read()
    return given if given is not None else max(1, cpu_cores() // max_jobs("cpu"))


def warm_workers() -> int:
    """Training processes kept ready: ``$LSTM_STUDIO_WARM_WORKERS``, default 1."""
    return WARM_WORKERS.read()


def cpu_replicas() -> int:
    """Logical CPUs to mirror over: ``$LSTM_STUDIO_CPU_REPLICAS``, default 1 (no split)."""
    return CPU_REPLICAS.read()


def tf_config() -> str | None:
    """``$TF_CONFIG`` as written, or None when unset or blank."""
    return TF_CONFIG.read()


def teacher_key() -> str | None:
    """``$LSTM_STUDIO_TEACHER_KEY``, or None when unset or blank (then nothing is guarded)."""
    return TEACHER_KEY.read()


def ray_address() -> str | None:
    """``$LSTM_STUDIO_RAY_ADDRESS`` without surrounding spaces, or None when unset or blank."""
    address = RAY_ADDRESS.read()
    return None if address is None else address.strip()


def ray_cpus() -> int:
    """CPUs a CPU job asks of the Ray cluster: ``$LSTM_STUDIO_RAY_CPUS``, default 1."""
    return RAY_CPUS.read()
