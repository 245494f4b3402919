"""Exercises of notebook 07-many-heads."""
