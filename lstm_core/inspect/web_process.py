"""How the web server's process hosts models: once per run, shared by every session.

``prepare_for_models`` runs before the web process loads its first model. It keeps TensorFlow
off the GPU and keeps Keras's session from being cleared after every script run.
"""

from __future__ import annotations

import functools
import sys


def prepare_for_models() -> None:
    keep_tensorflow_off_gpu()
    keep_keras_session_between_script_runs()


def keep_tensorflow_off_gpu() -> None:
    """Hide GPUs from TensorFlow in this process (the web server), so training jobs get them.

    Prediction for one sentence is fast on a CPU; a web process that initialised the GPU would
    hold its memory for as long as it runs.
    """
    import tensorflow as tf

    try:
        tf.config.set_visible_devices([], "GPU")
    except RuntimeError:
        pass  # TensorFlow already initialised its devices in this process


def keep_keras_session_between_script_runs() -> None:
    """Make ``keras.backend.clear_session`` do nothing when Streamlit's script runner calls it.

    Streamlit calls it after every script run once keras is imported, for apps that build a
    new model on each run. This process builds none: it loads each run's model once and shares
    it. The clearing only cost: a full ``gc.collect()`` and an emptied TensorFlow kernel cache
    after every click of every student, while other sessions' threads were predicting (measured
    with ``bench/load_sessions.py``). Any other caller still clears the session.
    """
    import keras

    clear = keras.backend.clear_session
    if not getattr(clear, "_skips_streamlit", False):
        keras.backend.clear_session = _unless_streamlit(clear)


def _unless_streamlit(clear):
    @functools.wraps(clear)
    def clear_session(*args, **kwargs):
        caller = sys._getframe(1).f_globals.get("__name__", "")
        if caller.startswith("streamlit."):
            return None
        return clear(*args, **kwargs)

    clear_session._skips_streamlit = True
    return clear_session
