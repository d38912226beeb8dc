"""LSTM Sentiment Studio's engine: data, text, models, training jobs, runs, prediction, figures.

Importing the package is light (no TensorFlow), so the app's home page and the CLI's listing
start fast; modules that need Keras import it themselves.
"""

from lstm_core.config import DataConfig, ModelConfig, RunConfig, TextConfig, TrainConfig
from lstm_core.errors import StudioError

__all__ = ["DataConfig", "ModelConfig", "RunConfig", "StudioError", "TextConfig", "TrainConfig"]
