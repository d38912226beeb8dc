"""Which settings a search varies, and over which values; everything else is the suggestion's.

The space is built around the data check's suggestion (``SearchSpace.around``): every value the
suggestion uses is inside it, so the suggestion itself can be the first trial, and the search can
only match or beat it on validation. A search keeps its space in search.json, so a resumed search
samples from the same space even after the suggestion's rules have changed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from lstm_core.config import RunConfig
from lstm_core.errors import StudioError

# Each searched setting's config section; the rest of the run's settings stay as suggested.
SECTION = {
    "cell": "model", "units": "model", "layers": "model", "bidirectional": "model",
    "pooling": "model", "embed_dim": "model", "dropout": "model",
    "learning_rate": "train", "lr_schedule": "train", "batch_size": "train", "epochs": "train",
}
RANGES = ("dropout", "learning_rate", "epochs")  # (low, high); every other field lists choices
LOG_SCALE = ("learning_rate",)  # sampled evenly in log space: 3e-4 is as far from 1e-3 as 3e-3


@dataclass(frozen=True)
class SearchSpace:
    """The values each searched setting may take: choices, or an inclusive (low, high) range."""

    cell: tuple[str, ...] = ("lstm", "gru")
    units: tuple[int, ...] = (32, 64, 128)
    layers: tuple[int, ...] = (1, 2)
    bidirectional: tuple[bool, ...] = (False, True)
    pooling: tuple[str, ...] = ("last", "max", "mean")
    embed_dim: tuple[int, ...] = (32, 64, 128)
    dropout: tuple[float, float] = (0.0, 0.6)
    learning_rate: tuple[float, float] = (3e-4, 3e-3)
    lr_schedule: tuple[str, ...] = ("constant", "linear")
    batch_size: tuple[int, ...] = (16, 32, 64)
    epochs: tuple[int, int] = (1, 10)

    def __post_init__(self) -> None:
        for item in fields(self):
            values = getattr(self, item.name)
            if not isinstance(values, tuple) or not values:
                raise StudioError(f"The search space's {item.name} must list at least one "
                                  f"value; got {values!r}.")
            if item.name in RANGES and (len(values) != 2 or values[0] > values[1]):
                raise StudioError(f"The search space's {item.name} must be a range (low, high) "
                                  f"with low <= high; got {values!r}.")

    @classmethod
    def around(cls, suggested: RunConfig, default: SearchSpace | None = None) -> SearchSpace:
        """``default`` (the standard space) widened to hold every value of ``suggested``;
        epochs range from 1 to the suggested number."""
        space = default or cls()
        params = params_of(suggested)
        changes: dict[str, tuple] = {}
        for name in SECTION:
            values, value = getattr(space, name), params[name]
            if name == "epochs":
                changes[name] = (1, value)
            elif name in RANGES:
                changes[name] = (min(values[0], value), max(values[1], value))
            elif value not in values:
                changes[name] = _with(values, value)
        return replace(space, **changes)

    def sample(self, trial) -> dict[str, Any]:
        """Each searched setting's value for an Optuna trial (fixed ones for an enqueued trial)."""
        params: dict[str, Any] = {}
        for name in SECTION:
            values = getattr(self, name)
            if name == "epochs":
                params[name] = trial.suggest_int(name, *values)
            elif name in RANGES:
                params[name] = trial.suggest_float(name, *values, log=name in LOG_SCALE)
            else:
                params[name] = trial.suggest_categorical(name, values)
        return params

    def to_dict(self) -> dict[str, list]:
        return {name: list(values) for name, values in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: dict) -> SearchSpace:
        try:
            return cls(**{name: tuple(values) for name, values in data.items()})
        except TypeError as exc:
            raise StudioError(f"The search space in search.json is damaged ({exc}).") from None


def _with(values: tuple, value: Any) -> tuple:
    """``values`` with ``value`` added; numbers stay in order."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return tuple(sorted({*values, value}))
    return (*values, value)


def params_of(config: RunConfig) -> dict[str, Any]:
    """The searched settings' values in ``config``."""
    return {name: getattr(getattr(config, section), name) for name, section in SECTION.items()}


def apply_params(base: RunConfig, params: dict[str, Any]) -> RunConfig:
    """``base`` with the searched settings set to ``params`` (validated as any RunConfig)."""
    sections: dict[str, dict] = {}
    for name, value in params.items():
        sections.setdefault(SECTION[name], {})[name] = value
    return replace(base, **{section: replace(getattr(base, section), **values)
                            for section, values in sections.items()})


def describe(params: dict[str, Any]) -> str:
    """Settings in short, for a progress line or a table cell.

    Example:
        ``gru 64x2 bi max, emb 32, drop 0.31, lr 0.0012 linear, batch 16, 6 ep``
    """
    shape = f"{params['cell']} {params['units']}x{params['layers']}"
    shape += " bi" if params["bidirectional"] else ""
    return (f"{shape} {params['pooling']}, emb {params['embed_dim']}, "
            f"drop {params['dropout']:.2f}, lr {params['learning_rate']:.2g} "
            f"{params['lr_schedule']}, batch {params['batch_size']}, {params['epochs']} ep")
