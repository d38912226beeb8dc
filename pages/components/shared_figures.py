"""Figures built once and shared by every session, like the models they are drawn from.

Building a plotly figure holds the server's one Python thread for a large part of a Gates page,
and a class clicking the same example sentences would build the same figures once per student.
A figure is keyed by its run, the run's model file and every other input it is drawn from.
"""

from collections.abc import Callable

import plotly.graph_objects as go
import streamlit as st

from pages.components.run_picker import model_version


@st.cache_resource(max_entries=256, show_spinner=False)
def _built(key: tuple, _build: Callable[[], go.Figure]) -> go.Figure:
    return _build()


def shared_figure(run, key: tuple, build: Callable[[], go.Figure]) -> go.Figure:
    """``build()``, or the figure a session already built for the same run, model, epoch and
    ``key``.

    ``key`` must name every input of ``build`` other than the run (a figure kind first). The
    figure is never changed after building: ``st.plotly_chart`` serialises a copy.
    """
    return _built((str(run.path), model_version(run.path), run.epoch, *key), build)
