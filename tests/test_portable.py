"""The app runs on Linux, macOS and Windows: no code of it uses what only some of them have."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted([ROOT / "app.py", *(ROOT / "lstm_core").rglob("*.py"),
                  *(ROOT / "pages").rglob("*.py")])
POSIX_ONLY_MODULES = {"fcntl", "termios", "pwd", "grp", "resource"}
POSIX_ONLY_CALLS = {"killpg", "setsid", "setpgrp", "getpgid", "fork", "SIGKILL"}


def posix_only_uses(tree: ast.AST) -> list[str]:
    """Imports of POSIX-only modules, /proc paths and POSIX-only os/signal names in ``tree``."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            names = []
        found += [f"import {name}" for name in names if name.split(".")[0] in POSIX_ONLY_MODULES]
        if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                and (node.value == "/proc" or node.value.startswith("/proc/"))):
            found.append(f"path {node.value!r}")
        if (isinstance(node, ast.Attribute) and node.attr in POSIX_ONLY_CALLS
                and isinstance(node.value, ast.Name) and node.value.id in ("os", "signal")):
            found.append(f"{node.value.id}.{node.attr}")
    return found


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_uses_what_only_posix_has(source):
    assert posix_only_uses(ast.parse(source.read_text(encoding="utf-8"))) == []


def test_the_check_finds_each_kind_of_posix_only_use():
    code = """
import fcntl
from fcntl import flock
import os, signal
ticks = Path(f"/proc/{pid}/stat").read_text()
alive = Path("/proc").is_dir()
os.killpg(pid, signal.SIGKILL)
"""
    assert sorted(posix_only_uses(ast.parse(code))) == [
        "import fcntl", "import fcntl", "os.killpg", "path '/proc'", "path '/proc/'",
        "signal.SIGKILL",
    ]
