"""Training on more than one device: every GPU of a machine, or several machines.

Which ``tf.distribute`` strategy a job uses follows from its surroundings, never from a setting a
student has to understand:

- ``TF_CONFIG`` is set (the cluster description tf.distribute documents):
  ``MultiWorkerMirroredStrategy``. Keras 3's ``fit`` fails with it on more than one machine
  (keras-team/keras#20585), so a cluster of several machines is refused with that reason until
  Keras supports it; a one-machine cluster trains.
- several GPUs are visible (and the run's device is ``auto`` or ``gpu``): ``MirroredStrategy``
  over all of them; each batch is split between the GPUs.
- ``$LSTM_STUDIO_CPU_REPLICAS`` = N > 1: the CPU is split into N logical devices and mirrored
  over, the same code path on a machine without GPUs (how the tests exercise it).
- otherwise none: one device, as ``device.configure_device`` chose.
"""

from __future__ import annotations

import json

from lstm_core import settings
from lstm_core.errors import StudioError


def split_cpu() -> None:
    """Make ``$LSTM_STUDIO_CPU_REPLICAS`` logical CPUs; must run before TensorFlow's first op."""
    import tensorflow as tf

    replicas = settings.cpu_replicas()
    if replicas > 1:
        cpu = tf.config.list_physical_devices("CPU")[0]
        try:
            tf.config.set_logical_device_configuration(
                cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(replicas)])
        except RuntimeError:
            raise StudioError(f"{settings.CPU_REPLICAS.name} needs a fresh process: TensorFlow "
                              "is already running in this one. Start the job with "
                              "jobs.start_job or the CLI.") from None


def training_strategy(device_name: str):
    """The strategy for this job and the device name to show for it, or (None, device_name).

    Must run before the job's first TensorFlow op: a multi-worker strategy configures the
    runtime's collective ops when it is made.
    """
    import tensorflow as tf

    tf_config = settings.tf_config()
    if tf_config is not None:
        cluster = _cluster(tf_config)
        if cluster > 1:
            raise StudioError(
                f"TF_CONFIG names {cluster} machines, but Keras 3's fit() cannot train across "
                "machines with MultiWorkerMirroredStrategy yet (keras-team/keras#20585: each "
                "step fails on a PerReplica batch). Train on one machine, which uses all its "
                "GPUs, or unset TF_CONFIG."
            )
        strategy = tf.distribute.MultiWorkerMirroredStrategy()
        return strategy, (f"{device_name} on 1 machine ({strategy.num_replicas_in_sync} "
                          "replicas, MultiWorkerMirroredStrategy)")
    gpus = tf.config.list_logical_devices("GPU")
    if len(gpus) > 1:
        return (tf.distribute.MirroredStrategy([g.name for g in gpus]),
                f"{len(gpus)} x {device_name} (MirroredStrategy)")
    cpus = tf.config.list_logical_devices("CPU")
    if not gpus and len(cpus) > 1:
        return (tf.distribute.MirroredStrategy([c.name for c in cpus]),
                f"{len(cpus)} x {device_name} (MirroredStrategy)")
    return None, device_name


def _cluster(tf_config: str) -> int:
    """How many machines TF_CONFIG names; a broken one is refused with what is wrong."""
    try:
        cluster = _parse(tf_config)["cluster"]
        return sum(len(cluster[role]) for role in cluster)
    except (KeyError, TypeError) as exc:
        raise _bad_tf_config(exc) from None


def _parse(tf_config: str) -> dict:
    try:
        return json.loads(tf_config)
    except ValueError as exc:
        raise _bad_tf_config(exc) from None


def _bad_tf_config(exc: Exception) -> StudioError:
    return StudioError(
        f"TF_CONFIG is not a valid cluster description ({exc}); see "
        "https://www.tensorflow.org/guide/distributed_training#TF_CONFIG or unset it."
    )
