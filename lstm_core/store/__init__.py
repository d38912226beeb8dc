"""The run store: one directory per run, read without importing Keras, and the training queue."""
