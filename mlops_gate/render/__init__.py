"""Rendering primitives shared by the reporters and by the gates' own report pieces: number
formatting, escaping for each sink, SVG charts. Below the gates, so a gate module can draw its
own chart without importing the reporters (docs/architecture.md)."""
