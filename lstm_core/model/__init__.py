"""The Keras model: its plan, its layers, batches of ids and the device it runs on."""
