"""Exercises of notebook 06-weighted-sum-and-pipeline."""
