"""The web app as a child process (``streamlit run app.py``): for the browser tests and the load
benchmark, which must talk to the real server, never to a stand-in.

Only a subprocess is started here; Streamlit is never imported, so ``lstm_core`` stays free of it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from lstm_core.jobs.process import DETACHED
from lstm_core.settings import RUNS

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT_S = 90.0


@dataclass(frozen=True)
class AppServer:
    """A running app: where to point a client, where its runs and its log are."""

    url: str
    runs: Path
    log: Path
    process: subprocess.Popen

    def log_tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:]

    def stop(self) -> None:
        """Terminate the server, then kill it if it lingers; its jobs are detached and live on."""
        for end in (self.process.terminate, self.process.kill):
            if self.process.poll() is not None:
                return
            try:
                end()
            except ProcessLookupError:
                return
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                continue


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.read().decode().strip() == "ok"
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def start_app_server(runs_dir: Path, log: Path, *, env: dict[str, str] | None = None,
                     timeout_s: float = START_TIMEOUT_S) -> AppServer:
    """Start the app on a free localhost port with its own runs directory; wait until healthy.

    Raises:
        RuntimeError: the server exited or was not healthy in time; the message ends with its log.
    """
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    environment = {**os.environ, **(env or {}), RUNS.name: str(runs_dir),
                   "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
               "--server.port", str(port), "--server.address", "127.0.0.1",
               "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
    with Path(log).open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=environment, stdin=subprocess.DEVNULL,
                                   stdout=out, stderr=subprocess.STDOUT, **DETACHED)
    server = AppServer(url=url, runs=Path(runs_dir), log=Path(log), process=process)
    deadline = time.monotonic() + timeout_s
    while not healthy(url):
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}:\n{server.log_tail()}")
        if time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(f"streamlit not healthy after {timeout_s:.0f} s:\n"
                               f"{server.log_tail()}")
        time.sleep(0.2)
    return server
