"""A teacher's named presets: Train-form settings for one data set, kept in the runs directory.

A preset holds its settings as text, exactly as a lesson link carries them
(``config.apply_settings_text`` reads both), so a preset and a link open the same form. Each
preset is one JSON file in ``<runs>/.presets/``, written atomically; a damaged file is skipped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lstm_core.errors import StudioError
from lstm_core.fileio import atomic_write_json, read_json, safe_name
from lstm_core.store.runs import now_iso, runs_root

PRESETS_DIR = ".presets"
NAME_MAX_CHARS = 60
MAX_PRESETS = 50  # a few lessons' worth; more is a sign of a script gone wrong


@dataclass(frozen=True)
class Preset:
    """Named settings a student can start from.

    Attributes:
        name: what the list shows, as the teacher typed it.
        dataset: the app's data set id the settings are for.
        settings: Train-form setting name -> value as text (``config.settings_text``).
        created: when it was saved (UTC, ISO 8601).
    """

    name: str
    dataset: str
    settings: dict[str, str] = field(default_factory=dict)
    created: str = ""

    def to_dict(self) -> dict:
        return {"name": self.name, "dataset": self.dataset, "settings": dict(self.settings),
                "created": self.created}


def presets_dir(root: Path | None = None) -> Path:
    return (runs_root() if root is None else Path(root)) / PRESETS_DIR


def _file(name: str, root: Path | None) -> Path:
    return presets_dir(root) / f"{safe_name(name, default='preset')}.json"


def save_preset(name: str, dataset: str, settings: dict[str, str],
                root: Path | None = None) -> Preset:
    """Save (or replace) the preset called ``name``.

    Raises:
        StudioError: an empty or too long name, or more than ``MAX_PRESETS`` presets.
    """
    name = " ".join(str(name).split())
    if not name or len(name) > NAME_MAX_CHARS or not name.isprintable():
        raise StudioError(f"A preset needs a name of 1 to {NAME_MAX_CHARS} plain characters; "
                          f"got {name!r}.")
    path = _file(name, root)
    if not path.exists() and len(list_presets(root)) >= MAX_PRESETS:
        raise StudioError(f"There are already {MAX_PRESETS} presets; delete one first.")
    preset = Preset(name, dataset, {str(k): str(v) for k, v in settings.items()}, now_iso())
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_json(path, preset.to_dict())
    return preset


def list_presets(root: Path | None = None) -> list[Preset]:
    """Every readable preset, by name."""
    folder = presets_dir(root)
    found = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            data = read_json(path)
            found.append(Preset(str(data["name"]), str(data["dataset"]),
                                {str(k): str(v) for k, v in dict(data["settings"]).items()},
                                str(data.get("created", ""))))
        except (StudioError, KeyError, TypeError, ValueError):
            continue  # a damaged file is not offered; the others still are
    return sorted(found, key=lambda preset: preset.name.lower())


def delete_preset(name: str, root: Path | None = None) -> None:
    """Remove the preset called ``name``; a name with no preset is refused."""
    path = _file(name, root)
    if not path.is_file():
        raise StudioError(f"There is no preset {name!r}.")
    path.unlink()
