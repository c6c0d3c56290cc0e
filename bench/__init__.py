"""Render benchmark: `python bench/run.py` (see bench/run.py for the flags)."""
