"""Lessons by link: the Train form filled in from the URL, a link to the chosen settings, and
the teacher's named presets.

Every Train-form setting can be a query parameter (``?dataset=demo-en&cell=gru&units=16``);
``config.apply_settings_text`` parses and checks each one, and a value it refuses is left out
with a note. A preset is the same settings kept in the runs directory: picking one writes them
into the URL, so a preset and a link open the same form.
"""

from __future__ import annotations

import zlib
from urllib.parse import urlencode

import streamlit as st

from lstm_core.config import RunConfig, apply_settings_text, settings_text
from lstm_core.errors import StudioError
from lstm_core.store.presets import delete_preset, list_presets, save_preset

# Query parameters of the Train page that are not settings.
PAGE_PARAMS = ("dataset", "run", "search")
PRESET_KEY = "preset-choice"


def settings_from_link(container, suggested: RunConfig, dataset_id: str
                       ) -> tuple[RunConfig, str]:
    """The suggested settings with those the URL names, and the key the form is drawn under.

    A link's settings get a form key of their own, so opening another link in the same browser
    session fills the form again instead of keeping the widgets' earlier values.
    """
    query = {name: st.query_params[name] for name in st.query_params if name not in PAGE_PARAMS}
    config, taken, notes = apply_settings_text(suggested, query)
    if notes:
        container.warning("Some settings in the link were left out:\n\n" +
                          "\n".join(f"- {note}" for note in notes), icon=":material/link_off:")
    if taken:
        container.caption(f"{len(taken)} setting(s) from the link: " +
                          ", ".join(f"{name}={value}" for name, value in taken.items()))
        stamp = zlib.crc32(urlencode(sorted(taken.items())).encode())
        return config, f"{dataset_id}-{stamp:08x}"
    return config, dataset_id


def settings_link(dataset_id: str, settings: dict[str, str], base_url: str | None) -> str:
    """The Train page's address with the data set and the settings as query parameters."""
    return f"{base_url or '/train'}?{urlencode({'dataset': dataset_id, **settings})}"


def share_settings(container, dataset_id: str, suggested: RunConfig, config: RunConfig,
                   may_edit_presets: bool) -> None:
    """"Copy link to these settings", presets to start from, and the teacher's preset editor."""
    changed = settings_text(config, suggested)
    with container.popover("Copy link to these settings", icon=":material/link:"):
        st.caption("Send it to the class: it opens the Train page with these settings filled "
                   "in (those that differ from the data check's suggestion).")
        st.code(settings_link(dataset_id, changed, st.context.url), language=None,
                wrap_lines=True)
    presets = list_presets()
    if presets:
        by_name = {preset.name: preset for preset in presets}
        container.selectbox(
            "Start from a preset", list(by_name), index=None, key=PRESET_KEY,
            placeholder="Choose one of the teacher's presets",
            on_change=_use_preset, args=(by_name,),
            help="Fills in the form with settings the teacher prepared; change any of them "
            "before you train.")
    if not may_edit_presets:
        return
    with container.expander("Teacher: keep these settings as a preset"):
        name = st.text_input("Preset name", key="preset-name", max_chars=60)
        if st.button("Save preset", key="preset-save", icon=":material/bookmark_add:"):
            try:
                save_preset(name, dataset_id, changed)
            except StudioError as exc:
                st.error(str(exc))
            else:
                st.toast(f"Saved preset {name!r}.", icon=":material/bookmark:")
                st.rerun()
        if presets:
            gone = st.selectbox("Preset to delete", [p.name for p in presets], index=None,
                                key="preset-delete-choice")
            if gone and st.button("Delete preset", key="preset-delete",
                                  icon=":material/delete:"):
                try:
                    delete_preset(gone)
                except StudioError as exc:
                    st.error(str(exc))
                else:
                    st.rerun()


def _use_preset(by_name: dict) -> None:
    preset = by_name.get(st.session_state.get(PRESET_KEY))
    if preset is None:
        return
    st.query_params.clear()
    st.query_params.update({"dataset": preset.dataset, **preset.settings})
    st.session_state[PRESET_KEY] = None
