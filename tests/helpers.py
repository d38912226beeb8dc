"""Tiny real runs for tests: small models that train in seconds on the demo data."""

from __future__ import annotations

from lstm_core.config import ModelConfig, RunConfig, TextConfig, TrainConfig
from lstm_core.data.demo import generate
from lstm_core.training.train import request_stop, train_run


def tiny_config(**train) -> RunConfig:
    return RunConfig(
        text=TextConfig(max_len=40, vocab_size=500),
        model=ModelConfig(embed_dim=8, units=8),
        train=TrainConfig(**{"epochs": 2, "batch_size": 32, "seed": 3, "log_every": 2, **train}),
    )


def demo_examples(rows: int = 300, lang: str = "en"):
    return generate(rows, lang=lang, seed=0)


def train_until_stopped_after(run_dir, epoch: int) -> dict:
    """``train_run`` with a stop requested once ``epoch`` epochs are done: a real backup of them.

    The stop lands in the next epoch's first batch, which does not count as done.
    """
    def progress(message: str) -> None:
        if message.startswith(f"epoch {epoch}/"):
            request_stop(run_dir)

    return train_run(run_dir, progress=progress)


def grappler_off() -> bool:
    """Whether TensorFlow's graph optimizer is switched off in this process."""
    import tensorflow as tf

    return tf.config.optimizer.get_experimental_options().get("disable_meta_optimizer", False)
