"""How long network work may take: the one default every command and integration uses."""

from __future__ import annotations

DEFAULT_TIMEOUT_S = 120.0
"""Seconds a command's registry, GitHub or cluster work may take in all (`--timeout`)."""
