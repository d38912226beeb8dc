"""Deployment settings: each environment variable read in lstm_core/settings.py and nowhere else."""

import ast
import re
from pathlib import Path

import pytest

from lstm_core import settings
from lstm_core.errors import StudioError
from lstm_core.settings import (
    CPU_REPLICAS,
    ENV_SETTINGS,
    JOB_THREADS,
    MAX_JOBS,
    MAX_UPLOAD_MB,
    RAY_ADDRESS,
    RAY_CPUS,
    RUNS,
    TF_CONFIG,
    WARM_WORKERS,
)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _unset(monkeypatch):
    for item in ENV_SETTINGS:
        monkeypatch.delenv(item.name, raising=False)


def test_defaults_when_unset_or_blank(monkeypatch):
    cores = settings.cpu_cores()
    expected = (Path("runs"), 200 * 1024 * 1024, cores, 1, 1, 1, None, None, None, 1)
    accessors = (settings.runs_dir, settings.max_upload_bytes, settings.max_jobs,
                 settings.job_threads, settings.warm_workers, settings.cpu_replicas,
                 settings.tf_config, settings.teacher_key, settings.ray_address,
                 settings.ray_cpus)
    assert tuple(read() for read in accessors) == expected
    for item in ENV_SETTINGS:
        monkeypatch.setenv(item.name, "  ")
    assert tuple(read() for read in accessors) == expected


def test_values_are_parsed(monkeypatch):
    monkeypatch.setenv(RUNS.name, "~/studio-runs")
    monkeypatch.setenv(MAX_UPLOAD_MB.name, "0.001")
    monkeypatch.setenv(MAX_JOBS.name, "3")
    monkeypatch.setenv(CPU_REPLICAS.name, " 2 ")
    monkeypatch.setenv(TF_CONFIG.name, '{"cluster": {}}')
    monkeypatch.setenv(RAY_ADDRESS.name, " ray://head:10001 ")
    monkeypatch.setenv(RAY_CPUS.name, "4")
    assert settings.runs_dir() == Path.home() / "studio-runs"
    assert settings.max_upload_bytes() == 1048
    assert (settings.max_jobs(), settings.cpu_replicas()) == (3, 2)
    assert settings.max_jobs("gpu") == 3
    assert settings.tf_config() == '{"cluster": {}}'
    assert (settings.ray_address(), settings.ray_cpus()) == ("ray://head:10001", 4)


def test_jobs_at_once_and_threads_share_out_the_cores(monkeypatch):
    cores = settings.cpu_cores()
    assert (settings.max_jobs("cpu"), settings.job_threads(), settings.max_jobs("gpu")) == (
        cores, 1, 1)
    monkeypatch.setenv(MAX_JOBS.name, "1")  # one job at a time gets every core
    assert settings.job_threads() == cores
    monkeypatch.delenv(MAX_JOBS.name)
    monkeypatch.setenv(JOB_THREADS.name, str(cores))  # jobs of all the cores: one at a time
    assert settings.max_jobs("cpu") == 1
    monkeypatch.setenv(WARM_WORKERS.name, "0")
    assert settings.warm_workers() == 0


@pytest.mark.parametrize(
    ("item", "value", "pattern"),
    [
        (MAX_JOBS, "zero", r"MAX_JOBS must be a whole number of at least 1; got 'zero'"),
        (MAX_JOBS, "0", r"LSTM_STUDIO_MAX_JOBS must be a whole number"),
        (CPU_REPLICAS, "two", r"LSTM_STUDIO_CPU_REPLICAS must be a whole number"),
        (WARM_WORKERS, "-1", r"LSTM_STUDIO_WARM_WORKERS must be a whole number \(0 or more\)"),
        (JOB_THREADS, "0", r"LSTM_STUDIO_JOB_THREADS must be a whole number of at least 1"),
        (CPU_REPLICAS, "1.5", r"LSTM_STUDIO_CPU_REPLICAS must be a whole number"),
        (RAY_CPUS, "0", r"LSTM_STUDIO_RAY_CPUS must be a whole number of at least 1; got '0'"),
        *((MAX_UPLOAD_MB, value, r"LSTM_STUDIO_MAX_UPLOAD_MB must be a positive number of "
           r"megabytes such as 500; got '.*'\. Fix or unset") for value in ("lots", "0", "-5",
                                                                          "nan", "inf")),
    ],
)
def test_a_bad_value_names_the_variable(monkeypatch, item, value, pattern):
    monkeypatch.setenv(item.name, value)
    with pytest.raises(StudioError, match=pattern):
        item.read()


def test_every_variable_is_documented_in_the_architecture_notes():
    notes = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    for item in ENV_SETTINGS:
        assert f"| `{item.name}` |" in notes, item.name
        assert item.meaning


def _sources():
    for path in [ROOT / "app.py", *(ROOT / "lstm_core").rglob("*.py"),
                 *(ROOT / "pages").rglob("*.py")]:
        if path != ROOT / "lstm_core" / "settings.py":
            yield path, ast.parse(path.read_text(encoding="utf-8"))


def _is_environ(node) -> bool:
    return ast.unparse(node) in ("os.environ", "environ")


def test_no_other_module_reads_a_declared_variable():
    declared = {item.name for item in ENV_SETTINGS}
    found = []
    for path, tree in _sources():
        for node in ast.walk(tree):
            key = None
            if isinstance(node, ast.Call) and node.args and (
                    ast.unparse(node.func) in ("os.getenv", "getenv") or (
                    isinstance(node.func, ast.Attribute) and node.func.attr == "get"
                    and _is_environ(node.func.value))):
                key = node.args[0]
            elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) and \
                    _is_environ(node.value):
                key = node.slice
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and \
                    re.fullmatch(r"LSTM_STUDIO_[A-Z_]+", node.value):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} names {node.value}")
            if key is not None and not (isinstance(key, ast.Constant)
                                        and key.value not in declared):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} reads "
                             f"{ast.unparse(key)}")
    assert found == []
