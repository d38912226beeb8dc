"""Tiny real runs for tests: small models that train in seconds on the demo data."""

from __future__ import annotations

from lstm_core.config import ModelConfig, RunConfig, TextConfig, TrainConfig
from lstm_core.demo_data import generate


def tiny_config(**train) -> RunConfig:
    return RunConfig(
        text=TextConfig(max_len=40, vocab_size=500),
        model=ModelConfig(embed_dim=8, units=8),
        train=TrainConfig(**{"epochs": 2, "batch_size": 32, "seed": 3, "log_every": 2, **train}),
    )


def demo_examples(rows: int = 300, lang: str = "en"):
    return generate(rows, lang=lang, seed=0)
