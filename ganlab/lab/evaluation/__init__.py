"""Evaluation: scoring generated digits against real ones, in a classifier's features."""
