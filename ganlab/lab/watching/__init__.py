"""Watching a run: its figures, the watchdog's warnings, each layer's diagnostics, TensorBoard."""
