"""Exercises of notebook 08-masks."""
