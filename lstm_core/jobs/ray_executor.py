"""Training jobs as Ray tasks on a cluster, for ``LSTM_STUDIO_RAY_ADDRESS``.

Each job is one Ray task in a worker process of its own (``max_calls=1``: TensorFlow's state and
GPU memory die with the job, as with a local job process). Ray's scheduler takes the place of the
local queue: a GPU job asks for one GPU, any other for ``LSTM_STUDIO_RAY_CPUS`` CPUs. The task
talks to the app only through the run directory, which every node must see at the same path. The
studio's code travels with the job (Ray's ``py_modules``), so nodes need only its requirements.

The only module that imports ray, and only inside its functions: with no address set, nothing
loads it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import lstm_core
from lstm_core import settings
from lstm_core.errors import StudioError
from lstm_core.fileio import read_json
from lstm_core.store import runs
from lstm_core.training.train import request_stop

QUEUED_MESSAGE = "Queued on the cluster."
CANCELLED_MESSAGE = "Stopped while queued on the cluster."
CLUSTER_GONE_MESSAGE = ("Training stopped because the app lost the Ray cluster. The best model "
                        "saved so far is kept; resume the run once the cluster is back.")
DEFAULT_RAY_PORT = 6379
DEFAULT_CLIENT_PORT = 10001
# Ray's own setting: how long a driver waits for a lost cluster before ending its process.
GCS_WAIT_VARIABLE = "RAY_gcs_rpc_server_reconnect_timeout_s"
GCS_WAIT_S = 10 * 365 * 24 * 3600
# The package's folder, uploaded to the cluster for the jobs; a folder rather than the module
# object, which Ray Client (ray://) cannot pickle.
STUDIO_CODE = str(Path(lstm_core.__file__).resolve().parent)


def _host_port(address: str) -> tuple[str, int]:
    """``host:port`` or ``ray://host:port`` as (host, port); Ray's own default port when absent.

    Raises:
        StudioError: the address has no host, or a port that is not a number.
    """
    text = address.strip()
    client = text.startswith("ray://")
    try:
        parts = urlsplit(text if client else f"//{text}")
        host, port = parts.hostname, parts.port
    except ValueError:
        host, port = None, None
    if not host:
        raise StudioError(
            f"{settings.RAY_ADDRESS.name} must be host:port or ray://host:10001; got "
            f"{address!r}. Fix or unset that environment variable.")
    return host, port or (DEFAULT_CLIENT_PORT if client else DEFAULT_RAY_PORT)


def check_reachable(address: str, timeout_s: float = 3.0) -> None:
    """Fail fast, without importing ray, when nothing answers at the cluster's address.

    Raises:
        StudioError: naming the address and what to do about it.
    """
    host, port = _host_port(address)
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
    raise StudioError(
        f"The Ray cluster at {address} cannot be reached ({reason}). Start the cluster "
        f"(ray start --head) or fix {settings.RAY_ADDRESS.name}; unset it to train on this "
        "machine.")


def node_name() -> str:
    """The Ray node this code runs on, as status.json's ``node``: its IP and short id."""
    import ray

    node_id = ray.get_runtime_context().get_node_id()
    return f"{ray.util.get_node_ip_address()} ({node_id[:12]})"


