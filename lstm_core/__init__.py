"""LSTM Sentiment Studio's engine: data, text, models, training jobs, runs, prediction, figures.

Importing the package is light (no TensorFlow), so the app's home page and the CLI's listing
start fast; modules that need Keras import it themselves.
"""

from lstm_core.config import DataConfig, ModelConfig, RunConfig, TextConfig, TrainConfig
from lstm_core.errors import StudioError


def load_run(path):
    """Load a trained run for prediction and inspection (see ``lstm_core.inspect.run.Run``).

    Example:
        >>> run = load_run("runs/20261123-200650-demo-en")  # doctest: +SKIP
        >>> run.predict(["the plot was not good"])[0].label  # doctest: +SKIP
        'negative'
    """
    from lstm_core.inspect.run import load_run as load

    return load(path)


__all__ = ["DataConfig", "ModelConfig", "RunConfig", "StudioError", "TextConfig", "TrainConfig",
           "load_run"]
