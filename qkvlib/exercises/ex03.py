"""Exercises of notebook 03-building-q-k-v."""
