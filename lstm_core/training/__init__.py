"""A training run: split, fit with callbacks that write the run directory, test, baseline."""
