"""Labelled text in: files in any format and encoding, built-in sets, the data check."""
