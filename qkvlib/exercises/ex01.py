"""Exercises of notebook 01-tokens-and-embeddings."""
