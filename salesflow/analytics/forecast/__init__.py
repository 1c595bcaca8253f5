"""Learned win and conversion probabilities: feature tables, model, training.

See docs/forecast.md.
"""
