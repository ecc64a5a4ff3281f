"""Renderers of a `CheckReport`: the terminal view, and the file reporters of `registry.py`."""
