"""A teacher's presets: named settings in the runs directory, safe names, damaged files skipped."""

import pytest

from lstm_core.errors import StudioError
from lstm_core.store.presets import delete_preset, list_presets, presets_dir, save_preset


def test_presets_are_saved_listed_by_name_replaced_and_deleted():
    save_preset("b lesson", "demo-en", {"units": "16"})
    save_preset("A lesson", "demo-zh", {"cell": "gru"})
    assert [(p.name, p.dataset, p.settings) for p in list_presets()] == [
        ("A lesson", "demo-zh", {"cell": "gru"}), ("b lesson", "demo-en", {"units": "16"})]
    save_preset("b lesson", "demo-en", {"units": "32"})
    assert list_presets()[1].settings == {"units": "32"}
    delete_preset("A lesson")
    assert [p.name for p in list_presets()] == ["b lesson"]
    with pytest.raises(StudioError, match="no preset"):
        delete_preset("A lesson")


def test_a_name_cannot_leave_the_presets_folder_and_a_damaged_file_is_skipped():
    save_preset("../../escape", "demo-en", {})
    assert [p.parent for p in presets_dir().iterdir()] == [presets_dir()]
    (presets_dir() / "broken.json").write_text("{not json", encoding="utf-8")
    assert [p.name for p in list_presets()] == ["../../escape"]
    with pytest.raises(StudioError, match="needs a name"):
        save_preset("   ", "demo-en", {})
