"""Renderers of a `CheckReport`: terminal, JUnit XML, Markdown (and more in later releases)."""
