"""Plotly figures for the app and the self-contained HTML report."""
