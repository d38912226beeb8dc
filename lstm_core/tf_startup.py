"""TensorFlow's start-up log, kept off the terminal so that only a program's own lines reach it.

While ``import tensorflow`` runs, its C++ libraries write to stderr before any of them reads
TF_CPP_MIN_LOG_LEVEL: absl's "All log messages before absl::InitializeLog() is called are
written to STDERR", then CUDA and CPU-feature notes, some of it twice. No variable stops those,
so the first import of TensorFlow in a process runs with file descriptor 2 pointed at a
temporary file, and TF_CPP_MIN_LOG_LEVEL quiets what comes after it (a failed cuInit on a
machine without a GPU, for one). An import that fails writes what was held back, so its reason
is not lost. A program that writes its own lines while another thread may be importing TensorFlow
writes them through ``stderr_copy``, which that holding back does not reach.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

LOG_LEVEL_ENV = "TF_CPP_MIN_LOG_LEVEL"
QUIET_LEVEL = "3"  # errors too: start-up reports a missing GPU driver as one


def silence_tensorflow_startup() -> None:
    """Keep TensorFlow's start-up log off stderr in this process, wherever it is first imported.

    Call it at a program's entry, before anything imports TensorFlow (or Keras, which imports
    it); once TensorFlow is loaded it does nothing. A TF_CPP_MIN_LOG_LEVEL already set is kept.
    """
    if "tensorflow" in sys.modules or any(isinstance(f, _QuietFinder) for f in sys.meta_path):
        return
    os.environ.setdefault(LOG_LEVEL_ENV, QUIET_LEVEL)
    sys.meta_path.insert(0, _QuietFinder())


class _QuietFinder(importlib.abc.MetaPathFinder):
    """Finds ``tensorflow`` where the path finder would, and has it loaded with stderr held back.

    It stays in ``sys.meta_path`` once used: removing it while another thread walks that list
    (the web server imports in several) could make that thread skip a finder.
    """

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "tensorflow" or fullname in sys.modules:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is not None and spec.loader is not None:
            spec.loader = _QuietLoader(spec.loader)
        return spec


class _QuietLoader(importlib.abc.Loader):
    """Runs the real loader with stderr held back; the module keeps the real loader."""

    def __init__(self, loader: importlib.abc.Loader) -> None:
        self.loader = loader

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module) -> None:
        module.__loader__ = module.__spec__.loader = self.loader
        with stderr_held_back():
            self.loader.exec_module(module)


@contextmanager
def stderr_held_back() -> Iterator[None]:
    """Send what is written to file descriptor 2 (by C++ as well) to a temporary file meanwhile.

    The held-back text is dropped, unless the body raises: then it is written out, since it
    likely says why. Other threads' stderr is held back too while this runs, unless they write
    through a ``stderr_copy`` opened before.
    """
    try:
        saved = os.dup(2)
    except OSError:  # no stderr at all (pythonw on Windows): nothing to keep off it
        yield
        return
    failed = True
    with tempfile.TemporaryFile() as held:
        _flush_stderr()
        os.dup2(held.fileno(), 2)
        try:
            yield
            failed = False
        finally:
            _flush_stderr()
            os.dup2(saved, 2)
            os.close(saved)
            if failed:
                held.seek(0)
                with open(2, "wb", closefd=False) as stderr:
                    shutil.copyfileobj(held, stderr)


@contextmanager
def stderr_copy() -> Iterator[TextIO]:
    """A text stream on a copy of stderr's file descriptor, for a program's own lines while
    another thread may import TensorFlow: the copy still goes where stderr went when it was
    opened, while ``stderr_held_back`` points descriptor 2 elsewhere.

    Open it before that import can begin. Where stderr is no file descriptor (a test's capture,
    pythonw) there is nothing to hold back, and ``sys.stderr`` itself is given.
    """
    try:
        copy = os.dup(sys.stderr.fileno())
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is both of the last
        copy = None
    if copy is None:
        yield sys.stderr
        return
    _flush_stderr()  # what is already written comes first
    with open(copy, "w", encoding=sys.stderr.encoding, errors=sys.stderr.errors,
              buffering=1) as stream:
        yield stream


def _flush_stderr() -> None:
    if sys.stderr is not None:
        sys.stderr.flush()