def visibility_problem(run_dir: Path, node: str) -> str | None:
    """Why ``node`` cannot use the run directory (missing, unreadable, read-only); None if it can.

    A probe file is written and removed: a share mounted read-only looks fine until the first
    epoch's model is saved, which is too late to say so clearly.
    """
    run_dir = Path(run_dir)
    try:
        read_json(run_dir / runs.STATUS_FILE)
        probe = run_dir / f".probe-{uuid.uuid4().hex}"
        probe.write_bytes(b"")
        probe.unlink()
        return None
    except (StudioError, OSError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return (f"The Ray node {node} cannot see the run directory {run_dir} ({reason}). On a "
            "cluster the runs directory must be on storage every node sees (NFS, a cloud file "
            f"share), mounted at the same path, with {settings.RUNS.name} pointing to it.")


class Heartbeat:
    """Stamps status.json every ``runs.HEARTBEAT_S`` while the job's process lives."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._beat, name="heartbeat", daemon=True)

    def _beat(self) -> None:
        while not self.done.wait(runs.HEARTBEAT_S):
            with contextlib.suppress(OSError, StudioError, ValueError):
                runs.write_status(self.run_dir, heartbeat=time.time())

    def __enter__(self) -> Heartbeat:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.done.set()
        self.thread.join()


def jobs_at_once(address: str) -> int:
    """How many CPU jobs the cluster trains at once: its CPUs over ``LSTM_STUDIO_RAY_CPUS``
    (at least 1), asked through a short connection of this process's own."""
    check_reachable(address)
    import ray

    joined = not ray.is_initialized()
    if joined:
        _join(address)
    try:
        return max(1, int(ray.cluster_resources().get("CPU", 0) // settings.ray_cpus()))
    finally:
        if joined:
            ray.shutdown()


def _join(address: str, **options: Any) -> None:
    """Connect this process to the cluster as a driver.

    Raises:
        StudioError: Ray refused, with what to check.
    """
    import ray

    try:
        ray.init(address=address, logging_level=logging.WARNING, log_to_driver=False,
                 configure_logging=False, **options)
    except (ConnectionError, RuntimeError, TimeoutError) as exc:
        raise StudioError(
            f"Could not join the Ray cluster at {address}: {exc}. Check that the "
            "cluster runs the same Ray and Python versions as this machine "
            f"(requirements-cluster.txt), or unset {settings.RAY_ADDRESS.name}."
        ) from exc


def task_resources(device: str, cluster_gpus: float) -> dict:
    """What a job asks of Ray: one GPU (and a CPU to feed it), or ``LSTM_STUDIO_RAY_CPUS`` CPUs.

    Args:
        device: the run's ``train.device``: "gpu", "cpu" or "auto" (a GPU if the cluster has
            any; the app server's own GPUs do not count).
        cluster_gpus: GPUs the cluster has in all.
    """
    if device == "gpu" or (device == "auto" and cluster_gpus > 0):
        return {"num_gpus": 1, "num_cpus": 1}
    return {"num_cpus": settings.ray_cpus(), "num_gpus": 0}


def train_on_node(run_dir: str) -> dict:
    """The Ray task: check the run directory, then train it here; returns its final state.

    Returns:
        ``{"status": ..., "message": ...}``; "failed" with the reason when this node cannot see
        the run directory (the driver writes that status, as this node cannot).
    """
    path = Path(run_dir)
    node = node_name()
    problem = visibility_problem(path, node)
    if problem:
        return {"status": "failed", "message": problem, "visible": False}
    runs.write_status(path, executor="ray", node=node, heartbeat=time.time())
    import ray

    from lstm_core.model.device import hide_gpus_if_cpu
    from lstm_core.tf_startup import silence_tensorflow_startup

    if not ray.get_gpu_ids():
        hide_gpus_if_cpu("cpu")  # a GPU of this node that Ray did not give this job is another's

    silence_tensorflow_startup()
    from lstm_core.training.train import train_run

    with Heartbeat(path):
        try:
            status = train_run(path, progress=lambda line: print(line, flush=True),
                               executor="ray", node=node, use_slots=False)
        except StudioError:
            status = runs.read_status(path)  # train_run wrote "failed" with the message
    return {"status": status["status"], "message": status.get("message", ""), "visible": True}


def _lost_message(exc: BaseException) -> str:
    """What a task's Ray error means for the run, for its status message."""
    import ray.exceptions as errors

    if isinstance(exc, errors.WorkerCrashedError | errors.NodeDiedError
                  | errors.OwnerDiedError | errors.LocalRayletDiedError):
        cause = "its Ray worker or node went away"
    elif isinstance(exc, errors.TaskCancelledError):
        cause = "its Ray task was cancelled"
    else:
        cause = f"the Ray cluster failed it ({type(exc).__name__})"
    return (f"Training stopped because {cause}. The best model saved so far is kept; resume "
            "the run to go on from its last whole epoch.")


class RayExecutor:
    """Runs jobs as Ray tasks and keeps their run directories' status in step with Ray.

    Args:
        address: the cluster, ``host:port`` (this machine is one of its nodes) or
            ``ray://host:10001`` (Ray Client, from any machine).

    Raises:
        StudioError: nothing answers at ``address``, or Ray refuses to connect.
    """

    def __init__(self, address: str) -> None:
        check_reachable(address)
        import ray

        self.address = address
        self._ray = ray
        self._checked = time.monotonic()
        self._beaten = 0.0  # when poll last looked at the queued runs' heartbeats
        if not ray.is_initialized():
            # A driver joined as a node (host:port) ends its whole process once the cluster has
            # been gone a minute; the app must live on and say so, so it waits for it instead.
            os.environ.setdefault(GCS_WAIT_VARIABLE, str(GCS_WAIT_S))
            _join(address, runtime_env={"py_modules": [STUDIO_CODE]})
        # One job per worker process: nothing of one job's TensorFlow or GPU state reaches the
        # next; and never retried, as a second try would restart training from the start.
        self._task = ray.remote(max_calls=1, max_retries=0)(train_on_node)
        self._refs: dict[Path, Any] = {}

    def submit(self, run_dir: Path) -> None:
        """Queue a run (made by ``create_run`` or ``reopen_run``) on the cluster.

        Raises:
            StudioError: the cluster has gone (the runs it had are then interrupted).
        """
        run_dir = Path(run_dir).resolve()
        device = read_json(run_dir / runs.CONFIG_FILE)["train"]["device"]
        self._require_cluster()
        resources = task_resources(device, self._ray.cluster_resources().get("GPU", 0))
        runs.write_status(run_dir, executor="ray", heartbeat=time.time(), message=QUEUED_MESSAGE)
        try:
            ref = self._task.options(**resources, name=f"train {run_dir.name}").remote(
                str(run_dir))
        except ConnectionError as exc:
            self._settle(run_dir, "interrupted", CLUSTER_GONE_MESSAGE)
            raise self._lost(exc) from exc
        self._refs[run_dir] = ref

    def cancel(self, run_dir: Path) -> bool:
        """Take back a run the cluster has not started yet; False if it already runs (use STOP).

        The STOP file is written first, so a task that starts meanwhile stops at once.
        """
        run_dir = Path(run_dir).resolve()
        ref = self._refs.get(run_dir)
        if ref is None:
            return False
        request_stop(run_dir)
        if runs.read_status(run_dir).get("pid"):
            return False
        self._require_cluster()
        try:
            self._ray.cancel(ref, force=False)
        except ConnectionError as exc:
            raise self._lost(exc) from exc
        del self._refs[run_dir]
        runs.write_status(run_dir, status="stopped", message=CANCELLED_MESSAGE,
                          ended=runs.now_iso())
        return True

    def poll(self) -> None:
        """Settle the runs whose tasks have ended; keep the queued ones' heartbeat fresh.

        Raises:
            StudioError: the cluster has gone; every run it had is then interrupted.
        """
        self._require_cluster()
        if time.monotonic() - self._checked >= runs.HEARTBEAT_S:
            # A task waiting for a node that has gone with the cluster would wait forever.
            try:
                check_reachable(self.address)
            except StudioError as exc:
                raise self._lost(ConnectionError("nothing answers at its address")) from exc
            self._checked = time.monotonic()
        if not self._refs:
            return
        by_ref = {ref: run_dir for run_dir, ref in self._refs.items()}
        try:
            ready, _ = self._ray.wait(list(by_ref), num_returns=len(by_ref), timeout=0)
            for ref in ready:
                run_dir = by_ref[ref]
                try:
                    outcome = self._ray.get(ref)
                except self._ray.exceptions.RayError as exc:
                    outcome = {"status": "interrupted", "message": _lost_message(exc)}
                del self._refs[run_dir]
                if outcome["status"] == "interrupted" or not outcome.get("visible", True):
                    self._settle(run_dir, outcome["status"], outcome["message"])
        except ConnectionError as exc:
            raise self._lost(exc) from exc
        now = time.time()
        if now - self._beaten < runs.HEARTBEAT_S:
            return  # the status files of the queued runs are read once per beat, not per poll
        self._beaten = now
        for run_dir in self._refs:
            with contextlib.suppress(OSError, StudioError):
                status = read_json(run_dir / runs.STATUS_FILE)
                if status.get("status") == "queued" and not status.get("pid"):
                    if now - float(status.get("heartbeat") or 0) >= runs.HEARTBEAT_S:
                        runs.write_status(run_dir, heartbeat=now)

    def _require_cluster(self) -> None:
        """Refuse to go on without a connection: any Ray call would start a cluster of its own
        on this machine (Ray's auto-init) instead of failing."""
        if not self._ray.is_initialized():
            raise self._lost(ConnectionError("the connection is closed"))

    def _lost(self, exc: BaseException) -> StudioError:
        """Every tracked run interrupted, and the error that says so."""
        for run_dir in self._refs:
            self._settle(run_dir, "interrupted", CLUSTER_GONE_MESSAGE)
        self._refs.clear()
        with contextlib.suppress(ConnectionError, RuntimeError):
            self._ray.shutdown()  # so that the next executor joins afresh
        return StudioError(
            f"Lost the Ray cluster at {self.address} ({exc}). Its runs are marked interrupted "
            "and can be resumed once it is back; check it with 'ray status', or unset "
            f"{settings.RAY_ADDRESS.name} to train on this machine.")

    @staticmethod
    def _settle(run_dir: Path, state: str, message: str) -> None:
        """End a run the task could not end itself, unless it did (or was marked) meanwhile."""
        with contextlib.suppress(OSError, StudioError):
            status = read_json(run_dir / runs.STATUS_FILE)
            lost = status.get("message") in (runs.ORPHAN_MESSAGE, runs.CLUSTER_LOST_MESSAGE)
            if status.get("status") in runs.ACTIVE_STATES or (
                    status.get("status") == "interrupted" and lost):
                runs.write_status(run_dir, status=state, message=message,
                                  ended=status.get("ended") or runs.now_iso())

    def tracked(self) -> list[Path]:
        """The runs submitted here whose tasks have not been settled by ``poll`` yet."""
        return list(self._refs)

    def close(self) -> None:
        """Leave the cluster. Tasks still running are ended by Ray (their owner is gone) and
        their runs end interrupted through the heartbeat."""
        self._refs.clear()
        self._ray.shutdown()


__all__ = ["CANCELLED_MESSAGE", "CLUSTER_GONE_MESSAGE", "QUEUED_MESSAGE", "RayExecutor",
           "jobs_at_once",
           "check_reachable", "node_name", "task_resources", "train_on_node",
           "visibility_problem"]
