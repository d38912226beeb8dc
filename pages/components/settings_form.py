"""Every hyperparameter as a widget with a help text, defaults from the data check."""

from dataclasses import replace

import pandas as pd
import streamlit as st

from lstm_core.config import (
    CELLS,
    CLASS_WEIGHTS,
    DEVICES,
    HELP,
    LR_SCHEDULES,
    OPTIMIZERS,
    POOLINGS,
    RunConfig,
)
from lstm_core.data.datasets import SELECTION_FILE, dataset_dir
from lstm_core.errors import StudioError
from lstm_core.fileio import file_stamp
from lstm_core.model.plan import model_plan

BATCH_SIZES = [8, 16, 32, 64, 128, 256, 512]
LEARNING_RATES = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1]


@st.cache_data(show_spinner="Checking the data...", max_entries=32)
def _suggestions(dataset_id: str, selection_stamp: tuple[int, int]) -> tuple[dict, dict]:
    from lstm_core.jobs.launch import suggested_config

    config, report = suggested_config(dataset_id)
    return config.to_dict(), report.to_dict()


def cached_suggestions(dataset_id: str) -> tuple[RunConfig, dict]:
    """Suggested settings and the data check, recomputed when the data set's selection changes."""
    stamp = file_stamp(dataset_dir(dataset_id) / SELECTION_FILE)
    config, report = _suggestions(dataset_id, stamp)
    return RunConfig.from_dict(config), report


def _pick(container, label: str, options: list, value, field: str, key: str):
    options = options if value in options else sorted([*options, value])
    return container.select_slider(label, options=options, value=value, help=HELP[field],
                                   key=f"{key}-{field}")


def settings_form(container, suggested: RunConfig, report: dict, key: str) -> RunConfig | None:
    """Draw the settings and return the chosen config (None when a value is invalid)."""
    model, text, train, data = suggested.model, suggested.text, suggested.train, suggested.data
    left, middle, right = container.columns(3)

    left.subheader("Model")
    cell = left.selectbox("Cell", CELLS, index=CELLS.index(model.cell), help=HELP["cell"],
                          key=f"{key}-cell")
    embed_dim = _pick(left, "Embedding size", [16, 32, 64, 128, 256], model.embed_dim,
                      "embed_dim", key)
    units = _pick(left, "Units", [4, 8, 16, 32, 64, 128, 256], model.units, "units", key)
    layers = left.slider("Layers", 1, 3, model.layers, help=HELP["layers"], key=f"{key}-layers")
    bidirectional = left.toggle("Bidirectional", model.bidirectional, help=HELP["bidirectional"],
                                key=f"{key}-bidirectional")
    pooling = left.selectbox("Pooling", POOLINGS, index=POOLINGS.index(model.pooling),
                             help=HELP["pooling"], key=f"{key}-pooling")
    dropout = left.slider("Dropout", 0.0, 0.8, model.dropout, 0.05, help=HELP["dropout"],
                          key=f"{key}-dropout")
    recurrent_dropout = left.slider("Recurrent dropout", 0.0, 0.5, model.recurrent_dropout, 0.05,
                                    help=HELP["recurrent_dropout"], key=f"{key}-rdropout")

    middle.subheader("Training")
    epochs = middle.number_input("Epochs", 1, 200, train.epochs, help=HELP["epochs"],
                                 key=f"{key}-epochs")
    batch_size = _pick(middle, "Batch size", BATCH_SIZES, train.batch_size, "batch_size", key)
    learning_rate = _pick(middle, "Learning rate", LEARNING_RATES, train.learning_rate,
                          "learning_rate", key)
    lr_schedule = middle.selectbox("Learning-rate schedule", LR_SCHEDULES,
                                   LR_SCHEDULES.index(train.lr_schedule), help=HELP["lr_schedule"],
                                   key=f"{key}-lr_schedule")
    optimizer = middle.selectbox("Optimizer", OPTIMIZERS, OPTIMIZERS.index(train.optimizer),
                                 help=HELP["optimizer"], key=f"{key}-optimizer")
    early_stopping = middle.number_input("Early stopping patience", 0, 50, train.early_stopping,
                                         help=HELP["early_stopping"], key=f"{key}-early")
    class_weights = middle.selectbox("Class weights", CLASS_WEIGHTS,
                                     CLASS_WEIGHTS.index(train.class_weights),
                                     help=HELP["class_weights"], key=f"{key}-weights")
    seed = middle.number_input("Seed", 0, 2**31 - 1, train.seed, help=HELP["seed"],
                               key=f"{key}-seed")

    right.subheader("Text and data")
    max_len = right.number_input("Max length (tokens)", 1, 5000, text.max_len,
                                 help=HELP["max_len"], key=f"{key}-max_len")
    vocab_size = right.number_input("Vocabulary size", 3, 2_000_000, text.vocab_size,
                                    help=HELP["vocab_size"], key=f"{key}-vocab")
    val_split = right.slider("Validation share", 0.05, 0.3, data.val_split, 0.05,
                             help=HELP["val_split"], key=f"{key}-val")
    test_split = right.slider("Test share", 0.0, 0.3, data.test_split, 0.05,
                              help=HELP["test_split"], key=f"{key}-test",
                              disabled=data.test_split == 0.0 and data.source == "keras-imdb")
    device = right.selectbox("Device", DEVICES, DEVICES.index(train.device), help=HELP["device"],
                             key=f"{key}-device")
    mixed_precision = right.toggle("Mixed precision", train.mixed_precision,
                                   help=HELP["mixed_precision"], key=f"{key}-mixed")
    bucket = right.toggle("Group batches by length", train.bucket_by_length,
                          help=HELP["bucket_by_length"], key=f"{key}-bucket")
    try:
        config = RunConfig(
            data=replace(data, val_split=val_split, test_split=test_split, seed=int(seed)),
            text=replace(text, max_len=int(max_len), vocab_size=int(vocab_size)),
            model=replace(model, cell=cell, embed_dim=embed_dim, units=units, layers=layers,
                          bidirectional=bidirectional, pooling=pooling, dropout=dropout,
                          recurrent_dropout=recurrent_dropout),
            train=replace(train, epochs=int(epochs), batch_size=batch_size,
                          learning_rate=learning_rate, lr_schedule=lr_schedule,
                          optimizer=optimizer,
                          early_stopping=int(early_stopping), class_weights=class_weights,
                          seed=int(seed), device=device, mixed_precision=mixed_precision,
                          bucket_by_length=bucket),
        )
    except StudioError as exc:
        container.error(str(exc))
        return None
    _show_plan(container, config, report)
    return config


def _show_plan(container, config: RunConfig, report: dict) -> None:
    """The model's layers and parameter count, and what a setting gives up on a GPU."""
    vocab = min(config.text.vocab_size, report["vocab_size"] + 2)
    plan = pd.DataFrame(model_plan(config.model, vocab, len(report["class_counts"])))
    with container.expander(f"Model summary: {plan['parameters'].sum():,} parameters",
                            expanded=False):
        st.dataframe(plan, hide_index=True, width="stretch")
    for reason in config.model.cudnn_blockers():
        container.warning(f"On a GPU: {reason}.", icon="🐢")
