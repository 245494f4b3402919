"""Exercises of notebook 02-weight-matrices."""
