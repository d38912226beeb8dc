"""Which device a run trains on, and how the app names it.

The web process never initialises TensorFlow's GPU support (a training job should get the whole
card), so ``gpu_names`` asks ``nvidia-smi`` instead; the training process calls
``configure_device`` before building anything.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from lstm_core.errors import StudioError


def gpu_names() -> list[str]:
    """Names of the NVIDIA GPUs on this machine, without importing TensorFlow."""
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return []
    try:
        out = subprocess.run(
            [smi, "--query-gpu=name", "--format=csv,noheader"],
            capture_output=True, text=True, timeout=5, check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [line.strip() for line in out.splitlines() if line.strip()]


def device_kind(requested: str) -> str:
    """"gpu" or "cpu": which pool of training slots a job with this device setting queues for."""
    return "gpu" if requested != "cpu" and gpu_names() else "cpu"


def describe_default_device() -> str:
    names = gpu_names()
    return f"GPU: {names[0]}" if names else "CPU"


def hide_gpus_if_cpu(requested: str) -> None:
    """For ``cpu`` runs, hide GPUs from TensorFlow; must run before TensorFlow's first op.

    A warm worker has imported TensorFlow already, but not yet started it, so hiding them
    through its own API still keeps the job off the GPU and its memory.
    """
    if requested != "cpu":
        return
    os.environ["CUDA_VISIBLE_DEVICES"] = "-1"
    if "tensorflow" in sys.modules:
        import tensorflow as tf

        tf.config.set_visible_devices([], "GPU")


def limit_threads(threads: int) -> None:
    """Give this job's TensorFlow ``threads`` CPU threads, before its first op; a process that
    has run TensorFlow already (a notebook, a test) keeps the threads it has."""
    import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    except RuntimeError:
        return


def configure_device(requested: str) -> tuple[str, str]:
    """Set TensorFlow up for ``auto``, ``cpu`` or ``gpu``.

    Returns:
        (tf device string such as "/GPU:0", a readable name such as "GPU: NVIDIA H100" or "CPU").

    Raises:
        StudioError: ``gpu`` was asked for and TensorFlow sees none.
    """
    import tensorflow as tf

    gpus = [] if requested == "cpu" else tf.config.list_physical_devices("GPU")
    for gpu in gpus:
        try:
            # Grow GPU memory on demand so several jobs (and the app) can share a card.
            tf.config.experimental.set_memory_growth(gpu, True)
        except RuntimeError:
            pass  # already initialised in this process; growth was set then or cannot be now
    if requested == "gpu" and not gpus:
        raise StudioError(
            "device='gpu' was asked for, but TensorFlow sees no GPU here. Use device='auto' or "
            "'cpu', or install tensorflow[and-cuda] on a machine with an NVIDIA GPU."
        )
    if gpus:
        details = tf.config.experimental.get_device_details(gpus[0])
        return "/GPU:0", f"GPU: {details.get('device_name', gpus[0].name)}"
    return "/CPU:0", "CPU"
