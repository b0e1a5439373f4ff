"""Training: a config and its recipes become a model, and the loop trains it on the data, writing checkpoints."""
